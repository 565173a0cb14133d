/*
 * The kernel's view of its domain, built at boot and handed to every mode
 * as its first argument.
 */
#ifndef MINI_KERNEL_H
#define MINI_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "xen_abi.h"

#include "cpu.h"

/* Bounds of the loaded image, from the linker script. */
extern char _kernel_start[], _kernel_end[];

struct kernel {
	const struct hvm_start_info *si;
	const struct hvm_memmap_table_entry *memmap;
	unsigned nr_memmap;
	const char *cmdline;  /* "" when start_info has none */
	uint64_t ram_bytes;   /* total of the memmap's RAM entries */
	unsigned ncpu;        /* enabled local APICs in the MADT, at least 1 */
	uint64_t tsc_hz;      /* 0 until tsc_hz() has run */
	struct cpu *bsp;
};

/* A stretch of physical memory. */
struct extent {
	uint64_t base;
	uint64_t size;
};

/*
 * Reads start_info at physical address si_paddr into k.  Returns false
 * (with a message on the console) if it is unusable: bad magic, or no
 * memory map.
 */
bool bootinfo_init(struct kernel *k, uint32_t si_paddr);

/* Returns the memmap entry containing [addr, addr + size), or NULL. */
const struct hvm_memmap_table_entry *memmap_find(const struct kernel *k, uint64_t addr,
						 uint64_t size);

/* True if no memmap entry overlaps [addr, addr + size). */
bool memmap_is_hole(const struct kernel *k, uint64_t addr, uint64_t size);

/*
 * Finds bytes (a multiple of 2 MiB) of RAM above the kernel that holds
 * neither the kernel nor start_info and its tables, as at most max extents
 * in ascending order.  Returns the number of extents, 0 if there is not
 * enough.
 */
unsigned ram_find_free(const struct kernel *k, uint64_t bytes, struct extent *x, unsigned max);

#endif
