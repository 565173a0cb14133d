/*
 * Log-dirty tracking: KVM's dirty log for the vCPUs' writes, joined with the
 * guest-memory access layer's own log of tern-hv's writes (hv/gmem.c).
 */
#include "logdirty.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "domain.h"
#include "log.h"

/* Pages per KVM_CLEAR_DIRTY_LOG (256 MiB; KVM wants a multiple of 64). */
#define CLEAR_CHUNK 65536ULL

struct hv_logdirty {
	pthread_mutex_t lock; /* serialises enable, disable and harvest */
	bool on;
	bool manual;          /* KVM's manual protection: harvests clear what they took */
	uint64_t *scratch;    /* one region's bitmap, during a harvest */
	size_t scratch_words;
};

/*
 * hv_gmem_log_fn: KVM's dirty log on or off for region index's memslot
 * (the slot numbers are the region indexes, as in domain.c).  A domain with
 * no KVM VM (the fake domains of unit tests) has only tern-hv's own log.
 */
static int slot_log(void *opaque, unsigned index, const struct hv_gmem_region *r, bool on)
{
	struct hv_domain *d = opaque;
	struct kvm_userspace_memory_region slot = {
		.slot = index,
		.flags = on ? KVM_MEM_LOG_DIRTY_PAGES : 0,
		.guest_phys_addr = r->gpa,
		.memory_size = r->size,
		.userspace_addr = (uintptr_t)r->host,
	};
	int err;

	if (d->vm_fd < 0)
		return 0;
	if (ioctl(d->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
		err = -errno;
		log_warn("memslot %u at 0x%llx: cannot turn the dirty log %s", index,
			 (unsigned long long)r->gpa, on ? "on" : "off");
		return err;
	}
	return 0;
}

/*
 * Asks KVM for manual protection once: KVM_GET_DIRTY_LOG then only reads,
 * and each harvest re-protects exactly the pages it took with
 * KVM_CLEAR_DIRTY_LOG.  Without it, KVM_GET_DIRTY_LOG takes and re-protects
 * in one step, which is just as correct.
 */
static void want_manual(struct hv_domain *d, struct hv_logdirty *ld)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
				      .args[0] = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE };

	if (ld->manual || d->vm_fd < 0)
		return;
	if (ioctl(d->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2) <= 0 ||
	    ioctl(d->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
		log_info("KVM has no manual dirty-log protection: harvesting without it");
		return;
	}
	ld->manual = true;
}

int hv_logdirty_enable(struct hv_domain *d)
{
	struct hv_logdirty *ld = d->logdirty;
	int err = -EALREADY;

	pthread_mutex_lock(&ld->lock);
	if (!ld->on) {
		want_manual(d, ld);
		err = hv_gmem_set_logging(&d->mem, true, slot_log, d);
		ld->on = !err;
	}
	pthread_mutex_unlock(&ld->lock);
	if (!err)
		log_info("log-dirty on");
	return err;
}

void hv_logdirty_disable(struct hv_domain *d)
{
	struct hv_logdirty *ld = d->logdirty;

	pthread_mutex_lock(&ld->lock);
	if (ld->on) {
		hv_gmem_set_logging(&d->mem, false, slot_log, d);
		ld->on = false;
		log_info("log-dirty off");
	}
	pthread_mutex_unlock(&ld->lock);
}

uint64_t hv_logdirty_nr_gfns(struct hv_domain *d)
{
	return hv_gmem_nr_gfns(&d->mem);
}

/* Words of a bitmap of region r's pages. */
static size_t region_words(const struct hv_gmem_region *r)
{
	return (size_t)(((r->size >> HV_PAGE_SHIFT) + 63) / 64);
}

/* Makes the scratch bitmap big enough for each of regions [0, n). */
static int reserve_scratch(struct hv_domain *d, struct hv_logdirty *ld, unsigned n)
{
	size_t words = 0;
	uint64_t *p;

	for (unsigned i = 0; i < n; i++)
		if (region_words(&d->mem.regions[i]) > words)
			words = region_words(&d->mem.regions[i]);
	if (words <= ld->scratch_words)
		return 0;
	p = realloc(ld->scratch, words * sizeof(*p));
	if (!p)
		return -ENOMEM;
	ld->scratch = p;
	ld->scratch_words = words;
	return 0;
}

/* True if words [0, n) of bits are all zero. */
static bool all_clear(const uint64_t *bits, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (bits[i])
			return false;
	return true;
}

/*
 * Re-protects the pages of slot index that the scratch bitmap holds, in
 * chunks, so that KVM holds its MMU lock for a bounded time (about 1.5 ms
 * for a chunk all dirty, measured); chunks with nothing to clear are skipped.
 */
static int kvm_clear(struct hv_domain *d, struct hv_logdirty *ld, unsigned index, uint64_t pages)
{
	for (uint64_t first = 0; first < pages; first += CLEAR_CHUNK) {
		uint64_t n = pages - first < CLEAR_CHUNK ? pages - first : CLEAR_CHUNK;
		struct kvm_clear_dirty_log clear = { .slot = index, .first_page = first,
						     .num_pages = (uint32_t)n,
						     .dirty_bitmap = ld->scratch + first / 64 };

		if (all_clear(ld->scratch + first / 64, (size_t)(n + 63) / 64))
			continue;
		if (ioctl(d->vm_fd, KVM_CLEAR_DIRTY_LOG, &clear) < 0) {
			int err = -errno;

			log_warn("KVM_CLEAR_DIRTY_LOG of memslot %u", index);
			return err;
		}
	}
	return 0;
}

/* Takes KVM's log of region index (its memslot) into the scratch bitmap. */
static int kvm_collect(struct hv_domain *d, struct hv_logdirty *ld, unsigned index)
{
	struct kvm_dirty_log get = { .slot = index, .dirty_bitmap = ld->scratch };

	if (ioctl(d->vm_fd, KVM_GET_DIRTY_LOG, &get) < 0) {
		int err = -errno;

		log_warn("KVM_GET_DIRTY_LOG of memslot %u", index);
		return err;
	}
	if (!ld->manual)
		return 0;
	return kvm_clear(d, ld, index, d->mem.regions[index].size >> HV_PAGE_SHIFT);
}

/* ORs words of src, whose bit i stands for frame gfn + i, into dst. */
static void or_bits(uint64_t *dst, uint64_t gfn, const uint64_t *src, size_t words)
{
	if (gfn % 64 == 0) {
		for (size_t i = 0; i < words; i++)
			dst[gfn / 64 + i] |= src[i];
		return;
	}
	for (size_t i = 0; i < words; i++) {
		for (uint64_t w = src[i]; w; w &= w - 1) {
			uint64_t g = gfn + i * 64 + (uint64_t)__builtin_ctzll(w);

			dst[g / 64] |= 1ULL << (g % 64);
		}
	}
}

/* Harvests region index into bitmap: KVM's log, then tern-hv's. */
static int harvest_region(struct hv_domain *d, struct hv_logdirty *ld, unsigned index,
			  uint64_t *bitmap)
{
	const struct hv_gmem_region *r = &d->mem.regions[index];
	size_t words = region_words(r);
	int err;

	memset(ld->scratch, 0, words * sizeof(*ld->scratch));
	if (d->vm_fd >= 0) {
		err = kvm_collect(d, ld, index);
		if (err)
			return err;
	}
	hv_gmem_log_collect(&d->mem, index, ld->scratch);
	or_bits(bitmap, r->gpa >> HV_PAGE_SHIFT, ld->scratch, words);
	return 0;
}

int hv_logdirty_harvest(struct hv_domain *d, uint64_t *bitmap, uint64_t nr_gfns,
			uint64_t *nr_dirty)
{
	struct hv_logdirty *ld = d->logdirty;
	/* Regions added from now on keep their bits for the next harvest. */
	unsigned n = atomic_load_explicit(&d->mem.nr_regions, memory_order_acquire);
	size_t words = HV_LOGDIRTY_BITMAP_BYTES(nr_gfns) / sizeof(*bitmap);
	uint64_t count = 0;
	int err;

	pthread_mutex_lock(&ld->lock);
	err = !ld->on ? -EINVAL : nr_gfns < hv_gmem_nr_gfns(&d->mem) ? -ENOBUFS : 0;
	if (!err)
		err = reserve_scratch(d, ld, n);
	if (!err)
		memset(bitmap, 0, words * sizeof(*bitmap));
	for (unsigned i = 0; i < n && !err; i++)
		err = harvest_region(d, ld, i, bitmap);
	pthread_mutex_unlock(&ld->lock);
	if (err)
		return err;
	for (size_t i = 0; i < words; i++)
		count += (uint64_t)__builtin_popcountll(bitmap[i]);
	if (nr_dirty)
		*nr_dirty = count;
	return 0;
}

/* The device: the state exists from start-up; logging starts on demand. */

static int init(struct hv_domain *d)
{
	struct hv_logdirty *ld = calloc(1, sizeof(*ld));

	if (!ld)
		return -ENOMEM;
	pthread_mutex_init(&ld->lock, NULL);
	d->logdirty = ld;
	return 0;
}

static void fini(struct hv_domain *d)
{
	struct hv_logdirty *ld = d->logdirty;

	hv_logdirty_disable(d);
	pthread_mutex_destroy(&ld->lock);
	free(ld->scratch);
	free(ld);
	d->logdirty = NULL;
}

static const struct hv_device logdirty_device = {
	.name = "logdirty", .prio = HV_PRIO_CORE, .init = init, .exit = fini,
};
HV_DEVICE(logdirty_device);
