/*
 * Unit tests for log-dirty tracking on fake domains (no KVM VM, so only the
 * hypervisor's own log): writes, fills, pages and regions that a write
 * spans, mappings for writing, grant copies, frames added in holes and above
 * 4 GiB, the bitmap's size, and a writer racing with harvests (nothing may
 * be lost).  tests/kvm/logdirty.c covers KVM's half on real domains.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fake_domain.h"
#include "gnttab.h"
#include "logdirty.h"

#define MIB (1ULL << 20)
#define PAGE HV_PAGE_SIZE
#define TABLE_GFN 0x20ULL
#define DATA_GFN 0x30ULL
#define HOLE_GFN 0xfeff0ULL
#define MAX_EXPECT 8

struct ctx {
	struct fake_domain f;
	struct hv_domain *d;
	uint64_t *bits;
	uint64_t nr_gfns;
	uint64_t *baseline; /* what a harvest reports when nothing was written */
	uint64_t baseline_gfns;
};

static struct ctx x;

static bool test_bit(const uint64_t *b, uint64_t gfn)
{
	return (b[gfn / 64] >> (gfn % 64)) & 1;
}

/* Harvests into x.bits (sized by the current query); returns the count. */
static uint64_t harvest(void)
{
	uint64_t n = 0;

	x.nr_gfns = hv_logdirty_nr_gfns(x.d);
	x.bits = realloc(x.bits, HV_LOGDIRTY_BITMAP_BYTES(x.nr_gfns));
	assert_non_null(x.bits);
	assert_int_equal(hv_logdirty_harvest(x.d, x.bits, x.nr_gfns, &n), 0);
	return n;
}

/* Harvests twice with nothing written in between: the second is the baseline. */
static void take_baseline(void)
{
	harvest();
	harvest();
	free(x.baseline);
	x.baseline = x.bits;
	x.baseline_gfns = x.nr_gfns;
	x.bits = NULL;
}

static bool in_baseline(uint64_t gfn)
{
	return gfn < x.baseline_gfns && test_bit(x.baseline, gfn);
}

/* Harvests and checks that exactly the baseline and want[0..n) are dirty. */
static void expect_dirty(const uint64_t *want, size_t n)
{
	uint64_t count = harvest();

	for (size_t i = 0; i < n; i++)
		if (!test_bit(x.bits, want[i]))
			fail_msg("frame 0x%llx is not reported", (unsigned long long)want[i]);
	for (uint64_t g = 0; g < x.baseline_gfns; g++)
		if (in_baseline(g) && !test_bit(x.bits, g))
			fail_msg("write-mapped frame 0x%llx is not reported",
				 (unsigned long long)g);
	for (uint64_t g = 0; g < x.nr_gfns; g++) {
		bool wanted = in_baseline(g);

		for (size_t i = 0; i < n; i++)
			wanted |= want[i] == g;
		if (test_bit(x.bits, g) && !wanted)
			fail_msg("frame 0x%llx is reported", (unsigned long long)g);
	}
	assert_true(count >= n);
}

#define EXPECT(...)                                                                      \
	do {                                                                             \
		const uint64_t want_[] = { __VA_ARGS__ };                                \
		expect_dirty(want_, sizeof(want_) / sizeof(want_[0]));                   \
	} while (0)
#define EXPECT_NONE() expect_dirty(NULL, 0)

static int setup_mib(uint64_t ram_mib)
{
	memset(&x, 0, sizeof(x));
	if (fake_domain_init(&x.f, ram_mib, 1))
		return -1;
	x.d = &x.f.d;
	if (hv_logdirty_enable(x.d))
		return -1;
	take_baseline();
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_mib(16);
}

static int teardown(void **state)
{
	(void)state;
	fake_domain_destroy(&x.f);
	free(x.bits);
	free(x.baseline);
	return 0;
}

static void put(uint64_t gpa, const void *p, size_t len)
{
	assert_int_equal(hv_gmem_write(&x.d->mem, gpa, p, len), 0);
}

static void writes_mark_their_pages(void **state)
{
	uint8_t buf[2 * PAGE] = { 1 };

	(void)state;
	put(0x100 * PAGE + 10, buf, 8);
	EXPECT(0x100);
	EXPECT_NONE(); /* the harvest reset it */
	put(0x101 * PAGE + PAGE - 1, buf, 2);
	EXPECT(0x101, 0x102);
	put(0x200 * PAGE + 1, buf, sizeof(buf));
	EXPECT(0x200, 0x201, 0x202);
	assert_int_equal(hv_gmem_read(&x.d->mem, 0x300 * PAGE, buf, sizeof(buf)), 0);
	EXPECT_NONE();
	/* A write that fails (not all backed) marks nothing. */
	assert_int_equal(hv_gmem_write(&x.d->mem, 16 * MIB - 4, buf, 8), -EFAULT);
	EXPECT_NONE();
}

static void fills_mark_every_page(void **state)
{
	(void)state;
	assert_int_equal(hv_gmem_fill(&x.d->mem, 0x400 * PAGE + 0x800, 0xa5, 3 * PAGE), 0);
	EXPECT(0x400, 0x401, 0x402, 0x403);
	assert_int_equal(hv_gmem_fill(&x.d->mem, 0x500 * PAGE, 0, 0), 0);
	EXPECT_NONE();
}

static void write_mappings_stay_dirty(void **state)
{
	uint32_t *w;

	(void)state;
	assert_non_null(hv_gmem_map(&x.d->mem, 0x600 * PAGE, 8, false));
	EXPECT_NONE();
	w = hv_gmem_map(&x.d->mem, 0x610 * PAGE + PAGE - 2, 4, true);
	assert_non_null(w);
	EXPECT(0x610, 0x611);
	/* Devices keep the pointer and write through it at any time. */
	EXPECT(0x610, 0x611);
	hv_logdirty_disable(x.d);
	assert_non_null(hv_gmem_map(&x.d->mem, 0x620 * PAGE, 4, true));
	assert_int_equal(hv_logdirty_enable(x.d), 0);
	/* Mapped while logging was off: counted all the same. */
	EXPECT(0x610, 0x611, 0x620);
}

static void only_writes_while_on_count(void **state)
{
	uint64_t v = 1;

	(void)state;
	assert_int_equal(hv_logdirty_enable(x.d), -EALREADY);
	hv_logdirty_disable(x.d);
	hv_logdirty_disable(x.d);
	x.bits = realloc(x.bits, HV_LOGDIRTY_BITMAP_BYTES(x.baseline_gfns));
	assert_int_equal(hv_logdirty_harvest(x.d, x.bits, x.baseline_gfns, NULL), -EINVAL);
	put(0x700 * PAGE, &v, sizeof(v));
	assert_int_equal(hv_logdirty_enable(x.d), 0);
	EXPECT_NONE();
	put(0x701 * PAGE, &v, sizeof(v));
	hv_logdirty_disable(x.d);
	assert_int_equal(hv_logdirty_enable(x.d), 0);
	EXPECT_NONE(); /* enabling starts a clean log */
}

static void grant(grant_ref_t ref, uint16_t flags, uint64_t gfn)
{
	grant_entry_v1_t e = { .flags = flags, .domid = 0, .frame = (uint32_t)gfn };

	put((TABLE_GFN << 12) + ref * sizeof(e), &e, sizeof(e));
}

static void grant_copies(void **state)
{
	uint8_t buf[100] = { 7 };
	struct hv_grant_map m;

	(void)state;
	assert_int_equal(hv_gnttab_add_frame(x.d, 0, TABLE_GFN), 0);
	grant(1, GTF_permit_access, DATA_GFN);
	grant(2, GTF_permit_access, DATA_GFN + 1);
	EXPECT(TABLE_GFN);
	/* The backend reads: the entry's flags change (a write mapping). */
	assert_int_equal(hv_gnttab_copy_from(x.d, 2, 0, buf, sizeof(buf)), 0);
	EXPECT(TABLE_GFN);
	take_baseline();
	assert_int_equal(hv_gnttab_copy_to(x.d, 1, PAGE - sizeof(buf), buf, sizeof(buf)), 0);
	EXPECT(DATA_GFN);
	EXPECT_NONE();
	/* A mapping for writing (a ring) stays dirty after it is dropped. */
	assert_int_equal(hv_gnttab_map(x.d, 2, true, &m), 0);
	hv_gnttab_unmap(x.d, &m);
	EXPECT(DATA_GFN + 1);
	EXPECT(DATA_GFN + 1);
}

static void frames_in_holes(void **state)
{
	uint64_t v = 3, small = x.baseline_gfns, high = 0x200000;

	(void)state;
	/* A write that spans the end of RAM and a frame added right after it. */
	assert_int_equal(hv_gmem_add_frame(&x.d->mem, 16 * MIB / PAGE), 0);
	EXPECT(16 * MIB / PAGE); /* a frame that appears is new memory */
	put(16 * MIB - 4, &v, sizeof(v));
	EXPECT(16 * MIB / PAGE - 1, 16 * MIB / PAGE);
	assert_int_equal(hv_gmem_add_frame(&x.d->mem, HOLE_GFN), 0);
	put(HOLE_GFN * PAGE + 8, &v, sizeof(v));
	EXPECT(HOLE_GFN);
	/* A frame above the others grows the bitmap: a short one is refused. */
	put(0x10 * PAGE, &v, sizeof(v));
	assert_int_equal(hv_gmem_add_frame(&x.d->mem, high), 0);
	assert_int_equal(hv_logdirty_nr_gfns(x.d), high + 1);
	x.bits = realloc(x.bits, HV_LOGDIRTY_BITMAP_BYTES(small));
	assert_int_equal(hv_logdirty_harvest(x.d, x.bits, small, NULL), -ENOBUFS);
	EXPECT(0x10, high); /* nothing was lost by the refusal */
	put(high * PAGE, &v, sizeof(v));
	EXPECT(high);
}

static int setup_high(void **state)
{
	(void)state;
	/* Only address space: the memfd is sparse. */
	return setup_mib(HV_LOWMEM_LIMIT / MIB + 4);
}

static void ram_above_4g(void **state)
{
	uint64_t v = 5, top = HV_HIGHMEM_START / PAGE + 4 * MIB / PAGE;

	(void)state;
	assert_int_equal(hv_logdirty_nr_gfns(x.d), top);
	put(HV_LOWMEM_LIMIT - 4, &v, 4);
	put(HV_HIGHMEM_START + PAGE, &v, sizeof(v));
	put(HV_HIGHMEM_START + 4 * MIB - 2, &v, 2);
	EXPECT(HV_LOWMEM_LIMIT / PAGE - 1, HV_HIGHMEM_START / PAGE + 1, top - 1);
}

/*
 * A writer racing with harvests: a copier that copies what each harvest
 * reports must end up with memory exactly as it is.  Each pass writes every
 * page once, so that a write whose mark is lost is not hidden by a later
 * write to the same page.
 */

#define RACE_BASE 0x800ULL
#define RACE_PAGES (240 * MIB / PAGE)
#define RACE_PASSES 6

struct racer {
	uint64_t pass;
	_Atomic bool done;
};

static void *race_writer(void *arg)
{
	struct racer *r = arg;

	for (uint64_t p = 0; p < RACE_PAGES; p++) {
		uint64_t gpa = (RACE_BASE + p) * PAGE + (p * 8 * r->pass) % (PAGE - 16);
		uint64_t v[2] = { r->pass, p };

		if (p % 7 == 0)
			hv_gmem_fill(&x.d->mem, gpa, (int)(p + r->pass), sizeof(v));
		else
			hv_gmem_write(&x.d->mem, gpa, v, sizeof(v));
	}
	atomic_store_explicit(&r->done, true, memory_order_release);
	return NULL;
}

/* Copies the pages x.bits reports from guest memory into copy. */
static void copy_reported(uint8_t *copy)
{
	for (uint64_t p = 0; p < RACE_PAGES; p++)
		if (test_bit(x.bits, RACE_BASE + p))
			assert_int_equal(hv_gmem_read(&x.d->mem, (RACE_BASE + p) * PAGE,
						      copy + p * PAGE, PAGE), 0);
}

static int setup_race(void **state)
{
	(void)state;
	return setup_mib(256);
}

static void racing_writer_loses_nothing(void **state)
{
	uint8_t *copy = malloc(RACE_PAGES * PAGE), *now = malloc(RACE_PAGES * PAGE);
	pthread_t t;

	(void)state;
	assert_non_null(copy);
	assert_non_null(now);
	/* Round 0: everything, read after logging is on. */
	assert_int_equal(hv_gmem_read(&x.d->mem, RACE_BASE * PAGE, copy, RACE_PAGES * PAGE), 0);
	for (uint64_t pass = 1; pass <= RACE_PASSES; pass++) {
		struct racer r = { .pass = pass };

		assert_int_equal(pthread_create(&t, NULL, race_writer, &r), 0);
		while (!atomic_load_explicit(&r.done, memory_order_acquire)) {
			harvest();
			copy_reported(copy);
		}
		pthread_join(t, NULL);
		harvest();
		copy_reported(copy);
		assert_int_equal(hv_gmem_read(&x.d->mem, RACE_BASE * PAGE, now, RACE_PAGES * PAGE),
				 0);
		assert_memory_equal(copy, now, RACE_PAGES * PAGE);
	}
	free(copy);
	free(now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(writes_mark_their_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(fills_mark_every_page, setup, teardown),
		cmocka_unit_test_setup_teardown(write_mappings_stay_dirty, setup, teardown),
		cmocka_unit_test_setup_teardown(only_writes_while_on_count, setup, teardown),
		cmocka_unit_test_setup_teardown(grant_copies, setup, teardown),
		cmocka_unit_test_setup_teardown(frames_in_holes, setup, teardown),
		cmocka_unit_test_setup_teardown(ram_above_4g, setup_high, teardown),
		cmocka_unit_test_setup_teardown(racing_writer_loses_nothing, setup_race, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
