/*
 * start_info and the memory map.
 */
#include "console.h"
#include "kernel.h"
#include "layout.h"
#include "lib.h"

#define KEEP_OUT_MAX 4

bool bootinfo_init(struct kernel *k, uint32_t si_paddr)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)si_paddr;

	k->si = si;
	if (!si || si->magic != XEN_HVM_START_MAGIC_VALUE) {
		kprintf("mini: no PVH start_info at 0x%x\n", si_paddr);
		return false;
	}
	k->cmdline = si->cmdline_paddr ? (const char *)(uintptr_t)si->cmdline_paddr : "";
	if (si->version < 1 || !si->memmap_entries || !si->memmap_paddr) {
		kprintf("mini: start_info (version %u) has no memory map\n", si->version);
		return false;
	}
	k->memmap = (const void *)(uintptr_t)si->memmap_paddr;
	k->nr_memmap = si->memmap_entries;
	for (unsigned i = 0; i < k->nr_memmap; i++)
		if (k->memmap[i].type == XEN_HVM_MEMMAP_TYPE_RAM)
			k->ram_bytes += k->memmap[i].size;
	return true;
}

static bool overlaps(uint64_t a, uint64_t asize, uint64_t b, uint64_t bsize)
{
	return a < b + bsize && b < a + asize;
}

const struct hvm_memmap_table_entry *memmap_find(const struct kernel *k, uint64_t addr,
						 uint64_t size)
{
	for (unsigned i = 0; i < k->nr_memmap; i++) {
		const struct hvm_memmap_table_entry *e = &k->memmap[i];

		if (addr >= e->addr && addr + size <= e->addr + e->size)
			return e;
	}
	return NULL;
}

bool memmap_is_hole(const struct kernel *k, uint64_t addr, uint64_t size)
{
	for (unsigned i = 0; i < k->nr_memmap; i++)
		if (overlaps(addr, size, k->memmap[i].addr, k->memmap[i].size))
			return false;
	return true;
}

/* What free RAM must not include: the kernel, start_info and its tables. */
static void keep_out(const struct kernel *k, struct extent x[KEEP_OUT_MAX])
{
	uint64_t start = (uintptr_t)_kernel_start;

	x[0] = (struct extent){ start, (uintptr_t)_kernel_end - start };
	x[1] = (struct extent){ (uintptr_t)k->si, sizeof(*k->si) };
	x[2] = (struct extent){ (uintptr_t)k->cmdline, strlen(k->cmdline) + 1 };
	x[3] = (struct extent){ (uintptr_t)k->memmap, k->nr_memmap * sizeof(*k->memmap) };
}

static bool block_is_free(const struct extent out[KEEP_OUT_MAX], uint64_t block)
{
	for (unsigned i = 0; i < KEEP_OUT_MAX; i++)
		if (overlaps(block, LARGE_PAGE_SIZE, out[i].base, out[i].size))
			return false;
	return true;
}

/* Appends one free 2 MiB block to x[0..*n), merging with the last extent. */
static bool add_block(struct extent *x, unsigned *n, unsigned max, uint64_t block)
{
	if (*n && x[*n - 1].base + x[*n - 1].size == block) {
		x[*n - 1].size += LARGE_PAGE_SIZE;
		return true;
	}
	if (*n == max)
		return false;
	x[(*n)++] = (struct extent){ block, LARGE_PAGE_SIZE };
	return true;
}

unsigned ram_find_free(const struct kernel *k, uint64_t bytes, struct extent *x, unsigned max)
{
	struct extent out[KEEP_OUT_MAX];
	unsigned n = 0;
	uint64_t floor = ALIGN_UP((uintptr_t)_kernel_end, LARGE_PAGE_SIZE), found = 0;

	keep_out(k, out);

	for (unsigned i = 0; i < k->nr_memmap && found < bytes; i++) {
		const struct hvm_memmap_table_entry *e = &k->memmap[i];
		uint64_t end = ALIGN_DOWN(e->addr + e->size, LARGE_PAGE_SIZE);

		if (e->type != XEN_HVM_MEMMAP_TYPE_RAM)
			continue;
		for (uint64_t b = MAX(floor, ALIGN_UP(e->addr, LARGE_PAGE_SIZE));
		     b < end && found < bytes; b += LARGE_PAGE_SIZE) {
			if (!block_is_free(out, b))
				continue;
			if (!add_block(x, &n, max, b))
				return 0;
			found += LARGE_PAGE_SIZE;
		}
	}
	return found < bytes ? 0 : n;
}
