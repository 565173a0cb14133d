/*
 * Unit tests for the reader against bad input (save-restore/sr_restore*.c):
 * a good stream truncated at every 8-byte boundary, and hand-corrupted
 * copies (headers, lengths, pfns, types, counts, padding, duplicate,
 * misplaced, unknown and unsupported records).  Each must be refused with
 * the expected error and a message naming the record and its offset, and
 * the domain's cleanup must run exactly once.
 */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sr.h"
#include "sr_mem_domain.h"
#include "sr_wire.h"

/* Where each record of the good stream starts. */
struct rec {
	bool libxc;
	uint32_t type;
	size_t off;
	uint32_t len;
};

static uint8_t *good;
static size_t good_len;
static struct rec recs[64];
static unsigned nr_recs;

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static void wr32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void wr64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

/* Finds the records of the good stream (which the writer made well). */
static void walk(void)
{
	size_t off = sizeof(struct sr_libxl_hdr);
	bool libxc = false;

	nr_recs = 0;
	while (off < good_len) {
		struct rec r = { libxc, rd32(good + off), off, rd32(good + off + 4) };

		recs[nr_recs++] = r;
		off += 8 + ((r.len + 7) & ~7u);
		if (!libxc && r.type == SR_LIBXL_LIBXC_CONTEXT) {
			off += sizeof(struct sr_image_hdr) + sizeof(struct sr_domain_hdr);
			libxc = true;
		} else if (libxc && r.type == SR_LIBXC_END) {
			libxc = false;
		}
	}
}

static const struct rec *find(bool libxc, uint32_t type, unsigned nth)
{
	for (unsigned i = 0; i < nr_recs; i++)
		if (recs[i].libxc == libxc && recs[i].type == type && nth-- == 0)
			return &recs[i];
	fail_msg("no record 0x%x", type);
	return NULL;
}

static int setup(void **state)
{
	struct sr_mem_domain m;
	struct sr_mem_sink out;
	struct sr_save_opts opts = { 0 };
	struct sr_ctx ctx;

	(void)state;
	assert_int_equal(sr_mem_sample_init(&m, 2, true, 0), 0);
	for (unsigned r = 0; r < m.info.nr_ranges; r++)
		memset(m.mem[r], 0, m.info.ranges[r].count * 4096);
	sr_mem_domain_touch(&m, 3, 0xa5);
	sr_mem_domain_touch(&m, 0xfeff1, 0x5a);
	sr_mem_sink_init(&out);
	sr_ctx_init(&ctx, &sr_mem_domain_ops, &m);
	assert_int_equal(sr_save(&ctx, &out.sink, &opts), 0);
	good = out.data;
	good_len = out.len;
	sr_mem_domain_destroy(&m);
	walk();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(good);
	return 0;
}

/* Restores len bytes of s into a fresh sample domain; returns the error. */
static int try(const uint8_t *s, size_t len, char *msg, size_t msg_len)
{
	struct sr_mem_domain m;
	struct sr_mem_source src;
	struct sr_ctx ctx;
	int err;

	assert_int_equal(sr_mem_sample_init(&m, 2, false, 0), 0);
	sr_mem_source_init(&src, s, len);
	sr_ctx_init(&ctx, &sr_mem_domain_ops, &m);
	err = sr_restore(&ctx, &src.source);
	assert_int_equal(m.cleanups, 1);
	snprintf(msg, msg_len, "%s", sr_ctx_error(&ctx));
	sr_mem_domain_destroy(&m);
	return err;
}

/* Expects a copy of the good stream, changed by the caller, to fail so. */
static void expect(const uint8_t *s, size_t len, int err, const char *what)
{
	char msg[256];
	int got = try(s, len, msg, sizeof(msg));

	if (got != err)
		fail_msg("error %d (%s), expected %d", got, msg, err);
	if (!strstr(msg, what))
		fail_msg("message \"%s\" lacks \"%s\"", msg, what);
}

static uint8_t *copy(void)
{
	uint8_t *c = malloc(good_len + 64);

	assert_non_null(c);
	memcpy(c, good, good_len);
	return c;
}

static void test_good(void **state)
{
	char msg[256];

	(void)state;
	assert_int_equal(try(good, good_len, msg, sizeof(msg)), 0);
}

/* Cut anywhere: a clean -EPIPE naming the record, never a crash. */
static void test_truncated(void **state)
{
	char msg[256];

	(void)state;
	for (size_t len = 0; len < good_len; len += len < 4096 ? 1 : 8) {
		int err = try(good, len, msg, sizeof(msg));

		assert_int_equal(err, -EPIPE);
		assert_non_null(strstr(msg, "offset"));
	}
	expect(good, good_len - 8, -EPIPE, "record header at offset");
}

static void test_headers(void **state)
{
	uint8_t *c = copy();
	size_t ih = sizeof(struct sr_libxl_hdr) + 8; /* after LIBXC_CONTEXT */

	(void)state;
	c[0] ^= 1;
	expect(c, good_len, -EINVAL, "not a Xen migration stream");
	memcpy(c, good, good_len);
	c[11] = 1; /* version 1 */
	expect(c, good_len, -ENOTSUP, "libxl header at offset 0: version 1");
	memcpy(c, good, good_len);
	c[15] = 1; /* big-endian */
	expect(c, good_len, -EINVAL, "options");
	memcpy(c, good, good_len);
	c[ih] = 0;
	expect(c, good_len, -EINVAL, "libxc image header at offset 24: not a libxc image");
	memcpy(c, good, good_len);
	c[ih + 15] = 2;
	expect(c, good_len, -ENOTSUP, "version 2");
	memcpy(c, good, good_len);
	c[ih + 24] = 1; /* x86 PV */
	expect(c, good_len, -ENOTSUP, "x86 HVM");
	memcpy(c, good, good_len);
	c[ih + 28] = 13; /* page shift */
	expect(c, good_len, -ENOTSUP, "page shift 13");
	free(c);
}

static void test_page_data(void **state)
{
	const struct rec *pd = find(true, SR_LIBXC_PAGE_DATA, 0);
	uint8_t *c = copy(), *body = c + pd->off + 8, *pfn0 = body + 8;
	uint64_t e;

	(void)state;
	wr32(body, 0);
	expect(c, good_len, -EINVAL, "PAGE_DATA record at offset");
	wr32(body, SR_MAX_BATCH + 1);
	expect(c, good_len, -EINVAL, "bad header");
	memcpy(c, good, good_len);
	wr32(body + 4, 1);
	expect(c, good_len, -EINVAL, "reserved");
	memcpy(c, good, good_len);
	wr64(pfn0, 0x200); /* in no range */
	expect(c, good_len, -EINVAL, "pfn 0x200 (entry 0) is outside the domain's memory");
	wr64(pfn0, 1ULL << 52);
	expect(c, good_len, -EINVAL, "reserved bits set in pfn entry 0");
	wr64(pfn0, 1ULL << 60); /* L1TAB */
	expect(c, good_len, -ENOTSUP, "page type 1");
	wr64(pfn0, 6ULL << 60);
	expect(c, good_len, -EINVAL, "reserved page type 6");
	wr64(pfn0, 0xfULL << 60); /* XTAB */
	expect(c, good_len, -ENOTSUP, "page type 15");
	memcpy(c, good, good_len);
	memcpy(&e, pfn0 + 3 * 8, 8); /* frame 3 has data: say it has none */
	wr64(pfn0 + 3 * 8, le64toh(e) | 0xeULL << 60);
	expect(c, good_len, -EINVAL, "does not match");
	memcpy(c, good, good_len);
	wr32(c + pd->off + 4, 4);
	expect(c, good_len, -EINVAL, "too short");
	wr32(c + pd->off + 4, SR_MAX_RECORD + 1);
	expect(c, good_len, -EINVAL, "over the limit");
	free(c);
}

/* Inserts a record of type with len bytes of body (pad: padding byte). */
static uint8_t *insert(const struct rec *before, uint32_t type, uint32_t len, uint8_t pad, size_t *out_len)
{
	uint32_t padded = (len + 7) & ~7u;
	uint8_t *c = malloc(good_len + 8 + padded);

	assert_non_null(c);
	memcpy(c, good, before->off);
	wr32(c + before->off, type);
	wr32(c + before->off + 4, len);
	memset(c + before->off + 8, 0, len);
	memset(c + before->off + 8 + len, pad, padded - len);
	memcpy(c + before->off + 8 + padded, good + before->off, good_len - before->off);
	*out_len = good_len + 8 + padded;
	return c;
}

static void test_records(void **state)
{
	const struct rec *xc_end = find(true, SR_LIBXC_END, 0), *xl_end = find(false, SR_LIBXL_END, 0);
	char msg[256];
	uint8_t *c;
	size_t len;

	(void)state;
	c = insert(xc_end, SR_REC_OPTIONAL | 0x42, 5, 0, &len);
	assert_int_equal(try(c, len, msg, sizeof(msg)), 0); /* optional: skipped */
	free(c);
	c = insert(xc_end, SR_REC_OPTIONAL | 0x42, 5, 1, &len);
	expect(c, len, -EINVAL, "optional libxc record at offset");
	free(c);
	c = insert(xc_end, 0x13, 0, 0, &len);
	expect(c, len, -ENOTSUP, "type 0x13 cannot be restored");
	free(c);
	c = insert(xc_end, SR_LIBXC_SHARED_INFO, 0, 0, &len);
	expect(c, len, -ENOTSUP, "SHARED_INFO record");
	free(c);
	c = insert(xc_end, SR_LIBXC_X86_TSC_INFO, 24, 0, &len);
	expect(c, len, -EINVAL, "X86_TSC_INFO record at offset");
	free(c);
	c = insert(xc_end, SR_LIBXC_STATIC_DATA_END, 0, 0, &len);
	expect(c, len, -EINVAL, "a second one");
	free(c);
	c = insert(xl_end, SR_LIBXL_EMULATOR_XENSTORE_DATA, 8, 0, &len);
	expect(c, len, -ENOTSUP, "EMULATOR_XENSTORE_DATA record at offset");
	free(c);
	c = insert(xl_end, SR_LIBXL_CHECKPOINT_END, 0, 0, &len);
	expect(c, len, -ENOTSUP, "CHECKPOINT_END");
	free(c);
	c = insert(xl_end, SR_LIBXL_EMULATOR_CONTEXT, 8, 0, &len); /* emulator 0, index 0 again */
	expect(c, len, -EINVAL, "index 0 twice");
	free(c);
	c = insert(find(false, SR_LIBXL_LIBXC_CONTEXT, 0), SR_LIBXL_EMULATOR_CONTEXT, 8, 0, &len);
	expect(c, len, -EINVAL, "before the libxc image");
	free(c);
}

static void test_libxc_records(void **state)
{
	const struct rec *sde = find(true, SR_LIBXC_STATIC_DATA_END, 0);
	const struct rec *tsc = find(true, SR_LIBXC_X86_TSC_INFO, 0);
	const struct rec *params = find(true, SR_LIBXC_HVM_PARAMS, 0);
	const struct rec *hvm = find(true, SR_LIBXC_HVM_CONTEXT, 0);
	uint8_t *c = copy();

	(void)state;
	wr32(c + sde->off, SR_REC_OPTIONAL | 1);
	expect(c, good_len, -EINVAL, "before STATIC_DATA_END");
	memcpy(c, good, good_len);
	c[tsc->off + 8 + 20] = 1;
	expect(c, good_len, -EINVAL, "X86_TSC_INFO record at offset");
	memcpy(c, good, good_len);
	wr64(c + params->off + 8 + 8, 39);
	expect(c, good_len, -EINVAL, "param index 39");
	memcpy(c, good, good_len);
	wr64(c + params->off + 8 + 8 + 16, 1); /* the first param's index */
	expect(c, good_len, -EINVAL, "param 1 twice");
	memcpy(c, good, good_len);
	wr32(c + params->off + 8, 5);
	expect(c, good_len, -EINVAL, "5 params");
	memcpy(c, good, good_len);
	c[hvm->off + 8] ^= 1; /* HVM save header's typecode */
	expect(c, good_len, -EINVAL, "HVM_CONTEXT record at offset");
	memcpy(c, good, good_len);
	wr32(c + hvm->off, SR_LIBXC_END); /* END before HVM_CONTEXT: its length is not 0 */
	expect(c, good_len, -EINVAL, "not empty");
	free(c);
}

static void test_emulator_records(void **state)
{
	const struct rec *vcpus = find(false, SR_LIBXL_EMULATOR_CONTEXT, 0);
	const struct rec *devs = find(false, SR_LIBXL_EMULATOR_CONTEXT, 1);
	uint8_t *c = copy(), *sub = c + vcpus->off + 16;
	const size_t rec_up = 16 + 17; /* sub-record header, then sr_vcpu_rec.up */

	(void)state;
	wr32(c + vcpus->off + 8, 1); /* emulator id */
	expect(c, good_len, -ENOTSUP, "emulator 1, index 0 is not Tern's");
	memcpy(c, good, good_len);
	sub[rec_up] = 2;
	expect(c, good_len, -EINVAL, "vCPU sub-record 0 has a bad field");
	memcpy(c, good, good_len);
	sub[16] = 1; /* vcpu_id */
	expect(c, good_len, -EINVAL, "is for vCPU 1");
	memcpy(c, good, good_len);
	wr32(sub + 4, 9); /* version */
	expect(c, good_len, -ENOTSUP, "version 9");
	memcpy(c, good, good_len);
	wr32(sub, 2); /* id */
	expect(c, good_len, -EINVAL, "not a vCPU sub-record");
	memcpy(c, good, good_len);
	wr32(c + devs->off + 12, 2); /* index */
	expect(c, good_len, -ENOTSUP, "index 2");
	memcpy(c, good, good_len);
	wr32(c + devs->off, SR_REC_OPTIONAL | 3); /* no device record then */
	expect(c, good_len, -EINVAL, "no device EMULATOR_CONTEXT");
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_page_data),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_libxc_records),
		cmocka_unit_test(test_emulator_records),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
