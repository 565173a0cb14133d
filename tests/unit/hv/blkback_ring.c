/*
 * Unit tests for hv/blkback_ring.c: both request layouts, the checks of
 * every request field against a disk, and the ring indices a frontend
 * controls (empty, full, impossible, wrapping), on a page of our own.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "blkback_ring.h"

#define SECTORS 1000

static _Alignas(4096) uint8_t page[4096];

static void abi_names(void **state)
{
	enum hv_blkif_abi abi = HV_BLKIF_ABI_32;

	(void)state;
	assert_int_equal(hv_blkif_abi_parse(NULL, &abi), 0);
	assert_int_equal(abi, HV_BLKIF_ABI_64);
	assert_int_equal(hv_blkif_abi_parse("x86_32-abi", &abi), 0);
	assert_int_equal(abi, HV_BLKIF_ABI_32);
	assert_int_equal(hv_blkif_abi_parse("x86_64-abi", &abi), 0);
	assert_int_equal(abi, HV_BLKIF_ABI_64);
	assert_int_equal(hv_blkif_abi_parse("arm-abi", &abi), -EINVAL);
	assert_int_equal(hv_blkif_abi_parse("", &abi), -EINVAL);
	assert_int_equal(hv_blkif_abi_parse("x86_64-abi ", &abi), -EINVAL);
}

/* The same request in both layouts decodes to the same thing. */
static void layouts(void **state)
{
	blkif_request_t native = { .operation = BLKIF_OP_WRITE, .nr_segments = 2, .handle = 7,
				   .id = 0x1122334455667788ULL, .sector_number = 0xabcdef0123ULL,
				   .seg = { { 5, 1, 7 }, { 6, 0, 0 } } };
	uint8_t s32[108] = { BLKIF_OP_WRITE, 2, 7, 0 }, s64[112];
	struct hv_blkif_req a, b;

	(void)state;
	memcpy(s32 + 4, &native.id, 8);
	memcpy(s32 + 12, &native.sector_number, 8);
	memcpy(s32 + 20, native.seg, sizeof(native.seg));
	memcpy(s64, &native, sizeof(s64));
	hv_blkif_decode(s64, HV_BLKIF_ABI_64, &a);
	hv_blkif_decode(s32, HV_BLKIF_ABI_32, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(a.op, BLKIF_OP_WRITE);
	assert_int_equal(a.nr_segments, 2);
	assert_int_equal(a.id, native.id);
	assert_int_equal(a.sector, native.sector_number);
	assert_int_equal(a.seg[0].gref, 5);
	assert_int_equal(a.seg[0].first_sect, 1);
	assert_int_equal(a.seg[0].last_sect, 7);
	assert_int_equal(a.seg[1].gref, 6);
}

struct check_case {
	struct hv_blkif_req req;
	bool readonly;
	int status;
	uint64_t count;
};

#define SEG(f, l) { .gref = 1, .first_sect = (f), .last_sect = (l) }

static const struct check_case cases[] = {
	{ { BLKIF_OP_READ, 1, 0, 0, { SEG(0, 7) } }, false, BLKIF_RSP_OKAY, 8 },
	{ { BLKIF_OP_READ, 2, 0, 990, { SEG(0, 7), SEG(3, 4) } }, true, BLKIF_RSP_OKAY, 10 },
	{ { BLKIF_OP_WRITE, 11, 0, 0, { SEG(0, 7), SEG(0, 7), SEG(0, 7), SEG(0, 7), SEG(0, 7),
					SEG(0, 7), SEG(0, 7), SEG(0, 7), SEG(0, 7), SEG(0, 7),
					SEG(7, 7) } }, false, BLKIF_RSP_OKAY, 81 },
	{ { BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 0, { { 0 } } }, false, BLKIF_RSP_OKAY, 0 },
	{ { BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 0, { { 0 } } }, true, BLKIF_RSP_OKAY, 0 },
	{ { BLKIF_OP_FLUSH_DISKCACHE, 1, 0, 5, { SEG(2, 2) } }, false, BLKIF_RSP_OKAY, 1 },
	/* the last sector, and one past it */
	{ { BLKIF_OP_READ, 1, 0, SECTORS - 1, { SEG(0, 0) } }, false, BLKIF_RSP_OKAY, 1 },
	{ { BLKIF_OP_READ, 1, 0, SECTORS - 1, { SEG(0, 1) } }, false, BLKIF_RSP_ERROR, 0 },
	{ { BLKIF_OP_READ, 1, 0, SECTORS, { SEG(0, 0) } }, false, BLKIF_RSP_ERROR, 0 },
	{ { BLKIF_OP_READ, 1, 0, UINT64_MAX, { SEG(0, 7) } }, false, BLKIF_RSP_ERROR, 0 },
	{ { BLKIF_OP_WRITE, 1, 0, UINT64_MAX - 3, { SEG(0, 7) } }, false, BLKIF_RSP_ERROR, 0 },
	/* segment counts and bounds */
	{ { BLKIF_OP_READ, 0, 0, 0, { { 0 } } }, false, BLKIF_RSP_ERROR, 0 },
	{ { BLKIF_OP_WRITE, 0, 0, 0, { { 0 } } }, false, BLKIF_RSP_ERROR, 0 },
	{ { BLKIF_OP_READ, 12, 0, 0, { SEG(0, 0) } }, false, BLKIF_RSP_ERROR, 0 },
	{ { BLKIF_OP_READ, 255, 0, 0, { SEG(0, 0) } }, false, BLKIF_RSP_ERROR, 0 },
	{ { BLKIF_OP_FLUSH_DISKCACHE, 12, 0, 0, { SEG(0, 0) } }, false, BLKIF_RSP_ERROR, 0 },
	{ { BLKIF_OP_READ, 1, 0, 0, { SEG(4, 3) } }, false, BLKIF_RSP_ERROR, 0 },
	{ { BLKIF_OP_READ, 1, 0, 0, { SEG(0, 8) } }, false, BLKIF_RSP_ERROR, 0 },
	{ { BLKIF_OP_READ, 2, 0, 0, { SEG(0, 7), SEG(8, 8) } }, false, BLKIF_RSP_ERROR, 0 },
	{ { BLKIF_OP_READ, 1, 0, 0, { SEG(255, 255) } }, false, BLKIF_RSP_ERROR, 0 },
	/* read-only disks */
	{ { BLKIF_OP_WRITE, 1, 0, 0, { SEG(0, 0) } }, true, BLKIF_RSP_ERROR, 0 },
	{ { BLKIF_OP_FLUSH_DISKCACHE, 1, 0, 0, { SEG(0, 0) } }, true, BLKIF_RSP_ERROR, 0 },
	/* operations not offered, whatever their fields */
	{ { BLKIF_OP_WRITE_BARRIER, 1, 0, 0, { SEG(0, 0) } }, false, BLKIF_RSP_EOPNOTSUPP, 0 },
	{ { BLKIF_OP_RESERVED_1, 0, 0, 0, { { 0 } } }, false, BLKIF_RSP_EOPNOTSUPP, 0 },
	{ { BLKIF_OP_DISCARD, 0, 0, 0, { { 0 } } }, false, BLKIF_RSP_EOPNOTSUPP, 0 },
	{ { BLKIF_OP_INDIRECT, 200, 0, 0, { { 0 } } }, false, BLKIF_RSP_EOPNOTSUPP, 0 },
	{ { 255, 1, 0, 0, { SEG(0, 0) } }, true, BLKIF_RSP_EOPNOTSUPP, 0 },
};

static void checks(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t count = 99;
		int status = hv_blkif_check(&cases[i].req, SECTORS, cases[i].readonly, &count);

		if (status != cases[i].status || count != cases[i].count)
			fail_msg("case %zu: status %d count %llu, expected %d and %llu", i, status,
				 (unsigned long long)count, cases[i].status,
				 (unsigned long long)cases[i].count);
	}
}

static RING_IDX *idx(size_t off)
{
	return (RING_IDX *)(page + off);
}

/* Writes a read of one sector with this id into slot i (64-bit layout). */
static void produce(RING_IDX i, uint64_t id)
{
	blkif_request_t req = { .operation = BLKIF_OP_READ, .nr_segments = 1, .id = id,
				.seg = { SEG(0, 0) } };

	memcpy(page + 64 + (i % 32) * 112, &req, sizeof(req));
}

static void indices(void **state)
{
	struct hv_blkif_ring r;
	struct hv_blkif_req req;

	(void)state;
	memset(page, 0, sizeof(page));
	hv_blkif_ring_init(&r, page, HV_BLKIF_ABI_64);
	/* empty: asks to be told of the next request */
	assert_int_equal(hv_blkif_ring_next(&r, &req), 0);
	assert_int_equal(*idx(offsetof(struct blkif_sring, req_event)), 1);
	produce(0, 40);
	produce(1, 41);
	*idx(offsetof(struct blkif_sring, req_prod)) = 2;
	assert_int_equal(hv_blkif_ring_next(&r, &req), 1);
	assert_int_equal(req.id, 40);
	assert_int_equal(hv_blkif_ring_next(&r, &req), 1);
	assert_int_equal(req.id, 41);
	assert_int_equal(hv_blkif_ring_next(&r, &req), 0);
	assert_int_equal(*idx(offsetof(struct blkif_sring, req_event)), 3);
	/* a full ring is fine, one more than full is not */
	*idx(offsetof(struct blkif_sring, req_prod)) = 2 + 32;
	assert_int_equal(hv_blkif_ring_next(&r, &req), 1);
	r.req_cons = 2;
	*idx(offsetof(struct blkif_sring, req_prod)) = 2 + 33;
	assert_int_equal(hv_blkif_ring_next(&r, &req), -EIO);
	/* a producer behind the consumer is as impossible */
	*idx(offsetof(struct blkif_sring, req_prod)) = 1;
	assert_int_equal(hv_blkif_ring_next(&r, &req), -EIO);
	assert_int_equal(r.req_cons, 2); /* nothing consumed */
	/* indices wrap at 2^32 */
	r.req_cons = 0xffffffffu;
	produce(0xffffffffu, 50);
	produce(0, 51);
	*idx(offsetof(struct blkif_sring, req_prod)) = 1;
	assert_int_equal(hv_blkif_ring_next(&r, &req), 1);
	assert_int_equal(req.id, 50);
	assert_int_equal(hv_blkif_ring_next(&r, &req), 1);
	assert_int_equal(req.id, 51);
	assert_int_equal(hv_blkif_ring_next(&r, &req), 0);
}

static void responses(void **state)
{
	struct hv_blkif_ring r;
	uint64_t id;
	int16_t status;

	(void)state;
	memset(page, 0xee, sizeof(page));
	hv_blkif_ring_init(&r, page, HV_BLKIF_ABI_32);
	*idx(offsetof(struct blkif_sring, rsp_event)) = 1;
	assert_true(hv_blkif_ring_respond(&r, 0x55, BLKIF_OP_READ, BLKIF_RSP_ERROR));
	assert_int_equal(*idx(offsetof(struct blkif_sring, rsp_prod)), 1);
	memcpy(&id, page + 64, 8);
	memcpy(&status, page + 64 + 10, 2);
	assert_int_equal(id, 0x55);
	assert_int_equal(page[64 + 8], BLKIF_OP_READ);
	assert_int_equal(status, BLKIF_RSP_ERROR);
	/* not asked for: no notification; slot 1 is 108 bytes on in this layout */
	assert_false(hv_blkif_ring_respond(&r, 0x66, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_OKAY));
	memcpy(&id, page + 64 + 108, 8);
	assert_int_equal(id, 0x66);
	assert_int_equal(page[64 + 108 + 8], BLKIF_OP_FLUSH_DISKCACHE);
	*idx(offsetof(struct blkif_sring, rsp_event)) = 3;
	assert_true(hv_blkif_ring_respond(&r, 0x77, BLKIF_OP_WRITE, BLKIF_RSP_OKAY));
	/* wrapping: slot 32 is slot 0 again */
	r.rsp_prod_pvt = 32;
	assert_false(hv_blkif_ring_respond(&r, 0x88, BLKIF_OP_WRITE, BLKIF_RSP_OKAY));
	memcpy(&id, page + 64, 8);
	assert_int_equal(id, 0x88);
	assert_int_equal(*idx(offsetof(struct blkif_sring, rsp_prod)), 33);
}

/* A 32-bit ring: slots are 108 bytes, ids 4 bytes in. */
static void ring32(void **state)
{
	struct hv_blkif_ring r;
	struct hv_blkif_req req;
	uint64_t id = 0x0102030405060708ULL;

	(void)state;
	memset(page, 0, sizeof(page));
	hv_blkif_ring_init(&r, page, HV_BLKIF_ABI_32);
	page[64 + 108] = BLKIF_OP_FLUSH_DISKCACHE;
	memcpy(page + 64 + 108 + 4, &id, 8);
	r.req_cons = 1;
	*idx(offsetof(struct blkif_sring, req_prod)) = 2;
	assert_int_equal(hv_blkif_ring_next(&r, &req), 1);
	assert_int_equal(req.op, BLKIF_OP_FLUSH_DISKCACHE);
	assert_int_equal(req.id, id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(abi_names),
		cmocka_unit_test(layouts),
		cmocka_unit_test(checks),
		cmocka_unit_test(indices),
		cmocka_unit_test(responses),
		cmocka_unit_test(ring32),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
