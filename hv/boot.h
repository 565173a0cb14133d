/*
 * Building a domain's boot state: the memory map, the kernel and initrd in
 * RAM, ACPI tables, hvm_start_info, and the boot vCPU's PVH entry state.
 *
 * Guest-physical layout below 1 MiB:
 *   0x8000 - 0x20000   hvm_start_info, module list, memory map, command line
 *   0xa0000 - 0xe0000  reserved (legacy video hole)
 *   0xe0000 - 0x100000 ACPI tables (RSDP first), e820 type ACPI
 * and below 4 GiB, as Xen places them, the special pages (reserved):
 *   0xfeffc000         PV console ring (HVM_PARAM_CONSOLE_PFN)
 *   0xfeffd000         xenstore ring (HVM_PARAM_STORE_PFN)
 */
#ifndef HV_BOOT_H
#define HV_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "domain.h"

#define HV_BOOT_INFO_GPA 0x8000ULL
#define HV_BOOT_INFO_END 0x20000ULL
#define HV_LEGACY_HOLE_GPA 0xa0000ULL
#define HV_ACPI_GPA 0xe0000ULL
#define HV_ACPI_END 0x100000ULL
#define HV_SPECIAL_GPA 0xfeffc000ULL
#define HV_SPECIAL_END 0xff000000ULL
#define HV_CONSOLE_GFN 0xfeffcULL
#define HV_XENSTORE_GFN 0xfeffdULL

/* What goes into hvm_start_info. */
struct hv_boot_layout {
	const char *cmdline;     /* may be NULL */
	uint64_t initrd_gpa;
	uint64_t initrd_size;    /* 0: no module */
	uint64_t rsdp_gpa;
	const struct hv_e820 *memmap;
	unsigned nr_memmap;
};

/*
 * Writes the memory map of m into out (at most max entries): RAM with the
 * legacy hole and ACPI area carved out.  Returns the number of entries.
 */
unsigned hv_boot_memmap(struct hv_gmem *m, struct hv_e820 *out, unsigned max);

/*
 * Writes hvm_start_info (version 1) and what it points to into buf (size
 * bytes), seen by the guest at base.  Returns the bytes used, or 0 if they
 * do not fit.
 */
size_t hv_start_info_build(uint8_t *buf, size_t size, uint64_t base,
			   const struct hv_boot_layout *l);

/*
 * Loads d's kernel and ramdisk, writes the boot tables and sets the boot
 * vCPU's entry state.  Returns 0 or -errno with the reason logged.
 */
int hv_boot_setup(struct hv_domain *d);

#endif
