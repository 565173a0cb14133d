/*
 * Identity page tables: one PML4 entry, one PDPT (512 GiB of reach), and
 * page directories of 2 MiB pages taken from a fixed pool.
 */
#include "console.h"
#include "kernel.h"
#include "layout.h"
#include "lib.h"
#include "paging.h"
#include "x86.h"

#define PTE_P  0x1ULL
#define PTE_RW 0x2ULL
#define PTE_US 0x4ULL
#define PTE_PS 0x80ULL
#define PTE_FLAGS (PTE_P | PTE_RW | PTE_US)
#define PTE_ADDR 0x000ffffffffff000ULL
#define PT_ENTRIES 512
#define PD_REACH (1ULL << 30)
#define POOL_PAGES (2 + 64) /* PML4, PDPT and directories for 64 GiB */

typedef uint64_t table_t[PT_ENTRIES];

/* Written only by the BSP, before the other vCPUs start. */
static table_t pool[POOL_PAGES] __attribute__((aligned(PAGE_SIZE)));
static unsigned pool_used;

static uint64_t *table_alloc(void)
{
	uint64_t *t;

	if (pool_used == POOL_PAGES)
		return NULL;
	t = pool[pool_used++];
	memset(t, 0, sizeof(table_t));
	return t;
}

static uint64_t *pml4(void)
{
	return pool[0];
}

static uint64_t *pdpt(void)
{
	return pool[1];
}

static uint64_t *directory(uint64_t addr, bool create)
{
	uint64_t *e = &pdpt()[addr / PD_REACH];
	uint64_t *pd;

	if (*e & PTE_P)
		return (uint64_t *)(uintptr_t)(*e & PTE_ADDR);
	if (!create || !(pd = table_alloc()))
		return NULL;
	*e = (uintptr_t)pd | PTE_FLAGS;
	return pd;
}

bool paging_map(uint64_t addr, uint64_t size)
{
	uint64_t end = ALIGN_UP(addr + size, LARGE_PAGE_SIZE);

	if (end > PT_ENTRIES * PD_REACH || end < addr)
		return false;
	for (uint64_t a = ALIGN_DOWN(addr, LARGE_PAGE_SIZE); a < end; a += LARGE_PAGE_SIZE) {
		uint64_t *pd = directory(a, true);

		if (!pd)
			return false;
		pd[(a / LARGE_PAGE_SIZE) % PT_ENTRIES] = a | PTE_FLAGS | PTE_PS;
	}
	return true;
}

static bool is_mapped(uint64_t addr)
{
	uint64_t *pd;

	if (addr >= PT_ENTRIES * PD_REACH || !(pd = directory(addr, false)))
		return false;
	return pd[(addr / LARGE_PAGE_SIZE) % PT_ENTRIES] & PTE_P;
}

uint64_t paging_mapped_end(uint64_t addr)
{
	uint64_t a = ALIGN_DOWN(addr, LARGE_PAGE_SIZE);

	while (is_mapped(a))
		a += LARGE_PAGE_SIZE;
	return a;
}

uint64_t paging_root(void)
{
	return (uintptr_t)pml4();
}

bool paging_init(const struct kernel *k)
{
	const struct hvm_start_info *si = k->si;
	bool ok;

	table_alloc();
	table_alloc();
	pml4()[0] = (uintptr_t)pdpt() | PTE_FLAGS;
	ok = paging_map((uintptr_t)_kernel_start, (uintptr_t)(_kernel_end - _kernel_start)) &&
	     paging_map((uintptr_t)si, sizeof(*si)) &&
	     paging_map((uintptr_t)k->cmdline, strlen(k->cmdline) + 1) &&
	     paging_map(si->memmap_paddr, k->nr_memmap * sizeof(*k->memmap));
	for (unsigned i = 0; ok && i < k->nr_memmap; i++)
		if (k->memmap[i].type == XEN_HVM_MEMMAP_TYPE_RAM)
			ok = paging_map(k->memmap[i].addr, k->memmap[i].size);
	if (!ok) {
		kprintf("mini: RAM needs more than %u page-table pages\n", POOL_PAGES);
		return false;
	}
	write_cr3(paging_root());
	return true;
}
