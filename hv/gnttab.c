/*
 * Grant tables, version 1 (see gnttab.h).
 *
 * The table's frames are guest pages: frame i is wherever the guest last
 * placed it with XENMEM_add_to_physmap (gfn[i]), in RAM or in a hole that
 * gmem backs.  The entries therefore live in guest memory, where the guest
 * writes them and where a migration finds them; tern-hv keeps only where
 * each frame is and, per entry, how many backend uses are in flight.
 *
 * A backend use (a copy, or a mapping held for a ring) "pins" an entry:
 * one compare-and-exchange on the entry's flags and domid word checks
 * GTF_permit_access, the grantee and GTF_readonly and sets GTF_reading
 * (and GTF_writing) in the same step, so a guest revoking the grant
 * concurrently either sees the flags and waits, or wins and the use fails.
 * The flags are cleared when the last use of that kind ends.  Every pin
 * checks the entry again, so a grant revoked while mapped fails the next
 * request that names it, while the existing mapping stays valid until the
 * backend drops it.
 */
#include "gnttab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device_state.h"
#include "domain.h"
#include "evtchn.h"
#include "hypercall.h"
#include "log.h"

#define ENTRIES_PER_FRAME (HV_PAGE_SIZE / sizeof(grant_entry_v1_t))
#define MAX_ENTRIES (HV_GNTTAB_MAX_FRAMES * ENTRIES_PER_FRAME)
/* A frame the guest has not placed (Xen's INVALID_GFN). */
#define NO_GFN (~0ULL)
/* Attempts at the compare-and-exchange against a guest that keeps changing the entry (Xen's). */
#define PIN_TRIES 5
/*
 * Xen keeps a continuation's progress above the low 12 bits of the command
 * (its internal GNTTABOP_CONTINUATION_ARG_SHIFT); a guest may not set them.
 */
#define CMD_MASK 0xfffu

_Static_assert(sizeof(grant_entry_v1_t) == 8, "grant_entry_v1 is 8 bytes");

struct hv_gnttab {
	pthread_mutex_t lock;
	/* Below: protected by lock. */
	unsigned nr_frames; /* the table's size: grows, never shrinks */
	uint64_t gfn[HV_GNTTAB_MAX_FRAMES];
	/* Per entry: uses in flight, [0] all of them, [1] those that write. */
	uint32_t (*pins)[2];
};

/* The 32-bit guests' layout of gnttab_setup_table (the handle is 4 bytes). */
struct setup_table32 {
	uint16_t dom;
	uint32_t nr_frames;
	int16_t status;
	uint32_t frame_list;
};
_Static_assert(sizeof(struct setup_table32) == 16, "compat gnttab_setup_table");
_Static_assert(sizeof(struct gnttab_setup_table) == 24, "gnttab_setup_table");

/* The table */

/* The guest-physical address of entry ref, or 0 if its frame is not placed. */
static uint64_t entry_gpa(const struct hv_gnttab *gt, grant_ref_t ref)
{
	uint64_t frame = ref / ENTRIES_PER_FRAME;

	if (frame >= gt->nr_frames || gt->gfn[frame] == NO_GFN)
		return 0;
	return (gt->gfn[frame] << HV_PAGE_SHIFT) +
	       (ref % ENTRIES_PER_FRAME) * sizeof(grant_entry_v1_t);
}

/* Moves frame idx's contents to gpa, or clears gpa for a frame never placed. */
static int move_frame(struct hv_domain *d, unsigned idx, uint64_t gpa)
{
	struct hv_gnttab *gt = d->gnttab;
	uint8_t page[HV_PAGE_SIZE];

	memset(page, 0, sizeof(page));
	if (gt->gfn[idx] != NO_GFN &&
	    hv_gmem_read(&d->mem, gt->gfn[idx] << HV_PAGE_SHIFT, page, sizeof(page)))
		return -EFAULT;
	return hv_gmem_write(&d->mem, gpa, page, sizeof(page));
}

/*
 * As in Xen, the frame's page replaces whatever the guest had at gfn, and a
 * frame that moves takes its entries along.  A frame that another frame
 * displaces from gfn is no longer placed: its entries are lost (Xen would
 * keep them for a later placement; no guest we know does this).
 */
long hv_gnttab_add_frame(struct hv_domain *d, uint64_t idx, uint64_t gfn)
{
	struct hv_gnttab *gt = d->gnttab;
	long err = 0;

	if (idx >= HV_GNTTAB_MAX_FRAMES || hv_gmem_add_frame(&d->mem, gfn))
		return -XEN_EINVAL;
	pthread_mutex_lock(&gt->lock);
	if (gt->gfn[idx] == gfn)
		goto out;
	if (move_frame(d, (unsigned)idx, gfn << HV_PAGE_SHIFT)) {
		err = -XEN_EFAULT;
		goto out;
	}
	for (unsigned i = 0; i < HV_GNTTAB_MAX_FRAMES; i++)
		if (gt->gfn[i] == gfn)
			gt->gfn[i] = NO_GFN;
	gt->gfn[idx] = gfn;
	if (gt->nr_frames <= idx)
		gt->nr_frames = (unsigned)idx + 1;
out:
	pthread_mutex_unlock(&gt->lock);
	if (!err)
		log_info("grant table frame %llu at gfn 0x%llx", (unsigned long long)idx,
			 (unsigned long long)gfn);
	return err;
}

/* Backend uses */

/*
 * Checks entry ref for a use by the backends and records it: GTF_reading
 * (and GTF_writing) set in the guest's entry, the use counted.  A mapping
 * may not name a sub-page grant (as in Xen).  Returns 0 and the granted
 * frame, or -EINVAL / -EPERM.  Called with the lock held.
 */
static int pin(struct hv_domain *d, grant_ref_t ref, bool write, bool map, uint64_t *frame)
{
	struct hv_gnttab *gt = d->gnttab;
	uint64_t gpa = ref < MAX_ENTRIES ? entry_gpa(gt, ref) : 0;
	uint32_t *word = gpa ? hv_gmem_map(&d->mem, gpa, sizeof(grant_entry_v1_t), true) : NULL;
	uint32_t want = write ? GTF_reading | GTF_writing : GTF_reading;
	uint32_t mask = map ? GTF_type_mask | GTF_sub_page : GTF_type_mask;
	uint32_t old;
	unsigned tries = 0;

	if (!word)
		return -EINVAL;
	/* The flags are the low half of the first word, the domid the high. */
	old = __atomic_load_n(word, __ATOMIC_ACQUIRE);
	do {
		if ((old & mask) != GTF_permit_access || old >> 16 != HV_BACKEND_DOMID)
			return -EINVAL;
		if (write && (old & GTF_readonly))
			return -EPERM;
		if (++tries > PIN_TRIES)
			return -EINVAL;
	} while (!__atomic_compare_exchange_n(word, &old, old | want, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	*frame = __atomic_load_n(word + 1, __ATOMIC_ACQUIRE);
	gt->pins[ref][0]++;
	if (write)
		gt->pins[ref][1]++;
	return 0;
}

/* Ends a use that pin recorded; clears the flags no other use needs. */
static void unpin(struct hv_domain *d, grant_ref_t ref, bool write)
{
	struct hv_gnttab *gt = d->gnttab;
	uint64_t gpa = entry_gpa(gt, ref);
	uint16_t *flags = gpa ? hv_gmem_map(&d->mem, gpa, sizeof(uint16_t), true) : NULL;
	uint16_t clear = 0;

	if (--gt->pins[ref][0] == 0)
		clear |= GTF_reading;
	if (write && --gt->pins[ref][1] == 0)
		clear |= GTF_writing;
	if (flags && clear)
		__atomic_fetch_and(flags, (uint16_t)~clear, __ATOMIC_ACQ_REL);
}

/* Pins ref and copies through the granted frame: the body of both copies. */
static int copy(struct hv_domain *d, grant_ref_t ref, uint16_t offset, void *buf, size_t len,
		bool write)
{
	struct hv_gnttab *gt = d->gnttab;
	uint64_t frame = 0;
	int err;

	if (offset > HV_PAGE_SIZE || len > HV_PAGE_SIZE - offset)
		return -EINVAL;
	pthread_mutex_lock(&gt->lock);
	err = pin(d, ref, write, false, &frame);
	pthread_mutex_unlock(&gt->lock);
	if (err)
		return err;
	if (write)
		err = hv_gmem_write(&d->mem, (frame << HV_PAGE_SHIFT) + offset, buf, len);
	else
		err = hv_gmem_read(&d->mem, (frame << HV_PAGE_SHIFT) + offset, buf, len);
	pthread_mutex_lock(&gt->lock);
	unpin(d, ref, write);
	pthread_mutex_unlock(&gt->lock);
	return err ? -EINVAL : 0;
}

int hv_gnttab_copy_from(struct hv_domain *d, grant_ref_t ref, uint16_t offset, void *buf,
			size_t len)
{
	return copy(d, ref, offset, buf, len, false);
}

int hv_gnttab_copy_to(struct hv_domain *d, grant_ref_t ref, uint16_t offset, const void *buf,
		      size_t len)
{
	return copy(d, ref, offset, (void *)buf, len, true);
}

int hv_gnttab_map(struct hv_domain *d, grant_ref_t ref, bool write, struct hv_grant_map *m)
{
	struct hv_gnttab *gt = d->gnttab;
	uint64_t frame = 0;
	void *host = NULL;
	int err;

	pthread_mutex_lock(&gt->lock);
	err = pin(d, ref, write, true, &frame);
	if (!err) {
		host = hv_gmem_map(&d->mem, frame << HV_PAGE_SHIFT, HV_PAGE_SIZE, write);
		if (!host) {
			unpin(d, ref, write);
			err = -EINVAL;
		}
	}
	pthread_mutex_unlock(&gt->lock);
	if (!err)
		*m = (struct hv_grant_map){ .ref = ref, .write = write,
					    .gpa = frame << HV_PAGE_SHIFT, .host = host };
	return err;
}

void hv_gnttab_unmap(struct hv_domain *d, struct hv_grant_map *m)
{
	struct hv_gnttab *gt = d->gnttab;

	if (!m->host)
		return;
	pthread_mutex_lock(&gt->lock);
	unpin(d, m->ref, m->write);
	pthread_mutex_unlock(&gt->lock);
	memset(m, 0, sizeof(*m));
}

int hv_gnttab_adopt(struct hv_domain *d, grant_ref_t ref, bool write, uint64_t gpa,
		    struct hv_grant_map *m)
{
	struct hv_gnttab *gt = d->gnttab;
	uint64_t entry = 0;
	uint32_t *word = NULL;
	void *host = NULL;

	pthread_mutex_lock(&gt->lock);
	if (ref < MAX_ENTRIES && (entry = entry_gpa(gt, ref)))
		word = hv_gmem_map(&d->mem, entry, sizeof(grant_entry_v1_t), true);
	if (gpa % HV_PAGE_SIZE == 0)
		host = hv_gmem_map(&d->mem, gpa, HV_PAGE_SIZE, write);
	if (word && host) {
		__atomic_fetch_or(word, write ? GTF_reading | GTF_writing : GTF_reading,
				  __ATOMIC_ACQ_REL);
		gt->pins[ref][0]++;
		if (write)
			gt->pins[ref][1]++;
	}
	pthread_mutex_unlock(&gt->lock);
	if (!word || !host)
		return -EINVAL;
	*m = (struct hv_grant_map){ .ref = ref, .write = write, .gpa = gpa, .host = host };
	return 0;
}

/* The state: where the table's frames are (docs/stream-format.md) */

struct wire_hdr {
	uint32_t version;   /* of the grant table: 1 */
	uint32_t nr_frames; /* the table's size; then a uint64_t gfn per frame */
};
_Static_assert(sizeof(struct wire_hdr) == 8, "gnttab state header");

/*
 * The entries are in the frames, guest memory that travels with the
 * pages.  A use in flight while the domain is paused is a mapping that a
 * backend holds (copies end before their worker pauses): the backend's
 * record carries it and its restore takes it back with hv_gnttab_adopt.
 */
static int save(struct hv_domain *d, struct hv_state_buf *out)
{
	struct hv_gnttab *gt = d->gnttab;
	struct wire_hdr h = { .version = 1 };
	int err;

	pthread_mutex_lock(&gt->lock);
	h.nr_frames = gt->nr_frames;
	err = hv_state_put(out, &h, sizeof(h));
	if (!err)
		err = hv_state_put(out, gt->gfn, gt->nr_frames * sizeof(gt->gfn[0]));
	pthread_mutex_unlock(&gt->lock);
	return err;
}

/* A placed frame must be backed, and hold no other frame. */
static bool frames_valid(struct hv_domain *d, const uint64_t *gfn, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (gfn[i] == NO_GFN)
			continue;
		if (gfn[i] >= (1ULL << (64 - HV_PAGE_SHIFT)) ||
		    !hv_gmem_is_backed(&d->mem, gfn[i] << HV_PAGE_SHIFT))
			return false;
		for (unsigned j = 0; j < i; j++)
			if (gfn[j] == gfn[i])
				return false;
	}
	return true;
}

static int restore(struct hv_domain *d, uint32_t version, const uint8_t *body, size_t len)
{
	struct hv_gnttab *gt = d->gnttab;
	uint64_t gfn[HV_GNTTAB_MAX_FRAMES];
	struct hv_state_in in;
	struct wire_hdr h;

	if (version != 1)
		return -ENOTSUP;
	hv_state_in_init(&in, body, len);
	if (hv_state_get(&in, &h, sizeof(h)) || h.version != 1 || h.nr_frames < 1 ||
	    h.nr_frames > HV_GNTTAB_MAX_FRAMES ||
	    hv_state_get(&in, gfn, h.nr_frames * sizeof(gfn[0])) || hv_state_in_end(&in) ||
	    !frames_valid(d, gfn, h.nr_frames))
		return -EINVAL;
	pthread_mutex_lock(&gt->lock);
	gt->nr_frames = h.nr_frames;
	for (unsigned i = 0; i < HV_GNTTAB_MAX_FRAMES; i++)
		gt->gfn[i] = i < h.nr_frames ? gfn[i] : NO_GFN;
	pthread_mutex_unlock(&gt->lock);
	return 0;
}

/* The device */

static int init(struct hv_domain *d)
{
	struct hv_gnttab *gt = calloc(1, sizeof(*gt));

	if (!gt || !(gt->pins = calloc(MAX_ENTRIES, sizeof(gt->pins[0])))) {
		free(gt);
		return -ENOMEM;
	}
	pthread_mutex_init(&gt->lock, NULL);
	gt->nr_frames = 1; /* Xen's INITIAL_NR_GRANT_FRAMES */
	for (unsigned i = 0; i < HV_GNTTAB_MAX_FRAMES; i++)
		gt->gfn[i] = NO_GFN;
	d->gnttab = gt;
	return 0;
}

static void fini(struct hv_domain *d)
{
	pthread_mutex_destroy(&d->gnttab->lock);
	free(d->gnttab->pins);
	free(d->gnttab);
	d->gnttab = NULL;
}

static const struct hv_device gnttab_device = {
	.name = "gnttab", .prio = HV_PRIO_CORE, .init = init, .exit = fini,
	.state_id = HV_STATE_GNTTAB, .state_version = 1, .save = save, .restore = restore,
};
HV_DEVICE(gnttab_device);

/* GNTTABOP: the guest's side */

/*
 * The status for an operation on domain dom: ours, dom0 (which exists for
 * the guest but whose table it may not touch), or nobody.
 */
static int16_t check_dom(struct hv_domain *d, domid_t dom)
{
	if (hv_domain_is_self(d, dom))
		return GNTST_okay;
	return dom == HV_BACKEND_DOMID ? GNTST_permission_denied : GNTST_bad_domain;
}

static long read_setup(struct hv_vcpu *v, const struct hv_hcall *c, struct gnttab_setup_table *s)
{
	struct setup_table32 s32;

	if (c->long_mode)
		return hv_copy_from_guest(v, s, c->arg[1], sizeof(*s)) ? -XEN_EFAULT : 0;
	if (hv_copy_from_guest(v, &s32, c->arg[1], sizeof(s32)))
		return -XEN_EFAULT;
	*s = (struct gnttab_setup_table){ .dom = s32.dom, .nr_frames = s32.nr_frames };
	set_xen_guest_handle(s->frame_list, (xen_pfn_t *)(uintptr_t)s32.frame_list);
	return 0;
}

/*
 * Grows the table to the frames asked for and answers where each frame is
 * placed (Xen gives an auto-translated guest the gfns), ~0 for frames not
 * placed; a 32-bit guest's list has 32-bit entries.
 */
static long setup_table(struct hv_vcpu *v, const struct hv_hcall *c)
{
	struct hv_gnttab *gt = v->d->gnttab;
	struct gnttab_setup_table s;
	uint64_t gfns[HV_GNTTAB_MAX_FRAMES];
	long err = read_setup(v, c, &s);
	size_t size = c->long_mode ? sizeof(uint64_t) : sizeof(uint32_t);
	uint64_t list = (uint64_t)(uintptr_t)s.frame_list.p;

	if (err)
		return err;
	s.status = check_dom(v->d, s.dom);
	if (s.status == GNTST_okay && s.nr_frames > HV_GNTTAB_MAX_FRAMES)
		s.status = GNTST_general_error;
	if (s.status == GNTST_okay) {
		pthread_mutex_lock(&gt->lock);
		if (gt->nr_frames < s.nr_frames)
			gt->nr_frames = s.nr_frames;
		memcpy(gfns, gt->gfn, sizeof(gfns));
		pthread_mutex_unlock(&gt->lock);
	}
	for (uint32_t i = 0; s.status == GNTST_okay && i < s.nr_frames; i++)
		if (hv_copy_to_guest(v, list + i * size, &gfns[i], size)) /* little-endian */
			s.status = GNTST_bad_virt_addr;
	/* status sits at the same offset in both layouts */
	if (hv_copy_to_guest(v, c->arg[1] + offsetof(struct gnttab_setup_table, status),
			     &s.status, sizeof(s.status)))
		return -XEN_EFAULT;
	return 0;
}

static long query_size(struct hv_vcpu *v, uint64_t va)
{
	struct hv_gnttab *gt = v->d->gnttab;
	struct gnttab_query_size q;

	if (hv_copy_from_guest(v, &q, va, sizeof(q)))
		return -XEN_EFAULT;
	q.status = check_dom(v->d, q.dom);
	if (q.status == GNTST_okay) {
		pthread_mutex_lock(&gt->lock);
		q.nr_frames = gt->nr_frames;
		pthread_mutex_unlock(&gt->lock);
		q.max_nr_frames = HV_GNTTAB_MAX_FRAMES;
	}
	return hv_copy_to_guest(v, va, &q, sizeof(q)) ? -XEN_EFAULT : 0;
}

/*
 * Version 1 is the only one: asking for it succeeds, asking for 2 gets
 * -ENOSYS as from a Xen with version 2 disabled (Linux then stays on 1),
 * anything else -EINVAL.  Xen writes the version in force back each time.
 */
static long set_version(struct hv_vcpu *v, uint64_t va)
{
	struct gnttab_set_version s;
	long err;

	if (hv_copy_from_guest(v, &s, va, sizeof(s)))
		return -XEN_EFAULT;
	err = s.version == 1 ? 0 : s.version == 2 ? -XEN_ENOSYS : -XEN_EINVAL;
	s.version = 1;
	return hv_copy_to_guest(v, va, &s, sizeof(s)) ? -XEN_EFAULT : err;
}

static long get_version(struct hv_vcpu *v, uint64_t va)
{
	struct gnttab_get_version g;
	int16_t status;

	if (hv_copy_from_guest(v, &g, va, sizeof(g)))
		return -XEN_EFAULT;
	status = check_dom(v->d, g.dom);
	if (status != GNTST_okay)
		return status == GNTST_bad_domain ? -XEN_ESRCH : -XEN_EPERM;
	g.version = 1;
	return hv_copy_to_guest(v, va, &g, sizeof(g)) ? -XEN_EFAULT : 0;
}

/*
 * A debugging aid that prints nothing here.  Xen 4.17 no longer knows it
 * (-ENOSYS); GRUB calls it and ignores the result, and answering it keeps
 * the log free of a warning on every GRUB boot.
 */
static long dump_table(struct hv_vcpu *v, uint64_t va)
{
	struct gnttab_dump_table t;

	if (hv_copy_from_guest(v, &t, va, sizeof(t)))
		return -XEN_EFAULT;
	t.status = check_dom(v->d, t.dom);
	return hv_copy_to_guest(v, va, &t, sizeof(t)) ? -XEN_EFAULT : 0;
}

long hv_hc_grant_table_op(struct hv_vcpu *v, const struct hv_hcall *c)
{
	uint32_t cmd = (uint32_t)c->arg[0];
	int32_t count = (int32_t)c->arg[2];

	if (count < 0 || (cmd & ~CMD_MASK))
		return -XEN_EINVAL;
	switch (cmd) {
	case GNTTABOP_setup_table:
		return count != 1 ? -XEN_EINVAL : setup_table(v, c);
	case GNTTABOP_query_size:
		return count != 1 ? -XEN_EINVAL : query_size(v, c->arg[1]);
	case GNTTABOP_set_version:
		return set_version(v, c->arg[1]);
	case GNTTABOP_get_version:
		return get_version(v, c->arg[1]);
	case GNTTABOP_dump_table:
		return dump_table(v, c->arg[1]);
	default:
		return hv_hcall_unknown(v, __HYPERVISOR_grant_table_op, cmd);
	}
}
