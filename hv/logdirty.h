/*
 * Log-dirty tracking: which guest pages changed since the last look, for
 * pre-copy migration and incremental checkpoints.
 *
 * A page has two possible writers.  The vCPUs' writes are logged by KVM
 * (KVM_MEM_LOG_DIRTY_PAGES on every memslot, with manual protection:
 * KVM_GET_DIRTY_LOG then KVM_CLEAR_DIRTY_LOG re-protects only what it
 * reported).  tern-hv's own writes on the guest's behalf are logged by the
 * guest-memory access layer (hv/gmem.h): hv_gmem_write/fill mark pages, and
 * pages mapped for writing count as dirty at every harvest.  A harvest hands
 * over the union of both and resets both.
 *
 * The bitmap a harvest fills is indexed by guest frame number from 0 to the
 * highest backed frame: RAM below 4 GiB, RAM above 4 GiB and the frames
 * added in holes (shared_info, grant frames, the console and xenstore
 * pages).  Bit g is bit g % 64 of 64-bit word g / 64.  The bitmap belongs to
 * the caller.  docs/logdirty.md says why the dirty log and not the dirty
 * ring, with the figures.
 *
 * Any thread but a vCPU's may call these, while the domain runs or while it
 * is paused; they serialise among themselves.
 */
#ifndef HV_LOGDIRTY_H
#define HV_LOGDIRTY_H

#include <stddef.h>
#include <stdint.h>

struct hv_domain;

/* Bytes of a harvest bitmap for nr_gfns frames (whole 64-bit words). */
#define HV_LOGDIRTY_BITMAP_BYTES(nr_gfns) ((size_t)(((nr_gfns) + 63) / 64 * 8))

/*
 * Starts logging: every memslot (and every one added while logging is on)
 * gets KVM's dirty log, and hypervisor writes are marked.  The first
 * harvest reports what was written after this returns (write-mapped pages
 * and frames added since count as written); whoever copies the domain
 * reads all of its memory after this returns.  Returns 0, -EALREADY, or
 * -errno with logging left off.
 */
int hv_logdirty_enable(struct hv_domain *d);

/* Stops logging (nothing if it is off).  Failures are logged. */
void hv_logdirty_disable(struct hv_domain *d);

/*
 * One past the highest frame a harvest may report now: the size of the
 * bitmap to pass.  It grows when the guest backs a frame in a hole above
 * the others.
 */
uint64_t hv_logdirty_nr_gfns(struct hv_domain *d);

/*
 * Fills bitmap (nr_gfns bits, HV_LOGDIRTY_BITMAP_BYTES(nr_gfns) bytes) with
 * the pages written since logging started or since the last harvest, and
 * resets the log.  A page written while the harvest runs is reported by
 * this harvest (and the write is visible to reads of guest memory after it
 * returns) or by the next one.  *nr_dirty (if not NULL) gets the number of
 * pages reported.  Returns 0; -EINVAL if logging is off; -ENOBUFS if
 * nr_gfns is below hv_logdirty_nr_gfns (nothing reset: ask again); or
 * -errno from KVM, after which the log has lost pages: the caller must
 * treat all memory as dirty (or give up the migration).
 */
int hv_logdirty_harvest(struct hv_domain *d, uint64_t *bitmap, uint64_t nr_gfns,
			uint64_t *nr_dirty);

#endif
