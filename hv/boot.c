#include "boot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xen/arch-x86/hvm/start_info.h>

#include "acpi.h"
#include "loader.h"
#include "log.h"

/* Largest kernel and initrd files we read. */
#define MAX_KERNEL_FILE (256ULL << 20)
#define MAX_INITRD_FILE (1ULL << 30)

static unsigned add_range(struct hv_e820 *out, unsigned n, unsigned max, uint64_t addr,
			  uint64_t end, uint32_t type)
{
	if (end <= addr || n >= max)
		return n;
	out[n] = (struct hv_e820){ .addr = addr, .size = end - addr, .type = type };
	return n + 1;
}

unsigned hv_boot_memmap(struct hv_gmem *m, struct hv_e820 *out, unsigned max)
{
	uint64_t low_end = m->ram_size < HV_LOWMEM_LIMIT ? m->ram_size : HV_LOWMEM_LIMIT;
	unsigned n = 0;

	n = add_range(out, n, max, 0, HV_LEGACY_HOLE_GPA, HV_E820_RAM);
	n = add_range(out, n, max, HV_LEGACY_HOLE_GPA, HV_ACPI_GPA, HV_E820_RESERVED);
	n = add_range(out, n, max, HV_ACPI_GPA, HV_ACPI_END, HV_E820_ACPI);
	n = add_range(out, n, max, HV_ACPI_END, low_end, HV_E820_RAM);
	n = add_range(out, n, max, HV_SPECIAL_GPA, HV_SPECIAL_END, HV_E820_RESERVED);
	n = add_range(out, n, max, HV_HIGHMEM_START, hv_gmem_ram_end(m), HV_E820_RAM);
	return n;
}

size_t hv_start_info_build(uint8_t *buf, size_t size, uint64_t base,
			   const struct hv_boot_layout *l)
{
	struct hvm_start_info *si = (struct hvm_start_info *)buf;
	size_t mod_off = sizeof(*si);
	size_t map_off = mod_off + sizeof(struct hvm_modlist_entry);
	size_t cmd_off = map_off + l->nr_memmap * sizeof(struct hvm_memmap_table_entry);
	size_t cmd_len = l->cmdline ? strlen(l->cmdline) + 1 : 0;
	struct hvm_memmap_table_entry *map = (struct hvm_memmap_table_entry *)(buf + map_off);

	if (cmd_off + cmd_len > size)
		return 0;
	memset(buf, 0, cmd_off);
	si->magic = XEN_HVM_START_MAGIC_VALUE;
	si->version = 1;
	si->rsdp_paddr = l->rsdp_gpa;
	si->memmap_paddr = base + map_off;
	si->memmap_entries = l->nr_memmap;
	for (unsigned i = 0; i < l->nr_memmap; i++)
		map[i] = (struct hvm_memmap_table_entry){ .addr = l->memmap[i].addr,
							  .size = l->memmap[i].size,
							  .type = l->memmap[i].type };
	if (l->initrd_size) {
		struct hvm_modlist_entry *mod = (struct hvm_modlist_entry *)(buf + mod_off);

		mod->paddr = l->initrd_gpa;
		mod->size = l->initrd_size;
		si->nr_modules = 1;
		si->modlist_paddr = base + mod_off;
	}
	if (cmd_len) {
		memcpy(buf + cmd_off, l->cmdline, cmd_len);
		si->cmdline_paddr = base + cmd_off;
	}
	return cmd_off + cmd_len;
}

static int load_kernel(struct hv_domain *d, struct hv_kernel *k)
{
	unsigned flags = d->transport == HV_TRANSPORT_PIO ? HV_LOAD_PATCH_HYPERCALLS : 0;
	uint8_t *buf;
	size_t len;
	int err = hv_read_file(d->cfg->kernel, MAX_KERNEL_FILE, &buf, &len);

	if (err) {
		log_warnx("kernel %s: %s", d->cfg->kernel, strerror(-err));
		return err;
	}
	err = hv_load_kernel(&d->mem, buf, len, flags, k);
	free(buf);
	if (err)
		log_warnx("kernel %s: cannot load it", d->cfg->kernel);
	else if (k->entry > UINT32_MAX)
		err = -ENOEXEC;
	return err;
}

/* Puts the initrd at the first page after the kernel; fills l. */
static int load_initrd(struct hv_domain *d, const struct hv_kernel *k, struct hv_boot_layout *l)
{
	uint64_t gpa = (k->load_hi + HV_PAGE_SIZE - 1) & ~(HV_PAGE_SIZE - 1);
	uint8_t *buf;
	size_t len;
	int err;

	if (!d->cfg->ramdisk)
		return 0;
	err = hv_read_file(d->cfg->ramdisk, MAX_INITRD_FILE, &buf, &len);
	if (err) {
		log_warnx("ramdisk %s: %s", d->cfg->ramdisk, strerror(-err));
		return err;
	}
	if (!hv_gmem_is_ram(&d->mem, gpa) || !hv_gmem_is_ram(&d->mem, gpa + len - 1) ||
	    hv_gmem_write(&d->mem, gpa, buf, len)) {
		log_warnx("ramdisk %s (%zu bytes) does not fit in RAM after the kernel",
			  d->cfg->ramdisk, len);
		err = -ERANGE;
	}
	free(buf);
	l->initrd_gpa = gpa;
	l->initrd_size = len;
	return err;
}

static int write_tables(struct hv_domain *d, struct hv_boot_layout *l)
{
	size_t size = HV_BOOT_INFO_END - HV_BOOT_INFO_GPA;
	uint8_t *buf = malloc(size);
	size_t n;
	int err = -ENOSPC;

	if (!buf)
		return -ENOMEM;
	n = hv_acpi_build(buf, HV_ACPI_END - HV_ACPI_GPA, HV_ACPI_GPA, d->nr_vcpus);
	if (!n || hv_gmem_write(&d->mem, HV_ACPI_GPA, buf, n))
		goto out;
	l->rsdp_gpa = HV_ACPI_GPA;
	l->memmap = d->memmap;
	l->nr_memmap = d->nr_memmap;
	n = hv_start_info_build(buf, size, HV_BOOT_INFO_GPA, l);
	if (!n) {
		log_warnx("command line too long (%zu bytes)", strlen(l->cmdline));
		err = -E2BIG;
		goto out;
	}
	err = hv_gmem_write(&d->mem, HV_BOOT_INFO_GPA, buf, n);
out:
	free(buf);
	return err;
}

int hv_boot_setup(struct hv_domain *d)
{
	struct hv_boot_layout l = { .cmdline = d->cfg->cmdline };
	struct hv_kernel k;
	int err;

	d->nr_memmap = hv_boot_memmap(&d->mem, d->memmap, HV_MAX_MEMMAP);
	err = load_kernel(d, &k);
	if (err)
		return err;
	if (k.load_lo < HV_ACPI_END) {
		log_warnx("kernel %s loads below 1 MiB, over the boot tables", d->cfg->kernel);
		return -ERANGE;
	}
	err = load_initrd(d, &k, &l);
	if (!err)
		err = write_tables(d, &l);
	if (!err)
		err = hv_vcpu_set_pvh_entry(&d->vcpus[0], (uint32_t)k.entry,
					    (uint32_t)HV_BOOT_INFO_GPA);
	if (!err)
		log_info("kernel entry 0x%llx, loaded 0x%llx-0x%llx%s",
			 (unsigned long long)k.entry, (unsigned long long)k.load_lo,
			 (unsigned long long)k.load_hi,
			 k.hypercalls_patched ? ", hypercall instructions patched" : "");
	return err;
}
