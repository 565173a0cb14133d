/*
 * An E820 memory-map entry as XENMEM_memory_map writes them (the BIOS
 * format: packed, 20 bytes).  Xen's public headers do not define it; the
 * guest and tern-hv share this one.
 */
#ifndef HV_E820_H
#define HV_E820_H

#include <stdint.h>

#define HV_E820_RAM 1
#define HV_E820_RESERVED 2
#define HV_E820_ACPI 3

struct hv_e820 {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct hv_e820) == 20, "e820 entry is 20 bytes");

#endif
