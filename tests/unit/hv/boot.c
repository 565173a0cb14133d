/*
 * Unit tests for the boot tables: hv/acpi.c (checksums, layout, one local
 * APIC per vCPU) and hv/boot.c (hvm_start_info against Xen's header, the
 * memory map).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <xen/arch-x86/hvm/start_info.h>

#include "acpi.h"
#include "boot.h"

#define BASE 0xe0000ULL
#define MIB (1ULL << 20)

static uint8_t sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s += *b++;
	return s;
}

static const void *at(const uint8_t *buf, uint64_t gpa)
{
	assert_true(gpa >= BASE && gpa < BASE + 0x20000);
	return buf + (gpa - BASE);
}

static void acpi_tables_are_consistent(void **state)
{
	static uint8_t buf[0x20000];
	size_t n = hv_acpi_build(buf, sizeof(buf), BASE, 3);
	const struct acpi_rsdp *rsdp = (const void *)buf;
	const struct acpi_header *xsdt, *dsdt;
	const struct acpi_madt *madt;
	const struct acpi_fadt *fadt;
	uint64_t entries[2];

	(void)state;
	assert_true(n > 0);
	assert_memory_equal(rsdp->signature, "RSD PTR ", 8);
	assert_int_equal(rsdp->revision, 2);
	assert_int_equal(sum(rsdp, 20), 0);
	assert_int_equal(sum(rsdp, sizeof(*rsdp)), 0);
	xsdt = at(buf, rsdp->xsdt_address);
	assert_memory_equal(xsdt->signature, "XSDT", 4);
	assert_int_equal(sum(xsdt, xsdt->length), 0);
	assert_int_equal(xsdt->length, sizeof(*xsdt) + sizeof(entries));
	memcpy(entries, xsdt + 1, sizeof(entries));

	madt = at(buf, entries[0]);
	assert_memory_equal(madt->h.signature, "APIC", 4);
	assert_int_equal(sum(madt, madt->h.length), 0);
	assert_int_equal(madt->h.length, sizeof(*madt) + 3 * sizeof(struct acpi_madt_lapic));
	for (unsigned i = 0; i < 3; i++) {
		const struct acpi_madt_lapic *l =
			(const void *)((const uint8_t *)(madt + 1) + i * sizeof(*l));

		assert_int_equal(l->type, 0);
		assert_int_equal(l->length, 8);
		assert_int_equal(l->apic_id, i);
		assert_int_equal(l->flags & 1, 1);
	}

	fadt = at(buf, entries[1]);
	assert_memory_equal(fadt->h.signature, "FACP", 4);
	assert_int_equal(fadt->h.length, 276);
	assert_int_equal(sum(fadt, fadt->h.length), 0);
	assert_true(fadt->flags & ACPI_FADT_HW_REDUCED);
	assert_true(fadt->iapc_boot_arch & ACPI_IAPC_NO_CMOS_RTC);
	dsdt = at(buf, fadt->x_dsdt);
	assert_int_equal(fadt->dsdt, fadt->x_dsdt);
	assert_memory_equal(dsdt->signature, "DSDT", 4);
	assert_int_equal(sum(dsdt, dsdt->length), 0);
	assert_true((const uint8_t *)dsdt + dsdt->length <= buf + n);

	/* Power off: \_S5 in the DSDT, and the registers to write it to. */
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 5, 0x0a, 5 };

	assert_int_equal(dsdt->length, sizeof(*dsdt) + sizeof(s5));
	assert_memory_equal(dsdt + 1, s5, sizeof(s5));
	assert_int_equal(fadt->sleep_control_reg.space_id, ACPI_GAS_SYSTEM_IO);
	assert_int_equal(fadt->sleep_control_reg.address, ACPI_SLEEP_CONTROL_PORT);
	assert_int_equal(fadt->sleep_status_reg.address, ACPI_SLEEP_STATUS_PORT);
	assert_true(fadt->flags & ACPI_FADT_RESET_REG_SUP);
	assert_int_equal(fadt->reset_reg.address, ACPI_RESET_PORT);
	assert_int_equal(fadt->reset_value, ACPI_RESET_VALUE);
}

static void acpi_refuses_small_buffers(void **state)
{
	static uint8_t buf[1 << 16];

	(void)state;
	assert_int_equal(hv_acpi_build(buf, 64, BASE, 1), 0);
	assert_int_equal(hv_acpi_build(buf, sizeof(buf), BASE, 256), 0);
}

static void start_info_matches_xen_layout(void **state)
{
	static uint8_t buf[4096];
	const struct hv_e820 map[2] = { { 0, 0xa0000, 1 }, { MIB, 63 * MIB, 1 } };
	struct hv_boot_layout l = { .cmdline = "console=hvc0 selftest",
				    .initrd_gpa = 32 * MIB, .initrd_size = 12345,
				    .rsdp_gpa = BASE, .memmap = map, .nr_memmap = 2 };
	const uint64_t base = 0x8000;
	size_t n = hv_start_info_build(buf, sizeof(buf), base, &l);
	const struct hvm_start_info *si = (const void *)buf;
	const struct hvm_modlist_entry *mod;
	const struct hvm_memmap_table_entry *e;

	(void)state;
	assert_true(n > sizeof(*si));
	assert_int_equal(si->magic, XEN_HVM_START_MAGIC_VALUE);
	assert_int_equal(si->version, 1);
	assert_int_equal(si->rsdp_paddr, BASE);
	assert_int_equal(si->nr_modules, 1);
	mod = (const void *)(buf + (si->modlist_paddr - base));
	assert_int_equal(mod->paddr, 32 * MIB);
	assert_int_equal(mod->size, 12345);
	assert_int_equal(si->memmap_entries, 2);
	e = (const void *)(buf + (si->memmap_paddr - base));
	assert_int_equal(e[1].addr, MIB);
	assert_int_equal(e[1].size, 63 * MIB);
	assert_int_equal(e[1].type, 1);
	assert_string_equal((const char *)buf + (si->cmdline_paddr - base), l.cmdline);
	assert_int_equal(si->cmdline_paddr - base + strlen(l.cmdline) + 1, n);
	assert_int_equal(si->memmap_paddr % 8, 0);
	assert_int_equal(si->modlist_paddr % 8, 0);
	/* Too small for the command line: refused, not truncated. */
	assert_int_equal(hv_start_info_build(buf, n - 1, base, &l), 0);
	l.initrd_size = 0;
	l.cmdline = NULL;
	n = hv_start_info_build(buf, sizeof(buf), base, &l);
	assert_int_equal(si->nr_modules, 0);
	assert_int_equal(si->cmdline_paddr, 0);
}

static void memmap_covers_ram(void **state)
{
	struct hv_gmem m;
	struct hv_e820 map[8];
	uint64_t ram = 0, prev_end = 0;
	unsigned n;

	(void)state;
	assert_int_equal(hv_gmem_init(&m, HV_LOWMEM_LIMIT + 64 * MIB), 0);
	n = hv_boot_memmap(&m, map, 8);
	assert_int_equal(n, 6);
	for (unsigned i = 0; i < n; i++) {
		assert_true(map[i].addr >= prev_end);
		prev_end = map[i].addr + map[i].size;
		if (map[i].type == HV_E820_RAM)
			ram += map[i].size;
		if (map[i].type == HV_E820_ACPI)
			assert_int_equal(map[i].addr, HV_ACPI_GPA);
	}
	assert_int_equal(ram, m.ram_size - (HV_ACPI_END - HV_LEGACY_HOLE_GPA));
	assert_int_equal(map[4].addr, HV_SPECIAL_GPA);
	assert_int_equal(map[4].type, HV_E820_RESERVED);
	assert_int_equal(prev_end, HV_HIGHMEM_START + 64 * MIB);
	assert_int_equal(hv_boot_memmap(&m, map, 2), 2);
	hv_gmem_destroy(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(acpi_tables_are_consistent),
		cmocka_unit_test(acpi_refuses_small_buffers),
		cmocka_unit_test(start_info_matches_xen_layout),
		cmocka_unit_test(memmap_covers_ram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
