#include "boot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xen/arch-x86/hvm/start_info.h>

#include "acpi.h"
#include "bootdisk.h"
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

/* The files the configuration names on the host; cmdline may be NULL. */
static int read_host_files(const char *kernel, const char *ramdisk, const char *cmdline,
			   struct hv_boot_files *f)
{
	int err = hv_read_file(kernel, MAX_KERNEL_FILE, &f->kernel, &f->kernel_len);

	if (err) {
		log_warnx("kernel %s: %s", kernel, strerror(-err));
		return err;
	}
	if (ramdisk && (err = hv_read_file(ramdisk, MAX_INITRD_FILE, &f->initrd, &f->initrd_len))) {
		log_warnx("ramdisk %s: %s", ramdisk, strerror(-err));
		return err;
	}
	f->kernel_name = strdup(kernel);
	f->initrd_name = ramdisk ? strdup(ramdisk) : NULL;
	f->cmdline = cmdline ? strdup(cmdline) : NULL;
	if (!f->kernel_name || (ramdisk && !f->initrd_name) || (cmdline && !f->cmdline))
		return -ENOMEM;
	return 0;
}

/* What the default entry of the boot disk's grub.cfg names (bootdisk.h). */
static int read_disk_files(const struct hv_config *c, struct hv_boot_files *f)
{
	char err[768];
	int r = hv_bootdisk_load_config(c, f, err, sizeof(err));

	if (r) {
		log_warnx("boot: %s", err);
		return r;
	}
	if (f->note[0])
		log_warnx("boot: %s", f->note);
	log_warnx("boot: entry '%s' from %s: kernel %s, initrd %s, cmdline %s", f->entry, f->config,
		 f->kernel_name, f->initrd_name ? f->initrd_name : "none", f->cmdline);
	return 0;
}

/*
 * A kernel given is booted directly.  Otherwise GRUB itself where KVM's
 * Xen intercept lets the kernel it loads make hypercalls, else the
 * host-side loader (docs/boot.md).
 */
static int get_boot_files(const struct hv_domain *d, struct hv_boot_files *f)
{
	const struct hv_config *c = d->cfg;
	bool grub = c->bootloader ? !strcmp(c->bootloader, "grub") : c->grub_image != NULL;

	if (c->kernel && c->bootloader)
		log_warnx("boot: bootloader \"%s\" ignored: the kernel given boots directly",
			  c->bootloader);
	if (c->kernel)
		return read_host_files(c->kernel, c->ramdisk, c->cmdline, f);
	if (grub && d->transport == HV_TRANSPORT_KVM_XEN) {
		log_warnx("boot: GRUB %s, which reads the disk's grub.cfg itself", c->grub_image);
		return read_host_files(c->grub_image, NULL, NULL, f);
	}
	if (grub)
		log_warnx("boot: no KVM Xen intercept on this host, so a kernel that GRUB loads "
			  "could not make hypercalls; using the host-side loader instead");
	return read_disk_files(c, f);
}

static int load_kernel(struct hv_domain *d, const struct hv_boot_files *f, struct hv_kernel *k)
{
	unsigned flags = d->transport == HV_TRANSPORT_PIO ? HV_LOAD_PATCH_HYPERCALLS : 0;
	int err = hv_load_kernel(&d->mem, f->kernel, f->kernel_len, flags, k);

	if (err)
		log_warnx("kernel %s: cannot load it", f->kernel_name);
	else if (k->entry > UINT32_MAX)
		err = -ENOEXEC;
	return err;
}

/* Puts the initrd at the first page after the kernel; fills l. */
static int load_initrd(struct hv_domain *d, const struct hv_boot_files *f,
		       const struct hv_kernel *k, struct hv_boot_layout *l)
{
	uint64_t gpa = (k->load_hi + HV_PAGE_SIZE - 1) & ~(HV_PAGE_SIZE - 1);
	size_t len = f->initrd_len;

	if (!f->initrd)
		return 0;
	if (!hv_gmem_is_ram(&d->mem, gpa) || !hv_gmem_is_ram(&d->mem, gpa + len - 1) ||
	    hv_gmem_write(&d->mem, gpa, f->initrd, len)) {
		log_warnx("ramdisk %s (%zu bytes) does not fit in RAM after the kernel",
			  f->initrd_name, len);
		return -ERANGE;
	}
	l->initrd_gpa = gpa;
	l->initrd_size = len;
	return 0;
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
	struct hv_boot_files f = { 0 };
	struct hv_boot_layout l = { 0 };
	struct hv_kernel k;
	int err;

	d->nr_memmap = hv_boot_memmap(&d->mem, d->memmap, HV_MAX_MEMMAP);
	err = get_boot_files(d, &f);
	if (!err)
		err = load_kernel(d, &f, &k);
	if (!err && k.load_lo < HV_ACPI_END) {
		log_warnx("kernel %s loads below 1 MiB, over the boot tables", f.kernel_name);
		err = -ERANGE;
	}
	l.cmdline = f.cmdline;
	if (!err)
		err = load_initrd(d, &f, &k, &l);
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
	hv_boot_files_free(&f);
	return err;
}
