/*
 * Unit tests for hv/pvcon_ring.c: the console ring in a fake domain's
 * special page, both directions, wraparound of the arrays and of the 32-bit
 * indices, and indices that a hostile guest wrote.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot.h"
#include "fake_domain.h"
#include "pvcon_ring.h"

struct ctx {
	struct fake_domain f;
	struct xencons_interface *ring;
	uint8_t *page;
};

static int setup(void **state)
{
	static struct ctx c;
	uint64_t gpa = HV_CONSOLE_GFN << HV_PAGE_SHIFT;

	memset(&c, 0, sizeof(c));
	if (fake_domain_init(&c.f, 16, 1) || hv_gmem_add_frame(&c.f.d.mem, HV_CONSOLE_GFN))
		return -1;
	c.page = hv_gmem_map(&c.f.d.mem, gpa, HV_PAGE_SIZE, true);
	c.ring = (struct xencons_interface *)c.page;
	*state = &c;
	return c.page ? 0 : -1;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	fake_domain_destroy(&c->f);
	return 0;
}

/* The guest's side: what a frontend does with the same ring. */
static void guest_write(struct xencons_interface *r, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		r->out[MASK_XENCONS_IDX(r->out_prod + i, r->out)] = (char)p[i];
	r->out_prod += (XENCONS_RING_IDX)n;
}

static size_t guest_read(struct xencons_interface *r, uint8_t *p, size_t max)
{
	size_t n = 0;

	while (n < max && r->in_cons != r->in_prod)
		p[n++] = (uint8_t)r->in[MASK_XENCONS_IDX(r->in_cons++, r->in)];
	return n;
}

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* Output crosses the array's end and the indices' 2^32 wrap, in pieces. */
static void output_wraps(void **state)
{
	struct ctx *c = *state;
	static uint8_t sent[20000], got[20000];
	size_t s = 0, g = 0;

	c->ring->out_cons = c->ring->out_prod = 0xfffff000u + 5;
	pattern(sent, sizeof(sent), 3);
	while (g < sizeof(sent)) {
		size_t n = sizeof(sent) - s < 1500 ? sizeof(sent) - s : 1500;
		ssize_t r;

		guest_write(c->ring, sent + s, n);
		s += n;
		do {
			r = hv_pvcon_ring_read(c->ring, got + g, 37);
			assert_true(r >= 0 && r <= 37);
			g += (size_t)r;
		} while (r);
		assert_int_equal(c->ring->out_cons, c->ring->out_prod);
	}
	assert_memory_equal(sent, got, sizeof(sent));
	assert_true(c->ring->out_prod < 0x10000); /* the indices did wrap */
}

static void output_full_ring_is_one_read(void **state)
{
	struct ctx *c = *state;
	uint8_t sent[HV_PVCON_OUT_SIZE], got[HV_PVCON_OUT_SIZE + 10];

	c->ring->out_cons = c->ring->out_prod = 1000;
	pattern(sent, sizeof(sent), 9);
	guest_write(c->ring, sent, sizeof(sent));
	assert_int_equal(hv_pvcon_ring_read(c->ring, got, sizeof(got)), HV_PVCON_OUT_SIZE);
	assert_memory_equal(sent, got, sizeof(sent));
	assert_int_equal(hv_pvcon_ring_read(c->ring, got, sizeof(got)), 0);
}

/* What the backend may write: out_cons, in[] and in_prod, nothing else. */
static void check_untouched(const uint8_t *page, const uint8_t *before)
{
	size_t out = offsetof(struct xencons_interface, out);
	size_t end = sizeof(struct xencons_interface);

	assert_memory_equal(page + out, before + out, HV_PVCON_OUT_SIZE);
	assert_memory_equal(page + end, before + end, HV_PAGE_SIZE - end);
}

static void output_corrupt_indices_are_dropped(void **state)
{
	struct ctx *c = *state;
	static uint8_t before[HV_PAGE_SIZE];
	const XENCONS_RING_IDX bad[][2] = { /* prod, cons */
		{ 2049, 0 }, { 0, 1 }, { 0x80000000u, 0 }, { 5, 0xffffffffu - 2043 },
	};
	uint8_t buf[HV_PVCON_OUT_SIZE];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pattern(c->page, HV_PAGE_SIZE, (unsigned)i);
		c->ring->out_prod = bad[i][0];
		c->ring->out_cons = bad[i][1];
		memcpy(before, c->page, HV_PAGE_SIZE);
		assert_int_equal(hv_pvcon_ring_read(c->ring, buf, sizeof(buf)), -EIO);
		assert_int_equal(c->ring->out_cons, bad[i][0]);
		memcpy(before + offsetof(struct xencons_interface, out_cons), &bad[i][0], 4);
		assert_memory_equal(c->page, before, HV_PAGE_SIZE);
		/* The ring works again at once. */
		guest_write(c->ring, (const uint8_t *)"ok", 2);
		assert_int_equal(hv_pvcon_ring_read(c->ring, buf, sizeof(buf)), 2);
		assert_memory_equal(buf, "ok", 2);
	}
}

/* Input crosses the array's end and the 2^32 wrap; the guest reads slowly. */
static void input_wraps(void **state)
{
	struct ctx *c = *state;
	static uint8_t sent[10000], got[10000];
	size_t s = 0, g = 0;

	c->ring->in_cons = c->ring->in_prod = 0xfffffc00u + 3;
	pattern(sent, sizeof(sent), 5);
	while (g < sizeof(sent)) {
		ssize_t r = hv_pvcon_ring_write(c->ring, sent + s, sizeof(sent) - s);

		assert_true(r >= 0 && (size_t)r <= HV_PVCON_IN_SIZE);
		s += (size_t)r;
		g += guest_read(c->ring, got + g, 300);
	}
	assert_int_equal(s, sizeof(sent));
	assert_memory_equal(sent, got, sizeof(sent));
	assert_true(c->ring->in_prod < 0x10000);
}

static void input_room_limits_writes(void **state)
{
	struct ctx *c = *state;
	uint8_t buf[100];
	size_t room;

	c->ring->in_cons = 7;
	c->ring->in_prod = 7 + 1000;
	assert_int_equal(hv_pvcon_ring_room(c->ring, &room), 0);
	assert_int_equal(room, 24);
	pattern(buf, sizeof(buf), 1);
	assert_int_equal(hv_pvcon_ring_write(c->ring, buf, sizeof(buf)), 24);
	assert_int_equal(c->ring->in_prod, 7 + HV_PVCON_IN_SIZE);
	assert_int_equal(hv_pvcon_ring_room(c->ring, &room), 0);
	assert_int_equal(room, 0);
	assert_int_equal(hv_pvcon_ring_write(c->ring, buf, sizeof(buf)), 0);
}

static void input_corrupt_indices_write_nothing(void **state)
{
	struct ctx *c = *state;
	static uint8_t before[HV_PAGE_SIZE];
	const XENCONS_RING_IDX bad[][2] = { /* prod, cons */
		{ 1025, 0 }, { 0, 1 }, { 0x7fffffffu, 0xffffffffu },
	};
	size_t room = 99;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pattern(c->page, HV_PAGE_SIZE, (unsigned)i);
		c->ring->in_prod = bad[i][0];
		c->ring->in_cons = bad[i][1];
		memcpy(before, c->page, HV_PAGE_SIZE);
		assert_int_equal(hv_pvcon_ring_room(c->ring, &room), -EIO);
		assert_int_equal(room, 0);
		assert_int_equal(hv_pvcon_ring_write(c->ring, "x", 1), -EIO);
		assert_memory_equal(c->page, before, HV_PAGE_SIZE);
	}
}

/* Random indices: every answer stays within the arrays. */
static void hostile_indices_stay_in_bounds(void **state)
{
	struct ctx *c = *state;
	static uint8_t before[HV_PAGE_SIZE];
	uint8_t buf[HV_PVCON_OUT_SIZE];
	uint32_t x = 12345;

	for (int i = 0; i < 20000; i++) {
		XENCONS_RING_IDX prod, cons;
		ssize_t r;

		x = x * 1103515245u + 12345u;
		prod = x;
		x = x * 1103515245u + 12345u;
		cons = i & 1 ? prod - (x % 4096) : x;
		c->ring->out_prod = c->ring->in_prod = prod;
		c->ring->out_cons = c->ring->in_cons = cons;
		memcpy(before, c->page, HV_PAGE_SIZE);
		r = hv_pvcon_ring_read(c->ring, buf, sizeof(buf));
		assert_true(r == -EIO || (r >= 0 && (XENCONS_RING_IDX)(prod - cons) == (size_t)r));
		check_untouched(c->page, before);
		r = hv_pvcon_ring_write(c->ring, buf, sizeof(buf));
		assert_true(r == -EIO || (r >= 0 && r <= (ssize_t)HV_PVCON_IN_SIZE));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(output_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(output_full_ring_is_one_read, setup, teardown),
		cmocka_unit_test_setup_teardown(output_corrupt_indices_are_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(input_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(input_room_limits_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(input_corrupt_indices_write_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_indices_stay_in_bounds, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
