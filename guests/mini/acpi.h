/*
 * Reading the ACPI tables the domain builder provides: RSDP, XSDT (or the
 * RSDT of an ACPI 1.0 RSDP, as QEMU's), MADT, FADT and DSDT.  The layouts
 * are ACPI's.
 */
#ifndef MINI_ACPI_H
#define MINI_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The table layouts are the ones tern-hv writes them with. */
#include "../../hv/acpi.h"

#define ACPI_RSDP_V1_LENGTH 20

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
