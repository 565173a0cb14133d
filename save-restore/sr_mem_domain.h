/*
 * A domain made of plain memory behind the save-restore ops table: frames
 * in malloc'd buffers, canned vCPU states, params, TSC settings and a
 * device blob, a log-dirty bitmap that the test's own writes fill.  For the
 * unit tests and the fuzzer of the stream; no tern-hv behind it.
 */
#ifndef SR_MEM_DOMAIN_H
#define SR_MEM_DOMAIN_H

#include "sr.h"

/* The operations a test can make fail (bit numbers of fail_mask). */
enum sr_mem_op {
	SR_MEM_INFO,
	SR_MEM_FRAME_MAP,
	SR_MEM_DIRTY_START,
	SR_MEM_DIRTY_HARVEST,
	SR_MEM_PAUSE,
	SR_MEM_TSC_GET,
	SR_MEM_TSC_SET,
	SR_MEM_PARAMS_GET,
	SR_MEM_PARAMS_SET,
	SR_MEM_VCPU_GET,
	SR_MEM_VCPU_SET,
	SR_MEM_DEVICES_GET,
	SR_MEM_DEVICES_SET,
};

struct sr_mem_domain {
	struct sr_domain_info info;
	uint8_t *mem[SR_MAX_RANGES];   /* one buffer per range */
	struct hv_vcpu_state *vcpus;   /* [info.nr_vcpus] */
	struct sr_tsc tsc;
	unsigned nr_params;
	struct sr_param params[SR_MAX_PARAMS];
	uint8_t *devices;              /* malloc'd */
	size_t devices_len;
	bool logging;                  /* log-dirty on */
	uint64_t *dirty[SR_MAX_RANGES];
	bool paused;
	unsigned cleanups;             /* cleanup calls */
	unsigned harvests;
	/* Called at each harvest, before the bitmap is handed out. */
	void (*on_harvest)(struct sr_mem_domain *m, void *arg);
	void *on_harvest_arg;
	uint32_t fail_mask;            /* 1 << SR_MEM_*: these ops fail, -EIO */
};

/*
 * Builds m with nr_vcpus zeroed vCPU states and zeroed frames in
 * r[0..nr) (sorted, disjoint).  Returns 0 or -errno.
 */
int sr_mem_domain_init(struct sr_mem_domain *m, unsigned nr_vcpus, const struct sr_range *r, unsigned nr);

/* Frees everything. */
void sr_mem_domain_destroy(struct sr_mem_domain *m);

/* The page of frame pfn, or NULL if m has no such frame. */
uint8_t *sr_mem_domain_page(struct sr_mem_domain *m, uint64_t pfn);

/* Writes like the guest: fills the page of pfn with byte c, marks it dirty. */
void sr_mem_domain_touch(struct sr_mem_domain *m, uint64_t pfn, uint8_t c);

/*
 * Backs frames [first, first + count) too (above every range so far), as
 * a domain that adds frames while it runs.  0 or -errno.
 */
int sr_mem_domain_add_range(struct sr_mem_domain *m, uint64_t first, uint64_t count);

/* Replaces the device blob with a copy of len bytes.  0 or -ENOMEM. */
int sr_mem_domain_set_devices(struct sr_mem_domain *m, const void *blob, size_t len);

extern const struct sr_domain_ops sr_mem_domain_ops;

/*
 * The sample domain of the tests, seeds and fuzzer: frames 0-511, two
 * frames in a hole at 0xfeff0 and 64 above 4 GiB; with fill, a pattern in
 * some frames (seed picks it; the rest zero), realistic 64-bit vCPU states
 * (sr_mem_sample_vcpu), params, TSC settings and a device blob.  Without
 * fill, everything zero: a domain to restore into.  0 or -errno.
 */
int sr_mem_sample_init(struct sr_mem_domain *m, unsigned nr_vcpus, bool fill, unsigned seed);

/* A vCPU state in 64-bit mode with every field set, varied by seed. */
void sr_mem_sample_vcpu(struct hv_vcpu_state *s, unsigned seed);

#endif
