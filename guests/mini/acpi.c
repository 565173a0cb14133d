/*
 * ACPI table walking.  Tables may live outside the memory map, so each one
 * is mapped before it is read.
 */
#include "acpi.h"
#include "lib.h"
#include "paging.h"

#define MAX_TABLE_LENGTH (1u << 20)
#define MADT_ENTRIES_OFFSET 44 /* header, local APIC address, flags */
#define MADT_LOCAL_APIC 0
#define MADT_LOCAL_X2APIC 9
#define MADT_ENABLED 0x1
#define FADT_DSDT_OFFSET 40
#define FADT_FLAGS_OFFSET 112
#define FADT_X_DSDT_OFFSET 140

bool acpi_checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum == 0;
}

const struct acpi_header *acpi_map_table(uint64_t paddr)
{
	const struct acpi_header *h = (const void *)(uintptr_t)paddr;

	if (!paddr || !paging_map(paddr, sizeof(*h)))
		return NULL;
	if (h->length < sizeof(*h) || h->length > MAX_TABLE_LENGTH ||
	    !paging_map(paddr, h->length))
		return NULL;
	return h;
}

const char *acpi_open(struct acpi *a, uint64_t paddr)
{
	const struct acpi_rsdp *r = (const void *)(uintptr_t)paddr;

	if (!paddr || !paging_map(paddr, sizeof(*r)))
		return "no RSDP address";
	if (memcmp(r->signature, "RSD PTR ", sizeof(r->signature)))
		return "bad RSDP signature";
	if (!acpi_checksum_ok(r, ACPI_RSDP_V1_LENGTH))
		return "bad RSDP checksum";
	a->rsdp = r;
	a->xsdt = r->revision >= 2;
	if (a->xsdt && (r->length < sizeof(*r) || r->length > MAX_TABLE_LENGTH ||
			!paging_map(paddr, r->length) || !acpi_checksum_ok(r, r->length)))
		return "bad RSDP extended checksum";
	a->root = acpi_map_table(a->xsdt ? r->xsdt_address : r->rsdt_address);
	if (!a->root)
		return a->xsdt ? "XSDT unreadable" : "RSDT unreadable";
	return NULL;
}

const struct acpi_header *acpi_find(const struct acpi *a, const char sig[4])
{
	size_t width = a->xsdt ? 8 : 4;
	size_t n = (a->root->length - sizeof(*a->root)) / width;
	const uint8_t *entries = (const uint8_t *)(a->root + 1);

	for (size_t i = 0; i < n; i++) {
		uint64_t paddr = 0;
		const struct acpi_header *t;

		memcpy(&paddr, entries + i * width, width);
		t = acpi_map_table(paddr);
		if (t && !memcmp(t->signature, sig, 4))
			return t;
	}
	return NULL;
}

unsigned acpi_count_cpus(const struct acpi_header *madt)
{
	const uint8_t *p = (const uint8_t *)madt + MADT_ENTRIES_OFFSET;
	const uint8_t *end = (const uint8_t *)madt + madt->length;
	unsigned n = 0;

	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		uint32_t flags = 0;

		if (p[0] == MADT_LOCAL_APIC && p[1] >= 8)
			memcpy(&flags, p + 4, 4);
		else if (p[0] == MADT_LOCAL_X2APIC && p[1] >= 16)
			memcpy(&flags, p + 8, 4);
		n += flags & MADT_ENABLED;
		p += p[1];
	}
	return n;
}

static uint64_t fadt_field(const struct acpi_header *fadt, size_t offset, size_t size)
{
	uint64_t v = 0;

	if (fadt->length >= offset + size)
		memcpy(&v, (const uint8_t *)fadt + offset, size);
	return v;
}

uint32_t acpi_fadt_flags(const struct acpi_header *fadt)
{
	return (uint32_t)fadt_field(fadt, FADT_FLAGS_OFFSET, 4);
}

uint64_t acpi_fadt_x_dsdt(const struct acpi_header *fadt)
{
	return fadt_field(fadt, FADT_X_DSDT_OFFSET, 8);
}

uint32_t acpi_fadt_dsdt(const struct acpi_header *fadt)
{
	return (uint32_t)fadt_field(fadt, FADT_DSDT_OFFSET, 4);
}
