/*
 * The identity map: 2 MiB pages, all user-accessible (ring-3 jobs share the
 * kernel's address space), covering the RAM in the memory map, the kernel,
 * start_info, and whatever the kernel maps on demand (ACPI tables, frames
 * added in holes).  Anything else stays unmapped, so that wild pointers
 * handed to the hypervisor are really wild.
 */
#ifndef MINI_PAGING_H
#define MINI_PAGING_H

#include <stdbool.h>
#include <stdint.h>

struct kernel;

/*
 * Builds the tables for k's RAM, the kernel and start_info, and switches
 * to them.  Returns false (with a message) if they do not fit.
 */
bool paging_init(const struct kernel *k);

/*
 * Maps the 2 MiB pages covering [addr, addr + size).  Returns false if that
 * needs more table pages than the kernel has or lies above 512 GiB.  Only
 * call it before the other vCPUs start.
 */
bool paging_map(uint64_t addr, uint64_t size);

/* Returns the first unmapped 2 MiB page at or above the mapped addr. */
uint64_t paging_mapped_end(uint64_t addr);

/* The physical address of the top-level table, for CR3. */
uint64_t paging_root(void);

#endif
