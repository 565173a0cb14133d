/*
 * Unit tests for the pre-copy policy (save-restore/sr_policy.c) driven by
 * hand-made statistics, and for the frame sets and range arithmetic the
 * save loop builds on (sr_pfnset.c, sr_common.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sr_int.h"

/* 1 GiB/s: 4096 bytes a microsecond. */
#define ROUND(r, dirty, stalled) \
	((struct sr_round_stats){ r, dirty, stalled, 4096ull * 1000000, 1000000000ull })

static void test_policy(void **state)
{
	const struct sr_policy *p = &sr_policy_default;
	struct sr_policy stuck = *p;
	struct sr_round_stats s;

	(void)state;
	assert_int_equal(sr_policy_decide(p, &ROUND(1, 0, 0)), SR_STOP_COPY);
	/* 30 ms at 4096 bytes/us: 30000 pages fit, 30001 do not. */
	assert_int_equal(sr_policy_decide(p, &ROUND(1, 30000, 0)), SR_STOP_COPY);
	assert_int_equal(sr_policy_decide(p, &ROUND(1, 30001, 0)), SR_CONTINUE);
	assert_int_equal(sr_policy_decide(p, &ROUND(30, 100000, 4)), SR_CONTINUE);
	assert_int_equal(sr_policy_decide(p, &ROUND(31, 100000, 0)), SR_STOP_COPY);
	assert_int_equal(sr_policy_decide(p, &ROUND(3, 100000, 5)), SR_STOP_COPY);
	stuck.abort_if_stuck = true;
	assert_int_equal(sr_policy_decide(&stuck, &ROUND(31, 100000, 0)), SR_ABORT);
	assert_int_equal(sr_policy_decide(&stuck, &ROUND(3, 100000, 5)), SR_ABORT);
	assert_int_equal(sr_policy_decide(&stuck, &ROUND(3, 10, 5)), SR_STOP_COPY);
	/* Nothing measured yet: keep going. */
	s = ROUND(1, 5, 0);
	s.round_ns = 0;
	assert_int_equal(sr_policy_decide(p, &s), SR_CONTINUE);
	s = ROUND(1, 5, 0);
	s.round_bytes = 0;
	assert_int_equal(sr_policy_decide(p, &s), SR_CONTINUE);
}

static void test_ranges_subtract(void **state)
{
	const struct sr_range old[] = { { 10, 10 }, { 30, 5 }, { 100, 1 } };
	const struct sr_range cur[] = { { 0, 40 }, { 100, 3 }, { 200, 2 } };
	struct sr_range out[6];

	(void)state;
	assert_int_equal(sr__ranges_subtract(cur, 3, old, 3, out), 5);
	assert_int_equal(out[0].first, 0), assert_int_equal(out[0].count, 10);
	assert_int_equal(out[1].first, 20), assert_int_equal(out[1].count, 10);
	assert_int_equal(out[2].first, 35), assert_int_equal(out[2].count, 5);
	assert_int_equal(out[3].first, 101), assert_int_equal(out[3].count, 2);
	assert_int_equal(out[4].first, 200), assert_int_equal(out[4].count, 2);
	assert_int_equal(sr__ranges_subtract(old, 3, old, 3, out), 0);
	assert_int_equal(sr__ranges_subtract(old, 3, cur, 3, out), 0);
}

static void test_pfnset(void **state)
{
	const struct sr_range r[] = { { 0, 100 }, { 1000, 70 }, { 5000, 1 } };
	uint64_t bits[4] = { ~0ull, ~0ull, ~0ull, ~0ull };
	struct sr_pfnset s;
	unsigned ri;
	uint64_t bit;

	(void)state;
	assert_int_equal(sr__pfnset_init(&s, r, 3), 0);
	assert_int_equal(sr__pfnset_count(&s), 0);
	assert_true(sr__pfnset_find(&s, 1069, &ri, &bit));
	assert_int_equal(ri, 1), assert_int_equal(bit, 69);
	assert_true(sr__pfnset_find(&s, 5000, &ri, &bit));
	assert_false(sr__pfnset_find(&s, 100, &ri, &bit));
	assert_false(sr__pfnset_find(&s, 1070, &ri, &bit));
	assert_false(sr__pfnset_find(&s, 5001, &ri, &bit));
	/* Aligned with range 0: bits 0-99 of a 256-bit piece. */
	sr__pfnset_merge(&s, 0, bits, 256);
	assert_int_equal(sr__pfnset_count(&s), 100);
	/* Unaligned, straddling the start and end of range 1. */
	sr__pfnset_merge(&s, 990, bits, 20);
	assert_int_equal(sr__pfnset_count(&s), 110);
	bits[0] = 1ull << 10;
	bits[1] = 0;
	sr__pfnset_merge(&s, 4990, bits, 128);
	assert_int_equal(sr__pfnset_count(&s), 111);
	sr__pfnset_merge(&s, 7000, bits, 128); /* outside every range */
	assert_int_equal(sr__pfnset_count(&s), 111);
	sr__pfnset_clear(&s);
	assert_int_equal(sr__pfnset_count(&s), 0);
	sr__pfnset_destroy(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_ranges_subtract),
		cmocka_unit_test(test_pfnset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
