/*
 * The platform's sub-record (see platform_state.h).  Chosen from struct
 * hv_domain and struct hv_vcpu: what the guest set up or is waiting for and
 * would miss after a restore.
 *
 *   shared_info_gpa  where the guest placed shared_info (0: not yet).  Its
 *                    contents are guest memory; the word size of its event
 *                    bits is in the event channels' record.
 *   hvm_params       every parameter not zero (the guest's callback, the
 *                    xenstore and console pages and ports, ...).  xenstore
 *                    and the console set their ports again from their own
 *                    records, which come later.
 *   memmap           what XENMEM_set_memory_map stored (XENMEM_memory_map
 *                    answers with it).
 *   frames           every frame backed outside RAM (shared_info or grant
 *                    frames in holes, the xenstore and console pages): the
 *                    restore backs them (if the memory's restore has not
 *                    yet) before the other devices check against them.
 *                    Their contents travel with the memory.
 *   per vCPU         the VCPUOP_initialise context of a vCPU that is to
 *                    start, VCPUOP_up asked but not yet applied, and a
 *                    SCHEDOP_block not yet applied.  The registers, the
 *                    vcpu_info placement, the upcall vector and up/initialised
 *                    are in the vCPU state (hv/vcpu_state.h).
 *
 * Not carried: what tern-hv rebuilds or measures (the CPUID policy, the TSC
 * rate, the KVM objects), what is only for the log (unknown hypercalls).
 */
#include "platform_state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device_state.h"
#include "domain.h"
#include "log.h"

struct wire_hdr {
	uint64_t shared_info_gpa;
	uint32_t nr_params;  /* then a wire_param each, by increasing index */
	uint32_t nr_memmap;  /* then a struct hv_e820 each (20 bytes) */
	uint32_t nr_frames;  /* then a uint64_t gfn each, increasing */
	uint32_t nr_vcpus;   /* then a wire_vcpu each */
};
_Static_assert(sizeof(struct wire_hdr) == 24, "platform state header");

struct wire_param {
	uint32_t index;
	uint32_t pad;
	uint64_t value;
};
_Static_assert(sizeof(struct wire_param) == 16, "platform state parameter");

#define VCPU_HAS_CTX 1u        /* ctx is the start context of a vCPU to start */
#define VCPU_START_PENDING 2u  /* VCPUOP_up: ctx is applied when it runs */
#define VCPU_HALT_PENDING 4u   /* SCHEDOP_block: it halts when it runs */

struct wire_vcpu {
	uint8_t flags;
	uint8_t pad[7];
	vcpu_hvm_context_t ctx; /* Xen's public layout; zero without VCPU_HAS_CTX */
};
_Static_assert(sizeof(struct wire_vcpu) == 136, "platform state vCPU");

static int compare_gfns(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The frames backed outside RAM, in increasing order. */
static int put_frames(struct hv_domain *d, struct hv_state_buf *out, uint32_t *n)
{
	unsigned nr = d->mem.nr_regions; /* atomic */
	uint64_t gfns[HV_GMEM_MAX_REGIONS];

	*n = 0;
	for (unsigned i = 0; i < nr; i++) {
		const struct hv_gmem_region *r = &d->mem.regions[i];

		for (uint64_t gpa = r->gpa; !r->ram && gpa < r->gpa + r->size; gpa += HV_PAGE_SIZE) {
			if (*n == HV_GMEM_MAX_REGIONS)
				return -E2BIG;
			gfns[(*n)++] = gpa >> HV_PAGE_SHIFT;
		}
	}
	qsort(gfns, *n, sizeof(gfns[0]), compare_gfns);
	return hv_state_put(out, gfns, *n * sizeof(gfns[0]));
}

/* The flags and start context of v.  d->lock held. */
static struct wire_vcpu vcpu_wire(const struct hv_vcpu *v)
{
	struct wire_vcpu w = { 0 };

	if (v->initialised && (!v->up || v->start_pending)) {
		w.flags = VCPU_HAS_CTX | (v->start_pending ? VCPU_START_PENDING : 0);
		w.ctx = v->ctx;
	}
	if (v->halt_pending)
		w.flags |= VCPU_HALT_PENDING;
	return w;
}

static int save(struct hv_domain *d, struct hv_state_buf *out)
{
	struct wire_hdr h = { .nr_vcpus = d->nr_vcpus };
	size_t start = out->len;
	int err;

	pthread_mutex_lock(&d->lock);
	h.shared_info_gpa = d->shared_info_gpa;
	h.nr_memmap = d->nr_memmap;
	err = hv_state_put(out, &h, sizeof(h));
	for (uint32_t i = 0; !err && i < HVM_NR_PARAMS; i++) {
		struct wire_param p = { .index = i, .value = d->hvm_params[i] };

		if (p.value) {
			err = hv_state_put(out, &p, sizeof(p));
			h.nr_params++;
		}
	}
	if (!err)
		err = hv_state_put(out, d->memmap, d->nr_memmap * sizeof(d->memmap[0]));
	if (!err)
		err = put_frames(d, out, &h.nr_frames);
	for (unsigned i = 0; !err && i < d->nr_vcpus; i++) {
		struct wire_vcpu w = vcpu_wire(&d->vcpus[i]);

		err = hv_state_put(out, &w, sizeof(w));
	}
	pthread_mutex_unlock(&d->lock);
	if (!err)
		memcpy(out->data + start, &h, sizeof(h)); /* now with the counts */
	return err;
}

/* A restored platform, checked before anything changes. */
struct staged {
	struct wire_hdr h;
	uint64_t params[HVM_NR_PARAMS];
	struct hv_e820 memmap[HV_MAX_MEMMAP];
	const uint8_t *frames;  /* in the body */
	struct wire_vcpu vcpus[HV_CONFIG_MAX_VCPUS];
};

static int stage_params(struct hv_state_in *in, struct staged *s)
{
	int64_t prev = -1;

	if (s->h.nr_params > HVM_NR_PARAMS)
		return -EINVAL;
	for (uint32_t i = 0; i < s->h.nr_params; i++) {
		struct wire_param p;

		if (hv_state_get(in, &p, sizeof(p)) || p.pad || p.index >= HVM_NR_PARAMS ||
		    (int64_t)p.index <= prev || !p.value)
			return -EINVAL;
		s->params[p.index] = p.value;
		prev = p.index;
	}
	return 0;
}

/* Frames outside RAM, increasing, none where the APICs are. */
static int stage_frames(struct hv_state_in *in, struct hv_domain *d, struct staged *s)
{
	uint64_t prev = 0;

	if (s->h.nr_frames > HV_GMEM_MAX_REGIONS ||
	    !(s->frames = hv_state_take(in, s->h.nr_frames * sizeof(uint64_t))))
		return -EINVAL;
	for (uint32_t i = 0; i < s->h.nr_frames; i++) {
		uint64_t gfn;

		memcpy(&gfn, s->frames + i * sizeof(gfn), sizeof(gfn));
		if ((i && gfn <= prev) || gfn >= (1ULL << (64 - HV_PAGE_SHIFT)) ||
		    hv_gmem_frame_reserved(gfn) || hv_gmem_is_ram(&d->mem, gfn << HV_PAGE_SHIFT))
			return -EINVAL;
		prev = gfn;
	}
	return 0;
}

static int stage_vcpus(struct hv_state_in *in, struct hv_domain *d, struct staged *s)
{
	if (s->h.nr_vcpus != d->nr_vcpus)
		return -EINVAL;
	for (uint32_t i = 0; i < s->h.nr_vcpus; i++) {
		struct wire_vcpu *w = &s->vcpus[i];
		bool ctx;

		if (hv_state_get(in, w, sizeof(*w)) || !hv_state_zero(w->pad, sizeof(w->pad)) ||
		    w->flags > (VCPU_HAS_CTX | VCPU_START_PENDING | VCPU_HALT_PENDING))
			return -EINVAL;
		ctx = w->flags & VCPU_HAS_CTX;
		if ((w->flags & VCPU_START_PENDING) && !ctx)
			return -EINVAL;
		if (ctx ? hv_vcpu_context_check(&w->ctx) != 0
			: !hv_state_zero(&w->ctx, sizeof(w->ctx)))
			return -EINVAL;
	}
	return 0;
}

static int stage(struct hv_domain *d, struct staged *s, const uint8_t *body, size_t len)
{
	struct hv_state_in in;

	hv_state_in_init(&in, body, len);
	if (hv_state_get(&in, &s->h, sizeof(s->h)) || s->h.shared_info_gpa % HV_PAGE_SIZE ||
	    s->h.nr_memmap > HV_MAX_MEMMAP || stage_params(&in, s) ||
	    hv_state_get(&in, s->memmap, s->h.nr_memmap * sizeof(s->memmap[0])) ||
	    stage_frames(&in, d, s) || stage_vcpus(&in, d, s))
		return -EINVAL;
	return hv_state_in_end(&in);
}

/* Backs the frames; then shared_info must be in guest memory. */
static int back_frames(struct hv_domain *d, const struct staged *s)
{
	for (uint32_t i = 0; i < s->h.nr_frames; i++) {
		uint64_t gfn;
		int err;

		memcpy(&gfn, s->frames + i * sizeof(gfn), sizeof(gfn));
		err = hv_gmem_add_frame(&d->mem, gfn);
		if (err) {
			log_warnx("platform: cannot back frame 0x%llx: %s", (unsigned long long)gfn,
				  strerror(-err));
			return err;
		}
	}
	if (s->h.shared_info_gpa && !hv_gmem_is_backed(&d->mem, s->h.shared_info_gpa))
		return -EINVAL;
	return 0;
}

static void apply(struct hv_domain *d, const struct staged *s)
{
	pthread_mutex_lock(&d->lock);
	__atomic_store_n(&d->shared_info_gpa, s->h.shared_info_gpa, __ATOMIC_RELEASE);
	memcpy(d->hvm_params, s->params, sizeof(d->hvm_params));
	memcpy(d->memmap, s->memmap, s->h.nr_memmap * sizeof(d->memmap[0]));
	d->nr_memmap = s->h.nr_memmap;
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		struct hv_vcpu *v = &d->vcpus[i];
		const struct wire_vcpu *w = &s->vcpus[i];

		v->ctx = w->ctx;
		v->start_pending = w->flags & VCPU_START_PENDING;
		v->halt_pending = w->flags & VCPU_HALT_PENDING;
	}
	pthread_mutex_unlock(&d->lock);
}

/*
 * The frames are backed before shared_info is checked against memory; a
 * restore that fails afterwards leaves them backed, nothing else changed.
 */
static int restore(struct hv_domain *d, uint32_t version, const uint8_t *body, size_t len)
{
	struct staged *s;
	int err;

	if (version != 1)
		return -ENOTSUP;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	err = stage(d, s, body, len);
	if (!err)
		err = back_frames(d, s);
	if (!err)
		apply(d, s);
	free(s);
	return err;
}

static int init(struct hv_domain *d)
{
	(void)d;
	return 0;
}

static void fini(struct hv_domain *d)
{
	(void)d;
}

const struct hv_device hv_platform_device = {
	.name = "platform", .prio = HV_PRIO_PLATFORM, .init = init, .exit = fini,
	.state_id = HV_STATE_PLATFORM, .state_version = 1, .save = save, .restore = restore,
};
HV_DEVICE(hv_platform_device);
