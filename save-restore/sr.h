/*
 * The save-restore library: writes a domain as a Xen migration stream
 * (libxl framing v2 around a libxc image v3, docs/stream-format.md) and
 * reads one back into a domain.
 *
 * The algorithms are common; what touches the domain goes through one
 * table of operations (struct sr_domain_ops) chosen once by whoever builds
 * the context: one backed by a running tern-hv through its control socket
 * (sr_domain_ctl.h), one backed by plain memory for tests (sr_mem_domain.h).
 * Every operation is mandatory.  sr_save and sr_restore each call the
 * table's cleanup exactly once before they return, whatever happened.
 *
 * Restore contract: the domain is freshly created, paused, and none of its
 * vCPUs has run.  sr_restore writes memory as the stream delivers it and
 * loads the platform, device and vCPU state (in that order) only once the
 * whole stream has been checked, but an error can still come after guest memory or part of
 * the state was written.  So on failure the caller destroys the domain;
 * it starts the vCPUs only after sr_restore returned 0.
 */
#ifndef SR_H
#define SR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/hvm/params.h>

#include "sr_io.h"
#include "vcpu_state.h"

/* The most frame ranges a domain may describe. */
#define SR_MAX_RANGES 64
/* The most vCPUs a stream may hold (tern-hv's own limit). */
#define SR_MAX_VCPUS 128
/* The most HVM params a stream may hold: one of each. */
#define SR_MAX_PARAMS HVM_NR_PARAMS

/* Guest frames [first, first + count). */
struct sr_range {
	uint64_t first;
	uint64_t count;
};

struct sr_domain_info {
	unsigned nr_vcpus;
	/*
	 * Sorted, disjoint, non-empty.  Save: every frame that is backed.
	 * Restore: every frame the stream may fill (RAM and the holes where
	 * the domain may back frames on demand).
	 */
	unsigned nr_ranges;
	struct sr_range ranges[SR_MAX_RANGES];
};

/* X86_TSC_INFO: Xen's TSC mode, the TSC rate, and the guest's system time. */
struct sr_tsc {
	uint32_t mode;        /* TSC_MODE_*: tern-hv has 0, the default */
	uint32_t khz;
	uint64_t nsec;        /* Xen system time (ns since the domain began) */
	uint32_t incarnation; /* times the domain was restored or migrated */
};

struct sr_param {
	uint32_t index; /* < SR_MAX_PARAMS */
	uint64_t value;
};

/*
 * Receives one piece of a dirty bitmap: bit i of bits (bit i % 64 of
 * bits[i / 64]) set means frame first + i was written.  Returns 0 or
 * -errno, which the harvest returns at once.
 */
typedef int (*sr_dirty_fn)(void *arg, uint64_t first, const uint64_t *bits, uint64_t nr_bits);

/*
 * What the algorithms need from a domain.  dom is the table's own context.
 * Each returns 0 or a negative errno.
 */
struct sr_domain_ops {
	/* The vCPUs and frames (see struct sr_domain_info). */
	int (*info)(void *dom, struct sr_domain_info *out);
	/*
	 * A pointer to the page of frame pfn (within info's ranges).  Save
	 * reads it; it stays valid until the next info call.  Restore writes
	 * it (a restoring domain backs a frame in a hole when first asked
	 * for it); it stays valid until the next frame_map call.
	 */
	int (*frame_map)(void *dom, uint64_t pfn, void **page);
	/* Live save: start tracking writes to guest memory. */
	int (*dirty_start)(void *dom);
	/*
	 * Calls fn for every piece of the bitmap of frames written since the
	 * start or the previous harvest, and resets it.
	 */
	int (*dirty_harvest)(void *dom, sr_dirty_fn fn, void *arg);
	/* Stops the vCPUs and devices (the domain stays paused). */
	int (*pause)(void *dom);
	int (*tsc_get)(void *dom, struct sr_tsc *out);
	int (*tsc_set)(void *dom, const struct sr_tsc *tsc);
	/* Fills p[0..*nr) with the params to carry (at most SR_MAX_PARAMS). */
	int (*params_get)(void *dom, struct sr_param *p, unsigned *nr);
	int (*params_set)(void *dom, const struct sr_param *p, unsigned nr);
	int (*vcpu_get)(void *dom, unsigned id, struct hv_vcpu_state *out);
	int (*vcpu_set)(void *dom, unsigned id, const struct hv_vcpu_state *s);
	/* The device-state blob (hv_devices_save's); *blob is malloc'd. */
	int (*devices_get)(void *dom, uint8_t **blob, size_t *len);
	int (*devices_set)(void *dom, const uint8_t *blob, size_t len);
	/* Undoes what the others set up (log-dirty, mappings). */
	void (*cleanup)(void *dom);
};

/* What the save loop tells the policy after each harvest. */
struct sr_round_stats {
	unsigned round;          /* rounds sent: 1 after the full copy */
	uint64_t dirty_pages;    /* harvested: the next round's pages */
	unsigned stalled_rounds; /* consecutive harvests that did not shrink */
	uint64_t round_bytes;    /* bytes written by the last round */
	uint64_t round_ns;       /* and how long it took */
};

enum sr_decision {
	SR_CONTINUE,  /* send the dirty pages with the domain running */
	SR_STOP_COPY, /* pause and send the rest */
	SR_ABORT,     /* give up: the domain keeps running on the source */
};

struct sr_policy {
	uint64_t downtime_ns;   /* the longest acceptable final round */
	unsigned max_rounds;    /* live rounds before giving up converging */
	unsigned max_stalled;   /* harvests without progress, likewise */
	bool abort_if_stuck;    /* then abort rather than stop and copy */
};

/* Tern's defaults: 30 ms downtime, 30 rounds, 5 stalled rounds, copy. */
extern const struct sr_policy sr_policy_default;

/*
 * Decides what follows a harvest: stop and copy when the dirty pages would
 * go out within the downtime target at the bandwidth of the last round,
 * else continue, unless the rounds do not converge (too many, or too many
 * stalled), where the policy aborts or stops anyway.
 */
enum sr_decision sr_policy_decide(const struct sr_policy *p, const struct sr_round_stats *s);

struct sr_save_opts {
	bool live;                     /* pre-copy while the domain runs */
	const struct sr_policy *policy; /* live only; NULL for the default */
	/* Optional: called after each harvest of a live save. */
	void (*progress)(void *arg, const struct sr_round_stats *s);
	void *progress_arg;
};

struct sr_stats {
	unsigned rounds;       /* page rounds, the final one included */
	uint64_t pages;        /* frames sent with data */
	uint64_t zero_pages;   /* frames sent as zero (no data) */
	uint64_t bytes;        /* stream bytes (before any compression layer) */
	uint64_t paused_ns;    /* save: from the pause to the end of the stream */
};

struct sr_ctx {
	const struct sr_domain_ops *ops;
	void *dom;
	struct sr_domain_info info;
	struct sr_stats stats;
	char error[256];
	/* Private to the save or restore in progress. */
	struct sr_sink *sink;
	struct sr_source *source;
	uint64_t offset;     /* restore: bytes read so far */
	const char *rec;     /* the record being read, for messages */
	uint64_t rec_offset; /* where it starts in the stream */
	bool cleaned_up;
};

/* Prepares ctx for one save or one restore of dom through ops. */
void sr_ctx_init(struct sr_ctx *ctx, const struct sr_domain_ops *ops, void *dom);

/* The first error's message ("" if none): what failed, and where. */
const char *sr_ctx_error(const struct sr_ctx *ctx);

/*
 * Writes the domain to sink (and finishes it).  Not live: pauses the
 * domain first.  Live: sends memory while it runs, rounds as the policy
 * says, then pauses it for the last round.  Either way the domain is left
 * paused (unless the policy aborted a live save: -EAGAIN, left running);
 * the caller resumes or destroys it.  Returns 0 or -errno, with the
 * message in sr_ctx_error.
 */
int sr_save(struct sr_ctx *ctx, struct sr_sink *sink, const struct sr_save_opts *opts);

/*
 * Reads a stream from source into the domain (see the contract above).
 * Stops right after the stream's END record.  Returns 0, or -EINVAL for a
 * stream that breaks the format, -EPIPE for a truncated one, -ENOTSUP for
 * records Tern cannot restore, or the domain's or source's -errno; the
 * message (sr_ctx_error) names the record and its offset.
 */
int sr_restore(struct sr_ctx *ctx, struct sr_source *source);

#endif
