/*
 * Unit tests for the save and restore algorithms (save-restore/sr_save.c,
 * sr_restore*.c, sr_io.c, sr_zlib.c) on the memory-backed domain: streams
 * written and read back must give the same memory, vCPUs, params, TSC
 * settings and device state; live rounds, frames added while running,
 * zeroed pages, the policy's abort, failing operations (cleanup still runs
 * once), compression and file descriptors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sr.h"
#include "sr_mem_domain.h"
#include "sr_zlib.h"

#define NR_FRAMES 578 /* in the sample domain */

static int save(struct sr_mem_domain *m, const struct sr_save_opts *opts, struct sr_mem_sink *out,
		struct sr_ctx *ctx)
{
	static const struct sr_save_opts plain;

	sr_mem_sink_init(out);
	sr_ctx_init(ctx, &sr_mem_domain_ops, m);
	return sr_save(ctx, &out->sink, opts ? opts : &plain);
}

static int restore(struct sr_mem_domain *dst, const void *data, size_t len, struct sr_ctx *ctx)
{
	struct sr_mem_source src;

	sr_mem_source_init(&src, data, len);
	sr_ctx_init(ctx, &sr_mem_domain_ops, dst);
	return sr_restore(ctx, &src.source);
}

static void assert_same(struct sr_mem_domain *a, struct sr_mem_domain *b)
{
	assert_int_equal(a->info.nr_ranges, b->info.nr_ranges);
	for (unsigned r = 0; r < a->info.nr_ranges; r++)
		assert_memory_equal(a->mem[r], b->mem[r], a->info.ranges[r].count * 4096);
	for (unsigned i = 0; i < a->info.nr_vcpus; i++)
		assert_memory_equal(&a->vcpus[i], &b->vcpus[i], sizeof(a->vcpus[i]));
	assert_int_equal(a->nr_params, b->nr_params);
	assert_memory_equal(a->params, b->params, a->nr_params * sizeof(a->params[0]));
	assert_memory_equal(&a->tsc, &b->tsc, sizeof(a->tsc));
	assert_int_equal(a->devices_len, b->devices_len);
	assert_memory_equal(a->devices, b->devices, a->devices_len);
}

/* Saves a sample domain, restores it into an empty one, compares. */
static void roundtrip(unsigned nr_vcpus)
{
	struct sr_mem_domain src, dst;
	struct sr_mem_sink out;
	struct sr_ctx sc, rc;

	assert_int_equal(sr_mem_sample_init(&src, nr_vcpus, true, 1), 0);
	assert_int_equal(sr_mem_sample_init(&dst, nr_vcpus, false, 0), 0);
	assert_int_equal(save(&src, NULL, &out, &sc), 0);
	assert_true(src.paused);
	assert_int_equal(src.cleanups, 1);
	assert_int_equal(sc.stats.rounds, 1);
	assert_int_equal(sc.stats.pages + sc.stats.zero_pages, NR_FRAMES);
	assert_true(sc.stats.pages > 0 && sc.stats.zero_pages > 0);
	assert_int_equal(sc.stats.bytes, out.len);
	assert_int_equal(restore(&dst, out.data, out.len, &rc), 0);
	assert_string_equal(sr_ctx_error(&rc), "");
	assert_int_equal(dst.cleanups, 1);
	assert_int_equal(rc.stats.pages, sc.stats.pages);
	assert_int_equal(rc.stats.bytes, out.len);
	assert_same(&src, &dst);
	sr_mem_sink_destroy(&out);
	sr_mem_domain_destroy(&src);
	sr_mem_domain_destroy(&dst);
}

static void test_roundtrip_1vcpu(void **state)
{
	(void)state;
	roundtrip(1);
}

static void test_roundtrip_4vcpus(void **state)
{
	(void)state;
	roundtrip(4);
}

/* Zero frames travel without data: an idle domain is a small stream. */
static void test_idle_is_small(void **state)
{
	struct sr_mem_domain src;
	struct sr_mem_sink out;
	struct sr_ctx sc;

	(void)state;
	assert_int_equal(sr_mem_sample_init(&src, 1, false, 0), 0);
	assert_int_equal(save(&src, NULL, &out, &sc), 0);
	assert_int_equal(sc.stats.pages, 0);
	assert_int_equal(sc.stats.zero_pages, NR_FRAMES);
	assert_true(out.len < 16384);
	sr_mem_sink_destroy(&out);
	sr_mem_domain_destroy(&src);
}

struct writer {
	unsigned rounds_seen;
	uint8_t value;
};

/* The guest keeps writing frames 20-59 and zeroes frame 0 once. */
static void busy_guest(struct sr_mem_domain *m, void *arg)
{
	struct writer *w = arg;

	for (uint64_t pfn = 20; pfn < 60; pfn++)
		sr_mem_domain_touch(m, pfn, ++w->value);
	if (m->harvests == 2)
		sr_mem_domain_touch(m, 0, 0);
	if (m->harvests == 2)
		assert_int_equal(sr_mem_domain_add_range(m, 0x100400, 3), 0);
	if (m->harvests == 3)
		sr_mem_domain_touch(m, 0x100401, 0x77);
}

static void count_rounds(void *arg, const struct sr_round_stats *s)
{
	struct writer *w = arg;

	w->rounds_seen++;
	assert_int_equal(s->round, w->rounds_seen);
	assert_int_equal(s->dirty_pages, 40 + (s->round == 2)); /* frame 0 zeroed */
}

/* Pre-copy: rounds until the policy stops them, then the paused round. */
static void test_live(void **state)
{
	struct sr_policy policy = { .downtime_ns = 0, .max_rounds = 3, .max_stalled = 10 };
	struct writer w = { 0, 0 };
	struct sr_save_opts opts = { .live = true, .policy = &policy, .progress = count_rounds,
				     .progress_arg = &w };
	struct sr_mem_domain src, dst;
	struct sr_mem_sink out;
	struct sr_ctx sc, rc;

	(void)state;
	assert_int_equal(sr_mem_sample_init(&src, 2, true, 2), 0);
	assert_int_equal(sr_mem_sample_init(&dst, 2, false, 0), 0);
	assert_int_equal(sr_mem_domain_add_range(&dst, 0x100400, 3), 0);
	src.on_harvest = busy_guest;
	src.on_harvest_arg = &w;
	assert_non_null(sr_mem_domain_page(&src, 0));
	assert_int_equal(save(&src, &opts, &out, &sc), 0);
	assert_int_equal(w.rounds_seen, 4);    /* rounds 1-4: the 4th goes past max_rounds */
	assert_int_equal(sc.stats.rounds, 5);  /* and the paused one */
	assert_int_equal(src.harvests, 5);
	assert_true(src.paused);
	assert_false(src.logging);
	assert_int_equal(restore(&dst, out.data, out.len, &rc), 0);
	assert_same(&src, &dst);
	assert_int_equal(sr_mem_domain_page(&dst, 0)[100], 0);
	assert_int_equal(sr_mem_domain_page(&dst, 0x100401)[7], 0x77);
	sr_mem_sink_destroy(&out);
	sr_mem_domain_destroy(&src);
	sr_mem_domain_destroy(&dst);
}

/* A policy that gives up: -EAGAIN, the domain keeps running. */
static void test_live_abort(void **state)
{
	struct sr_policy policy = { .downtime_ns = 0, .max_rounds = 2, .max_stalled = 2,
				    .abort_if_stuck = true };
	struct writer w = { 0, 0 };
	struct sr_save_opts opts = { .live = true, .policy = &policy };
	struct sr_mem_domain src;
	struct sr_mem_sink out;
	struct sr_ctx sc;

	(void)state;
	assert_int_equal(sr_mem_sample_init(&src, 1, true, 0), 0);
	src.on_harvest = busy_guest;
	src.on_harvest_arg = &w;
	assert_int_equal(save(&src, &opts, &out, &sc), -EAGAIN);
	assert_non_null(strstr(sr_ctx_error(&sc), "gave up"));
	assert_false(src.paused);
	assert_int_equal(src.cleanups, 1);
	sr_mem_sink_destroy(&out);
	sr_mem_domain_destroy(&src);
}

/* Any operation failing ends the save or restore; cleanup runs once. */
static void test_failing_ops(void **state)
{
	static const enum sr_mem_op save_ops[] = {
		SR_MEM_INFO, SR_MEM_FRAME_MAP, SR_MEM_DIRTY_START, SR_MEM_DIRTY_HARVEST, SR_MEM_PAUSE,
		SR_MEM_TSC_GET, SR_MEM_PARAMS_GET, SR_MEM_VCPU_GET, SR_MEM_DEVICES_GET,
	};
	static const enum sr_mem_op restore_ops[] = {
		SR_MEM_INFO, SR_MEM_FRAME_MAP, SR_MEM_TSC_SET, SR_MEM_PARAMS_SET, SR_MEM_VCPU_SET,
		SR_MEM_DEVICES_SET,
	};
	struct sr_save_opts live = { .live = true };
	struct sr_mem_domain src, dst;
	struct sr_mem_sink good, out;
	struct sr_ctx ctx;

	(void)state;
	assert_int_equal(sr_mem_sample_init(&src, 1, true, 0), 0);
	assert_int_equal(save(&src, NULL, &good, &ctx), 0);
	for (unsigned i = 0; i < sizeof(save_ops) / sizeof(save_ops[0]); i++) {
		src.cleanups = 0;
		src.fail_mask = 1u << save_ops[i];
		assert_int_equal(save(&src, &live, &out, &ctx), -EIO);
		assert_true(strlen(sr_ctx_error(&ctx)) > 0);
		assert_int_equal(src.cleanups, 1);
		sr_mem_sink_destroy(&out);
	}
	for (unsigned i = 0; i < sizeof(restore_ops) / sizeof(restore_ops[0]); i++) {
		assert_int_equal(sr_mem_sample_init(&dst, 1, false, 0), 0);
		dst.fail_mask = 1u << restore_ops[i];
		assert_int_equal(restore(&dst, good.data, good.len, &ctx), -EIO);
		assert_true(strlen(sr_ctx_error(&ctx)) > 0);
		assert_int_equal(dst.cleanups, 1);
		sr_mem_domain_destroy(&dst);
	}
	sr_mem_sink_destroy(&good);
	sr_mem_domain_destroy(&src);
}

/* A context serves one save or restore. */
static void test_context_used_once(void **state)
{
	struct sr_mem_domain src;
	struct sr_mem_sink out;
	struct sr_save_opts opts = { 0 };
	struct sr_ctx ctx;

	(void)state;
	assert_int_equal(sr_mem_sample_init(&src, 1, false, 0), 0);
	assert_int_equal(save(&src, NULL, &out, &ctx), 0);
	assert_int_equal(sr_save(&ctx, &out.sink, &opts), -EINVAL);
	assert_int_equal(src.cleanups, 1);
	sr_mem_sink_destroy(&out);
	sr_mem_domain_destroy(&src);
}

/* A stream for more vCPUs than the domain has is refused. */
static void test_vcpu_count_mismatch(void **state)
{
	struct sr_mem_domain src, dst;
	struct sr_mem_sink out;
	struct sr_ctx ctx;

	(void)state;
	assert_int_equal(sr_mem_sample_init(&src, 2, true, 0), 0);
	assert_int_equal(sr_mem_sample_init(&dst, 1, false, 0), 0);
	assert_int_equal(save(&src, NULL, &out, &ctx), 0);
	assert_int_equal(restore(&dst, out.data, out.len, &ctx), -EINVAL);
	assert_non_null(strstr(sr_ctx_error(&ctx), "HVM_CONTEXT record at offset"));
	assert_non_null(strstr(sr_ctx_error(&ctx), "vCPU 1; the domain has 1"));
	sr_mem_sink_destroy(&out);
	sr_mem_domain_destroy(&src);
	sr_mem_domain_destroy(&dst);
}

static void test_zlib(void **state)
{
	struct sr_mem_domain src, dst;
	struct sr_mem_sink out;
	struct sr_zlib_sink *zs = malloc(sizeof(*zs));
	struct sr_zlib_source *zr = malloc(sizeof(*zr));
	struct sr_mem_source raw;
	struct sr_save_opts opts = { 0 };
	struct sr_ctx ctx;

	(void)state;
	assert_int_equal(sr_mem_sample_init(&src, 2, true, 3), 0);
	assert_int_equal(sr_mem_sample_init(&dst, 2, false, 0), 0);
	sr_mem_sink_init(&out);
	assert_int_equal(sr_zlib_sink_init(zs, &out.sink, 6), 0);
	sr_ctx_init(&ctx, &sr_mem_domain_ops, &src);
	assert_int_equal(sr_save(&ctx, &zs->sink, &opts), 0);
	assert_true(out.len < ctx.stats.bytes / 4);
	assert_int_equal(out.data[0], 0x1f);
	sr_mem_source_init(&raw, out.data, out.len);
	assert_int_equal(sr_zlib_source_init(zr, &raw.source), 0);
	assert_true(sr_zlib_source_compressed(zr));
	sr_ctx_init(&ctx, &sr_mem_domain_ops, &dst);
	assert_int_equal(sr_restore(&ctx, &zr->source), 0);
	assert_same(&src, &dst);
	sr_zlib_source_destroy(zr);

	/* Truncated, then corrupted, compressed streams. */
	sr_mem_source_init(&raw, out.data, out.len / 2);
	assert_int_equal(sr_zlib_source_init(zr, &raw.source), 0);
	sr_ctx_init(&ctx, &sr_mem_domain_ops, &dst);
	assert_int_equal(sr_restore(&ctx, &zr->source), -EPIPE);
	sr_zlib_source_destroy(zr);
	out.data[out.len / 3] ^= 0xff;
	sr_mem_source_init(&raw, out.data, out.len);
	assert_int_equal(sr_zlib_source_init(zr, &raw.source), 0);
	sr_ctx_init(&ctx, &sr_mem_domain_ops, &dst);
	assert_int_not_equal(sr_restore(&ctx, &zr->source), 0);
	sr_zlib_source_destroy(zr);

	sr_zlib_sink_destroy(zs);
	sr_mem_sink_destroy(&out);
	sr_mem_domain_destroy(&src);
	sr_mem_domain_destroy(&dst);
	free(zs);
	free(zr);
}

/* Without the gzip magic the zlib source passes the stream through. */
static void test_zlib_passthrough(void **state)
{
	struct sr_mem_domain src, dst;
	struct sr_mem_sink out;
	struct sr_zlib_source *zr = malloc(sizeof(*zr));
	struct sr_mem_source raw;
	struct sr_ctx ctx;

	(void)state;
	assert_int_equal(sr_mem_sample_init(&src, 1, true, 0), 0);
	assert_int_equal(sr_mem_sample_init(&dst, 1, false, 0), 0);
	assert_int_equal(save(&src, NULL, &out, &ctx), 0);
	sr_mem_source_init(&raw, out.data, out.len);
	assert_int_equal(sr_zlib_source_init(zr, &raw.source), 0);
	assert_false(sr_zlib_source_compressed(zr));
	assert_int_equal(restore(&dst, NULL, 0, &ctx), -EPIPE);
	sr_ctx_init(&ctx, &sr_mem_domain_ops, &dst);
	assert_int_equal(sr_restore(&ctx, &zr->source), 0);
	assert_same(&src, &dst);
	sr_zlib_source_destroy(zr);
	sr_mem_sink_destroy(&out);
	sr_mem_domain_destroy(&src);
	sr_mem_domain_destroy(&dst);
	free(zr);
}

/* Through a pipe: the fd sink and source. */
static void test_fd(void **state)
{
	struct sr_mem_domain src, dst;
	struct sr_fd_sink sink;
	struct sr_fd_source source;
	struct sr_save_opts opts = { 0 };
	struct sr_ctx ctx;
	FILE *f = tmpfile();

	(void)state;
	assert_non_null(f);
	assert_int_equal(sr_mem_sample_init(&src, 2, true, 4), 0);
	assert_int_equal(sr_mem_sample_init(&dst, 2, false, 0), 0);
	sr_fd_sink_init(&sink, fileno(f));
	sr_ctx_init(&ctx, &sr_mem_domain_ops, &src);
	assert_int_equal(sr_save(&ctx, &sink.sink, &opts), 0);
	assert_int_equal(lseek(fileno(f), 0, SEEK_SET), 0);
	sr_fd_source_init(&source, fileno(f));
	sr_ctx_init(&ctx, &sr_mem_domain_ops, &dst);
	assert_int_equal(sr_restore(&ctx, &source.source), 0);
	assert_same(&src, &dst);
	fclose(f);
	sr_mem_domain_destroy(&src);
	sr_mem_domain_destroy(&dst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_1vcpu),
		cmocka_unit_test(test_roundtrip_4vcpus),
		cmocka_unit_test(test_idle_is_small),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_live_abort),
		cmocka_unit_test(test_failing_ops),
		cmocka_unit_test(test_context_used_once),
		cmocka_unit_test(test_vcpu_count_mismatch),
		cmocka_unit_test(test_zlib),
		cmocka_unit_test(test_zlib_passthrough),
		cmocka_unit_test(test_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
