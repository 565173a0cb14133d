/*
 * selftest: memory_op.  The memory map as Xen reports it, the reservation
 * counts, and moving shared_info into RAM and then into a hole, where it
 * stays for the rest of the run.
 */
/* XENMEM_memory_map fills entries in the BIOS E820 format. */
#include "../../hv/e820.h"
#include "xen_abi.h"

#include "hcall.h"
#include "kernel.h"
#include "lib.h"
#include "paging.h"
#include "selftest.h"
#include "shinfo.h"

#define HOLE_GFN 0xfeff0ULL
#define FRAMES_PER_LARGE_PAGE (LARGE_PAGE_SIZE / PAGE_SIZE)
#define MAX_E820 32
#define PROBE_VALUE 0x7465726e2d6d696eULL

_Static_assert(sizeof(struct shared_info) <= PAGE_SIZE - sizeof(uint64_t),
	       "the probe word lies past struct shared_info");

/* The RAM frame shared_info is first put at; Xen unpopulates it when it moves on. */
static uint8_t shared_info_ram[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static void check_memory_map(struct selftest *t)
{
	const struct kernel *k = t->k;
	struct hv_e820 map[MAX_E820];
	struct xen_memory_map mm = { .nr_entries = MAX_E820 };
	long rc;
	bool same;

	set_xen_guest_handle(mm.buffer, map);
	rc = hc_memory_op(XENMEM_memory_map, &mm);
	same = rc == 0 && mm.nr_entries >= 1 && mm.nr_entries == k->nr_memmap;
	for (unsigned i = 0; same && i < mm.nr_entries; i++)
		same = map[i].addr == k->memmap[i].addr && map[i].size == k->memmap[i].size &&
		       map[i].type == k->memmap[i].type;
	st_checkf(t, same, "memory_op.memory_map", "rc %ld, %u entries, start_info has %u", rc,
		  mm.nr_entries, k->nr_memmap);
}

static uint64_t highest_ram_frame(const struct kernel *k)
{
	uint64_t top = 0;

	for (unsigned i = 0; i < k->nr_memmap; i++)
		if (k->memmap[i].type == XEN_HVM_MEMMAP_TYPE_RAM)
			top = MAX(top, (k->memmap[i].addr + k->memmap[i].size) / PAGE_SIZE - 1);
	return top;
}

static void check_reservations(struct selftest *t)
{
	domid_t self = DOMID_SELF;
	long ram_pages = (long)(t->k->ram_bytes / PAGE_SIZE);
	long top = (long)highest_ram_frame(t->k);
	long cur = hc_memory_op(XENMEM_current_reservation, &self);
	long max = hc_memory_op(XENMEM_maximum_reservation, &self);
	long gpfn = hc_memory_op(XENMEM_maximum_gpfn, &self);

	st_checkf(t, cur >= ram_pages / 2, "memory_op.current_reservation",
		  "%ld pages, the memmap has %ld", cur, ram_pages);
	st_checkf(t, max >= ram_pages / 2 && max >= cur, "memory_op.maximum_reservation",
		  "%ld pages, current %ld, the memmap has %ld", max, cur, ram_pages);
	st_checkf(t, gpfn >= top, "memory_op.maximum_gpfn", "0x%lx, highest RAM frame 0x%lx",
		  gpfn, top);
}

/* A frame in a memmap hole below 4 GiB: 0xfeff0, or the next 2 MiB down that is free. */
static uint64_t hole_frame(const struct kernel *k)
{
	for (uint64_t gfn = HOLE_GFN; gfn > FRAMES_PER_LARGE_PAGE; gfn -= FRAMES_PER_LARGE_PAGE)
		if (memmap_is_hole(k, gfn * PAGE_SIZE, PAGE_SIZE))
			return gfn;
	return 0;
}

uint64_t st_hole_frame(const struct kernel *k, unsigned nth)
{
	uint64_t gfn = hole_frame(k);

	if (!gfn || !memmap_is_hole(k, (gfn + nth) * PAGE_SIZE, PAGE_SIZE) ||
	    !paging_map((gfn + nth) * PAGE_SIZE, PAGE_SIZE))
		return 0;
	return gfn + nth;
}

static void check_add_to_physmap(struct selftest *t)
{
	volatile struct shared_info *s = (volatile void *)shared_info_ram;
	uint64_t gfn = st_hole_frame(t->k, 0);
	volatile uint64_t *probe;
	uint8_t pending;
	long rc;

	memset(shared_info_ram, 0xa5, sizeof(shared_info_ram));
	rc = shinfo_map((uintptr_t)shared_info_ram / PAGE_SIZE);
	pending = s->vcpu_info[0].evtchn_upcall_pending;
	st_checkf(t, rc == 0 && pending == 0, "memory_op.add_to_physmap.ram",
		  "rc %ld, vcpu_info[0].evtchn_upcall_pending 0x%x", rc, pending);
	if (!gfn) {
		st_checkf(t, false, "memory_op.add_to_physmap.hole", "no hole below 4 GiB");
		return;
	}
	rc = shinfo_map(gfn);
	probe = (volatile uint64_t *)(uintptr_t)(gfn * PAGE_SIZE + PAGE_SIZE - sizeof(*probe));
	if (rc == 0)
		*probe = PROBE_VALUE;
	st_checkf(t, rc == 0 && *probe == PROBE_VALUE, "memory_op.add_to_physmap.hole",
		  "rc %ld at gfn 0x%lx", rc, gfn);
}

void st_memory_op(struct selftest *t)
{
	check_memory_map(t);
	check_reservations(t);
	check_add_to_physmap(t);
}
