/*
 * selftest: what the domain builder hands over at boot, start_info with its
 * memory map and the ACPI tables.
 */
#include "acpi.h"
#include "hcall.h"
#include "kernel.h"
#include "lib.h"
#include "selftest.h"

/* Returns NULL if the memory map is sorted, non-overlapping and non-empty. */
static const char *memmap_problem(const struct kernel *k)
{
	const struct hvm_memmap_table_entry *e;
	uint64_t start = (uintptr_t)_kernel_start;

	for (unsigned i = 0; i < k->nr_memmap; i++) {
		if (!k->memmap[i].size)
			return "empty entry";
		if (i && k->memmap[i].addr < k->memmap[i - 1].addr + k->memmap[i - 1].size)
			return "entries unsorted or overlapping";
	}
	e = memmap_find(k, start, (uintptr_t)_kernel_end - start);
	if (!e || e->type != XEN_HVM_MEMMAP_TYPE_RAM)
		return "the kernel is not in RAM";
	return NULL;
}

void st_bootinfo(struct selftest *t)
{
	const struct kernel *k = t->k;
	const char *why = memmap_problem(k);

	st_checkf(t, k->si->magic == XEN_HVM_START_MAGIC_VALUE, "start_info.magic", "0x%x",
		  k->si->magic);
	st_checkf(t, k->si->version >= 1, "start_info.version", "%u", k->si->version);
	st_checkf(t, k->si->cmdline_paddr && contains(k->cmdline, "selftest"), "start_info.cmdline",
		  "\"%s\" at 0x%lx", k->cmdline, k->si->cmdline_paddr);
	st_checkf(t, !why, "start_info.memmap", "%s (%u entries)", why, k->nr_memmap);
}

/* The DSDT that the FADT names: X_DSDT, or DSDT on an ACPI 1.0 system. */
static void check_dsdt(struct selftest *t, const struct acpi_header *fadt)
{
	uint64_t paddr = acpi_fadt_x_dsdt(fadt);
	const struct acpi_header *dsdt;

	if (!paddr && !xen_present())
		paddr = acpi_fadt_dsdt(fadt);
	dsdt = acpi_map_table(paddr);
	st_checkf(t, dsdt && !memcmp(dsdt->signature, "DSDT", 4) &&
			     acpi_checksum_ok(dsdt, dsdt->length),
		  "acpi.dsdt", "at 0x%lx", paddr);
}

static void check_fadt(struct selftest *t, const struct acpi *a)
{
	const struct acpi_header *fadt = acpi_find(a, "FACP");
	bool hw_reduced;

	st_check(t, fadt && acpi_checksum_ok(fadt, fadt->length), "acpi.fadt");
	if (!fadt)
		return;
	if (xen_present()) {
		hw_reduced = acpi_fadt_flags(fadt) & ACPI_FADT_HW_REDUCED;
		st_checkf(t, hw_reduced, "acpi.fadt.hw_reduced", "flags 0x%x",
			  acpi_fadt_flags(fadt));
	}
	check_dsdt(t, fadt);
}

void st_acpi(struct selftest *t)
{
	struct acpi a;
	const char *why = acpi_open(&a, t->k->si->rsdp_paddr);
	const struct acpi_header *madt;
	unsigned cpus;

	st_checkf(t, !why && (a.xsdt || !xen_present()), "acpi.rsdp", "%s at 0x%lx",
		  why ? why : "ACPI 1.0 RSDP without XSDT", t->k->si->rsdp_paddr);
	if (why)
		return;
	st_check(t, acpi_checksum_ok(a.root, a.root->length), a.xsdt ? "acpi.xsdt" : "acpi.rsdt");
	madt = acpi_find(&a, "APIC");
	st_check(t, madt && acpi_checksum_ok(madt, madt->length), "acpi.madt");
	cpus = madt ? acpi_count_cpus(madt) : 0;
	st_checkf(t, cpus >= 1 && cpus == t->k->ncpu, "acpi.madt.cpus",
		  "%u enabled local APICs, using %u vCPUs", cpus, t->k->ncpu);
	check_fadt(t, &a);
}
