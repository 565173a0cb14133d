/*
 * The guest-memory access layer.
 *
 * Every byte that tern-hv reads or writes in a domain's memory goes through
 * these functions: they translate a guest-physical address to the host
 * mapping, check that the whole range is backed, and are the one place where
 * writes by the hypervisor (on the guest's behalf) will be recorded for
 * log-dirty tracking.  Nothing else in tern-hv does pointer arithmetic on
 * guest memory.
 *
 * The hypervisor's own dirty log lives here (hv/logdirty.c adds KVM's log
 * for the vCPUs' writes and makes the union).  Each region has two bitmaps,
 * one bit per page:
 *   dirty    pages written with hv_gmem_write/fill while logging is on;
 *            hv_gmem_log_collect hands them over and clears them;
 *   wmapped  pages ever returned by hv_gmem_map(..., write = true), tracked
 *            whether logging is on or not.  Devices keep such pointers (ring
 *            pages, event-channel words, pvclock) and write through them at
 *            any time, so these pages count as dirty at every collect.  A
 *            page stays in the set for the life of the domain (see
 *            docs/logdirty.md for why, and its size).
 *
 * RAM lives in one memfd so that a dom0 process can map it: the first
 * HV_LOWMEM_LIMIT bytes at guest-physical 0, the rest from 4 GiB.  Frames
 * that the guest asks to have backed outside RAM (shared_info or grant
 * frames placed in holes) come from a second memfd, one page each.
 */
#ifndef HV_GMEM_H
#define HV_GMEM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HV_PAGE_SHIFT 12
#define HV_PAGE_SIZE (1ULL << HV_PAGE_SHIFT)
#define HV_LOWMEM_LIMIT 0xC0000000ULL
#define HV_HIGHMEM_START 0x100000000ULL
#define HV_GMEM_MAX_REGIONS 64

struct hv_gmem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
	bool ram; /* part of the domain's RAM, not a frame added in a hole */
	/* One bit per page of the region, 64 to a word (see above). */
	_Atomic uint64_t *dirty;
	_Atomic uint64_t *wmapped;
};

/*
 * Called for each region as it comes into existence, with its index, so that
 * the owner can register it with KVM (as a memslot).  Returns 0 or -errno.
 */
typedef int (*hv_gmem_region_fn)(void *opaque, unsigned index, const struct hv_gmem_region *r);

/*
 * Called to turn KVM's dirty log for region index on or off (on: also for
 * each region added while logging is on).  Returns 0 or -errno.
 */
typedef int (*hv_gmem_log_fn)(void *opaque, unsigned index, const struct hv_gmem_region *r,
			      bool on);

struct hv_gmem {
	int ram_fd;
	uint64_t ram_size;
	uint8_t *ram;
	int extra_fd;
	uint64_t extra_pages;
	pthread_mutex_t lock; /* serialises hv_gmem_add_frame and hv_gmem_set_logging */
	/* Regions are append-only: readers need no lock. */
	unsigned _Atomic nr_regions;
	struct hv_gmem_region regions[HV_GMEM_MAX_REGIONS];
	hv_gmem_region_fn region_fn;
	void *region_opaque;
	_Atomic bool logging;  /* writes are marked in the regions' dirty bitmaps */
	hv_gmem_log_fn log_fn; /* while logging; under lock */
	void *log_opaque;
};

/*
 * Creates the RAM memfd of ram_bytes (a multiple of the page size, > 0) and
 * maps it.  Returns 0 or -errno; on error nothing is left allocated.
 */
int hv_gmem_init(struct hv_gmem *m, uint64_t ram_bytes);

/* Unmaps and closes everything hv_gmem_init and hv_gmem_add_frame made. */
void hv_gmem_destroy(struct hv_gmem *m);

/*
 * Sets the callback for regions; it is called at once for every existing
 * region and later for each new one.  Returns the first error it returned.
 */
int hv_gmem_set_region_fn(struct hv_gmem *m, hv_gmem_region_fn fn, void *opaque);

/*
 * Copy len bytes from or to guest-physical gpa.  The whole range must be
 * backed (it may span regions): otherwise -EFAULT and nothing is copied.
 * While logging is on, a write marks the pages it touched, after copying.
 */
int hv_gmem_read(struct hv_gmem *m, uint64_t gpa, void *buf, size_t len);
int hv_gmem_write(struct hv_gmem *m, uint64_t gpa, const void *buf, size_t len);

/* Sets len bytes at gpa to c; same rules as hv_gmem_write. */
int hv_gmem_fill(struct hv_gmem *m, uint64_t gpa, int c, size_t len);

/*
 * Returns a host pointer to [gpa, gpa + len) when that range lies within one
 * region, else NULL.  For atomic operations on guest memory only; the caller
 * may touch no byte outside the range.  write says the caller will modify it:
 * its pages join the write-mapped set, reported dirty at every collect from
 * then on.  The pointer stays valid until hv_gmem_destroy.
 */
void *hv_gmem_map(struct hv_gmem *m, uint64_t gpa, size_t len, bool write);

/* True if the page containing gpa is backed (RAM or an added frame). */
bool hv_gmem_is_backed(struct hv_gmem *m, uint64_t gpa);

/* True if the page containing gpa is RAM. */
bool hv_gmem_is_ram(struct hv_gmem *m, uint64_t gpa);

/* One past the highest guest-physical RAM address. */
uint64_t hv_gmem_ram_end(const struct hv_gmem *m);

/* Frames where the in-kernel IOAPIC and LAPIC live: never backed by memory. */
bool hv_gmem_frame_reserved(uint64_t gfn);

/*
 * Backs the page frame gfn with a new zeroed page if it is not backed yet
 * (a reserved frame, see hv_gmem_frame_reserved, gives -EINVAL).
 * Returns 0 (also when already backed) or -errno (-EINVAL for a frame beyond
 * the guest-physical address width, -ENOSPC when out of regions).
 */
int hv_gmem_add_frame(struct hv_gmem *m, uint64_t gfn);

/* One past the highest backed guest frame number (RAM or added frame). */
uint64_t hv_gmem_nr_gfns(struct hv_gmem *m);

/*
 * Turns the hypervisor's dirty log on or off and calls fn for every region
 * (later, while on, also for each new region, whose pages then count as
 * dirty).  Turning it on clears the dirty bitmaps first; if fn fails for a
 * region, the regions done are turned off again and logging stays off.
 * Returns 0 or the first error (turning off goes on past errors).
 * Serialised with hv_gmem_add_frame.  When it returns with logging on,
 * every hypervisor write either is visible to whoever reads guest memory
 * next or will be marked.
 */
int hv_gmem_set_logging(struct hv_gmem *m, bool on, hv_gmem_log_fn fn, void *opaque);

/*
 * ORs into bits (region index's pages, bit i = page i) the pages the
 * hypervisor wrote since the last collect, clearing them, and the
 * write-mapped pages.  A write that races with the collect is either
 * reported now (and visible to a read of the page after this returns) or
 * left for the next collect.
 */
void hv_gmem_log_collect(struct hv_gmem *m, unsigned index, uint64_t *bits);

#endif
