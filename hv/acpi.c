#include "acpi.h"

#include <string.h>

#define ALIGN 16

uint8_t hv_acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return (uint8_t)-sum;
}

static void header(struct acpi_header *h, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, "TERN  ", 6);
	memcpy(h->oem_table_id, "TERNHV  ", 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, "TERN", 4);
	h->creator_revision = 1;
}

static void seal(struct acpi_header *h)
{
	h->checksum = 0;
	h->checksum = hv_acpi_checksum(h, h->length);
}

static size_t align(size_t n)
{
	return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

static void madt(uint8_t *p, unsigned nr_vcpus)
{
	struct acpi_madt *m = (struct acpi_madt *)p;
	struct acpi_madt_lapic *l = (struct acpi_madt_lapic *)(m + 1);

	for (unsigned i = 0; i < nr_vcpus; i++)
		l[i] = (struct acpi_madt_lapic){ .type = 0, .length = sizeof(*l),
						 .processor_uid = (uint8_t)i,
						 .apic_id = (uint8_t)i, .flags = 1 };
	header(&m->h, "APIC", (uint32_t)(sizeof(*m) + nr_vcpus * sizeof(*l)), 4);
	m->lapic_address = ACPI_LAPIC_ADDRESS;
	seal(&m->h);
}

/*
 * The DSDT's AML: Name (_S5, Package (2) { 5, 5 }), the sleep type the
 * guest writes to the sleep control register to power off.
 */
static const uint8_t dsdt_aml[] = {
	0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, ACPI_S5_TYPE, 0x0a, ACPI_S5_TYPE,
};

static struct acpi_gas io_byte(uint16_t port)
{
	return (struct acpi_gas){ .space_id = ACPI_GAS_SYSTEM_IO, .bit_width = 8,
				  .access_size = ACPI_GAS_ACCESS_BYTE, .address = port };
}

static void fadt(uint8_t *p, uint64_t dsdt)
{
	struct acpi_fadt *f = (struct acpi_fadt *)p;

	header(&f->h, "FACP", sizeof(*f), 6);
	f->minor_version = 3;
	f->flags = ACPI_FADT_HW_REDUCED | ACPI_FADT_RESET_REG_SUP;
	f->reset_reg = io_byte(ACPI_RESET_PORT);
	f->reset_value = ACPI_RESET_VALUE;
	f->sleep_control_reg = io_byte(ACPI_SLEEP_CONTROL_PORT);
	f->sleep_status_reg = io_byte(ACPI_SLEEP_STATUS_PORT);
	f->iapc_boot_arch = ACPI_IAPC_NO_VGA | ACPI_IAPC_NO_CMOS_RTC;
	f->dsdt = (uint32_t)dsdt;
	f->x_dsdt = dsdt;
	memcpy(&f->hypervisor_vendor_id, "TernHV\0\0", 8);
	seal(&f->h);
}

size_t hv_acpi_build(uint8_t *buf, size_t size, uint64_t base, unsigned nr_vcpus)
{
	size_t xsdt_off = align(sizeof(struct acpi_rsdp));
	size_t madt_off = align(xsdt_off + sizeof(struct acpi_header) + 2 * sizeof(uint64_t));
	size_t fadt_off = align(madt_off + sizeof(struct acpi_madt) +
				nr_vcpus * sizeof(struct acpi_madt_lapic));
	size_t dsdt_off = align(fadt_off + sizeof(struct acpi_fadt));
	size_t dsdt_len = sizeof(struct acpi_header) + sizeof(dsdt_aml);
	size_t end = dsdt_off + dsdt_len;
	struct acpi_rsdp *rsdp = (struct acpi_rsdp *)buf;
	struct acpi_header *xsdt = (struct acpi_header *)(buf + xsdt_off);
	uint64_t entries[2] = { base + madt_off, base + fadt_off };

	if (end > size || nr_vcpus > 255)
		return 0;
	memset(buf, 0, end);
	madt(buf + madt_off, nr_vcpus);
	fadt(buf + fadt_off, base + dsdt_off);
	header((struct acpi_header *)(buf + dsdt_off), "DSDT", (uint32_t)dsdt_len, 2);
	memcpy(buf + dsdt_off + sizeof(struct acpi_header), dsdt_aml, sizeof(dsdt_aml));
	seal((struct acpi_header *)(buf + dsdt_off));
	header(xsdt, "XSDT", sizeof(*xsdt) + sizeof(entries), 1);
	memcpy(xsdt + 1, entries, sizeof(entries));
	seal(xsdt);

	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, "TERN  ", 6);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = base + xsdt_off;
	rsdp->checksum = hv_acpi_checksum(rsdp, 20);
	rsdp->ext_checksum = hv_acpi_checksum(rsdp, sizeof(*rsdp));
	return end;
}
