/*
 * Reading the ACPI tables the domain builder provides: RSDP, XSDT (or the
 * RSDT of an ACPI 1.0 RSDP, as QEMU's), MADT, FADT and DSDT.  The layouts
 * are ACPI's; only the fields mini reads are named.
 */
#ifndef MINI_ACPI_H
#define MINI_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum; /* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision; /* 0: ACPI 1.0, RSDT only; 2: XSDT and length */
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum; /* over length bytes */
	uint8_t reserved[3];
} __attribute__((packed));

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

#define ACPI_RSDP_V1_LENGTH 20
#define ACPI_FADT_HW_REDUCED (1u << 20)

/* The root table of one set of tables. */
struct acpi {
	const struct acpi_rsdp *rsdp;
	const struct acpi_header *root; /* XSDT, or RSDT for revision 0 */
	bool xsdt;
};

/* True if the len bytes at p sum to 0 (mod 256). */
bool acpi_checksum_ok(const void *p, size_t len);

/*
 * Maps the table at paddr (its header, then its whole length) and returns
 * it, or NULL if it cannot be mapped or claims to be huge.
 */
const struct acpi_header *acpi_map_table(uint64_t paddr);

/*
 * Checks the RSDP at paddr (signature and checksums) and maps its root
 * table into a.  Returns NULL on success, else what is wrong.
 */
const char *acpi_open(struct acpi *a, uint64_t paddr);

/* Returns the first table with signature sig in a's root table, or NULL. */
const struct acpi_header *acpi_find(const struct acpi *a, const char sig[4]);

/* Counts the enabled local APIC and x2APIC entries of a MADT. */
unsigned acpi_count_cpus(const struct acpi_header *madt);

/* The FADT's flags, or 0 if the table is too short to have them. */
uint32_t acpi_fadt_flags(const struct acpi_header *fadt);

/* The FADT's X_DSDT, or 0 if the table is too short to have it. */
uint64_t acpi_fadt_x_dsdt(const struct acpi_header *fadt);

/* The FADT's 32-bit DSDT field. */
uint32_t acpi_fadt_dsdt(const struct acpi_header *fadt);

#endif
