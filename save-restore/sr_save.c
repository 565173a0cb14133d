/*
 * The save algorithm: headers, memory (one paused round, or pre-copy
 * rounds that the policy ends), then the platform, vCPU and device state.
 * docs/stream-format.md lists the records in the order written here.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "device.h"
#include "sr_int.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int write_headers(struct sr_ctx *ctx)
{
	struct sr_libxl_hdr lh = { htobe64(SR_LIBXL_IDENT), htobe32(SR_LIBXL_VERSION), 0 };
	struct sr_image_hdr ih = { htobe64(SR_IHDR_MARKER), htobe32(SR_IHDR_ID), htobe32(SR_IHDR_VERSION), 0, 0, 0 };
	struct sr_domain_hdr dh = { htole32(SR_DHDR_TYPE_X86_HVM), htole16(SR_PAGE_SHIFT), 0, htole32(4),
				    htole32(17) };
	struct iovec iov;
	int err;

	iov = (struct iovec){ &lh, sizeof(lh) };
	err = sr__write(ctx, &iov, 1);
	if (!err)
		err = sr__write_record(ctx, SR_LIBXL_LIBXC_CONTEXT, NULL, 0);
	if (!err) {
		struct iovec hdrs[2] = { { &ih, sizeof(ih) }, { &dh, sizeof(dh) } };

		err = sr__write(ctx, hdrs, 2);
	}
	if (!err)
		err = sr__write_record(ctx, SR_LIBXC_STATIC_DATA_END, NULL, 0);
	return err;
}

static int merge_dirty(void *arg, uint64_t first, const uint64_t *bits, uint64_t nr_bits)
{
	sr__pfnset_merge(arg, first, bits, nr_bits);
	return 0;
}

static int harvest(struct sr_ctx *ctx, struct sr_pfnset *dirty)
{
	int err = ctx->ops->dirty_harvest(ctx->dom, merge_dirty, dirty);

	return err ? sr__fail(ctx, err, "cannot harvest dirty pages: %s", strerror(-err)) : 0;
}

static int pause_domain(struct sr_ctx *ctx)
{
	int err = ctx->ops->pause(ctx->dom);

	return err ? sr__fail(ctx, err, "cannot pause the domain: %s", strerror(-err)) : 0;
}

/*
 * Pre-copy: the whole memory, then the pages dirtied meanwhile, until the
 * policy says stop (returns 0 with the last harvest in dirty) or abort.
 */
static int precopy(struct sr_ctx *ctx, const struct sr_save_opts *opts, struct sr_pfnset *dirty)
{
	const struct sr_policy *policy = opts->policy ? opts->policy : &sr_policy_default;
	struct sr_round_stats st = { 0 };
	uint64_t prev = UINT64_MAX, t0 = now_ns(), bytes0 = ctx->stats.bytes;
	int err = ctx->ops->dirty_start(ctx->dom);

	if (err)
		return sr__fail(ctx, err, "cannot start log-dirty: %s", strerror(-err));
	err = sr__send_ranges(ctx, ctx->info.ranges, ctx->info.nr_ranges);
	for (;;) {
		if (err || (err = harvest(ctx, dirty)))
			return err;
		st.round = ++ctx->stats.rounds;
		st.dirty_pages = sr__pfnset_count(dirty);
		st.stalled_rounds = st.dirty_pages >= prev ? st.stalled_rounds + 1 : 0;
		st.round_bytes = ctx->stats.bytes - bytes0;
		st.round_ns = now_ns() - t0;
		prev = st.dirty_pages;
		if (opts->progress)
			opts->progress(opts->progress_arg, &st);
		switch (sr_policy_decide(policy, &st)) {
		case SR_STOP_COPY: return 0;
		case SR_ABORT: return sr__fail(ctx, -EAGAIN, "live save gave up after %u rounds: "
						  "%llu pages still dirty", st.round,
						  (unsigned long long)st.dirty_pages);
		case SR_CONTINUE: break;
		}
		t0 = now_ns();
		bytes0 = ctx->stats.bytes;
		err = sr__send_pfnset(ctx, dirty);
		sr__pfnset_clear(dirty);
	}
}

/* The paused round after pre-copy: what is dirty, and frames added since. */
static int final_round(struct sr_ctx *ctx, struct sr_pfnset *dirty)
{
	struct sr_range old[SR_MAX_RANGES], added[2 * SR_MAX_RANGES];
	unsigned nr_old = ctx->info.nr_ranges, nr_added;
	int err;

	memcpy(old, ctx->info.ranges, sizeof(old));
	err = harvest(ctx, dirty);
	if (!err)
		err = sr__get_info(ctx);
	if (err)
		return err;
	nr_added = sr__ranges_subtract(ctx->info.ranges, ctx->info.nr_ranges, old, nr_old, added);
	err = sr__send_ranges(ctx, added, nr_added);
	if (!err)
		err = sr__send_pfnset(ctx, dirty);
	ctx->stats.rounds++;
	return err;
}

static int save_memory(struct sr_ctx *ctx, const struct sr_save_opts *opts, uint64_t *paused_at)
{
	struct sr_pfnset dirty;
	int err;

	if (!opts->live) {
		err = pause_domain(ctx);
		*paused_at = now_ns();
		if (!err)
			err = sr__send_ranges(ctx, ctx->info.ranges, ctx->info.nr_ranges);
		ctx->stats.rounds = 1;
		return err;
	}
	if (sr__pfnset_init(&dirty, ctx->info.ranges, ctx->info.nr_ranges))
		return sr__fail(ctx, -ENOMEM, "out of memory for the dirty bitmap");
	err = precopy(ctx, opts, &dirty);
	if (!err)
		err = pause_domain(ctx);
	*paused_at = now_ns();
	if (!err)
		err = final_round(ctx, &dirty);
	sr__pfnset_destroy(&dirty);
	return err;
}

static int write_tsc(struct sr_ctx *ctx, struct sr_tsc *tsc)
{
	struct sr_tsc_info w;
	struct iovec iov = { &w, sizeof(w) };
	int err = ctx->ops->tsc_get(ctx->dom, tsc);

	if (err)
		return sr__fail(ctx, err, "cannot read the domain's TSC settings: %s", strerror(-err));
	w = (struct sr_tsc_info){ htole32(tsc->mode), htole32(tsc->khz), htole64(tsc->nsec),
				  htole32(tsc->incarnation), 0 };
	return sr__write_record(ctx, SR_LIBXC_X86_TSC_INFO, &iov, 1);
}

static int write_params(struct sr_ctx *ctx)
{
	struct sr_param p[SR_MAX_PARAMS];
	struct sr_hvm_param w[SR_MAX_PARAMS];
	struct sr_hvm_params_hdr h;
	unsigned nr = 0;
	int err = ctx->ops->params_get(ctx->dom, p, &nr);

	if (err)
		return sr__fail(ctx, err, "cannot read the domain's HVM params: %s", strerror(-err));
	if (nr > SR_MAX_PARAMS)
		return sr__fail(ctx, -EINVAL, "the domain reports %u HVM params", nr);
	if (nr == 0)
		return 0; /* the spec asks to elide empty data records */
	for (unsigned i = 0; i < nr; i++)
		w[i] = (struct sr_hvm_param){ htole64(p[i].index), htole64(p[i].value) };
	h = (struct sr_hvm_params_hdr){ htole32(nr), 0 };
	return sr__write_record(ctx, SR_LIBXC_HVM_PARAMS,
				(struct iovec[]){ { &h, sizeof(h) }, { w, nr * sizeof(w[0]) } }, 2);
}

static int write_hvm_context(struct sr_ctx *ctx, const struct hv_vcpu_state *vcpus, uint32_t tsc_khz)
{
	uint8_t *blob;
	size_t len;
	int err = sr__hvm_encode(ctx, vcpus, ctx->info.nr_vcpus, tsc_khz, &blob, &len);

	if (err)
		return err;
	err = sr__write_record(ctx, SR_LIBXC_HVM_CONTEXT, &(struct iovec){ blob, len }, 1);
	free(blob);
	return err;
}

/* EMULATOR_CONTEXT index SR_EMU_VCPUS: one SR_SUB_VCPU sub-record per vCPU. */
static int write_vcpu_recs(struct sr_ctx *ctx, const struct hv_vcpu_state *vcpus)
{
	struct sr_emulator_hdr eh = { htole32(SR_EMULATOR_ID), htole32(SR_EMU_VCPUS) };
	struct {
		struct hv_state_record h;
		struct sr_vcpu_rec r;
	} *recs = calloc(ctx->info.nr_vcpus, sizeof(*recs));
	int err;

	_Static_assert(sizeof(*recs) == sizeof(struct hv_state_record) + sizeof(struct sr_vcpu_rec),
		       "sub-records need no padding");
	if (!recs)
		return sr__fail(ctx, -ENOMEM, "out of memory for the vCPU sub-records");
	for (unsigned i = 0; i < ctx->info.nr_vcpus; i++) {
		recs[i].h = (struct hv_state_record){ htole32(SR_SUB_VCPU), htole32(SR_SUB_VCPU_VERSION),
						      htole32(sizeof(recs[i].r)), 0 };
		sr__vcpu_rec_encode(&vcpus[i], i, &recs[i].r);
	}
	err = sr__write_record(ctx, SR_LIBXL_EMULATOR_CONTEXT,
			       (struct iovec[]){ { &eh, sizeof(eh) },
						 { recs, ctx->info.nr_vcpus * sizeof(*recs) } }, 2);
	free(recs);
	return err;
}

/* EMULATOR_CONTEXT index SR_EMU_DEVICES: tern-hv's device-state blob. */
static int write_devices(struct sr_ctx *ctx)
{
	struct sr_emulator_hdr eh = { htole32(SR_EMULATOR_ID), htole32(SR_EMU_DEVICES) };
	uint8_t *blob = NULL;
	size_t len = 0;
	int err = ctx->ops->devices_get(ctx->dom, &blob, &len);

	if (err)
		return sr__fail(ctx, err, "cannot read the device state: %s", strerror(-err));
	if (len > SR_MAX_RECORD - sizeof(eh))
		err = sr__fail(ctx, -EFBIG, "the device state (%zu bytes) is over the record limit", len);
	else
		err = sr__write_record(ctx, SR_LIBXL_EMULATOR_CONTEXT,
				       (struct iovec[]){ { &eh, sizeof(eh) }, { blob, len } }, 2);
	free(blob);
	return err;
}

static int get_vcpus(struct sr_ctx *ctx, struct hv_vcpu_state *vcpus)
{
	for (unsigned i = 0; i < ctx->info.nr_vcpus; i++) {
		int err = ctx->ops->vcpu_get(ctx->dom, i, &vcpus[i]);

		if (err)
			return sr__fail(ctx, err, "cannot read vCPU %u: %s", i, strerror(-err));
	}
	return 0;
}

/* Everything after memory, with the domain paused. */
static int write_state(struct sr_ctx *ctx)
{
	struct hv_vcpu_state *vcpus = calloc(ctx->info.nr_vcpus, sizeof(*vcpus));
	struct sr_tsc tsc;
	int err;

	if (!vcpus)
		return sr__fail(ctx, -ENOMEM, "out of memory for the vCPU states");
	err = write_tsc(ctx, &tsc);
	if (!err)
		err = write_params(ctx);
	if (!err)
		err = get_vcpus(ctx, vcpus);
	if (!err)
		err = write_hvm_context(ctx, vcpus, tsc.khz);
	if (!err)
		err = sr__write_record(ctx, SR_LIBXC_END, NULL, 0);
	if (!err)
		err = write_vcpu_recs(ctx, vcpus);
	if (!err)
		err = write_devices(ctx);
	if (!err)
		err = sr__write_record(ctx, SR_LIBXL_END, NULL, 0);
	free(vcpus);
	return err;
}

int sr_save(struct sr_ctx *ctx, struct sr_sink *sink, const struct sr_save_opts *opts)
{
	uint64_t paused_at = 0;
	int err;

	if (ctx->cleaned_up)
		return sr__fail(ctx, -EINVAL, "this context was used already");
	ctx->sink = sink;
	err = sr__get_info(ctx);
	if (!err)
		err = write_headers(ctx);
	if (!err)
		err = save_memory(ctx, opts, &paused_at);
	if (!err)
		err = write_state(ctx);
	if (!err && (err = sink->finish(sink)))
		sr__fail(ctx, err, "cannot finish the stream: %s", strerror(-err));
	if (paused_at)
		ctx->stats.paused_ns = now_ns() - paused_at;
	ctx->cleaned_up = true;
	ctx->ops->cleanup(ctx->dom);
	return err;
}
