/*
 * Unit tests for the HVM_CONTEXT conversion (save-restore/sr_hvm.c,
 * sr_hvm_blob.c) and Tern's vCPU sub-record (sr_vcpu_rec.c): a full vCPU
 * state survives the trip, Xen's derived fields say what Xen would, and a
 * context with a bad descriptor, length, instance, copy that disagrees or
 * reserved bit is refused with the reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sr_hvm.h"
#include "sr_mem_domain.h"

#define NR 2
#define KHZ 2600000u

static struct hv_vcpu_state in[NR], out[NR];
static uint8_t *blob;
static size_t blob_len;
static struct sr_ctx ctx;

static int setup(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR; i++)
		sr_mem_sample_vcpu(&in[i], i);
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(sr__hvm_encode(&ctx, in, NR, KHZ, &blob, &blob_len), 0);
	memset(out, 0, sizeof(out));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(blob);
	return 0;
}

/* The body of record (code, instance) in blob. */
static uint8_t *body_of(uint16_t code, uint16_t instance, uint32_t *len)
{
	for (size_t off = 0; off < blob_len;) {
		struct hvm_save_descriptor d;

		memcpy(&d, blob + off, sizeof(d));
		if (d.typecode == code && d.instance == instance) {
			if (len)
				*len = d.length;
			return blob + off + sizeof(d);
		}
		off += sizeof(d) + d.length;
	}
	fail_msg("no record %u/%u", code, instance);
	return NULL;
}

/* Decodes blob (len bytes) with a fresh context; returns the error. */
static int decode(size_t len, unsigned nr, const char *what)
{
	int err;

	memset(&ctx, 0, sizeof(ctx));
	err = sr__hvm_decode(&ctx, blob, len, out, nr, KHZ);
	if (what && !strstr(ctx.error, what))
		fail_msg("message \"%s\" lacks \"%s\"", ctx.error, what);
	return err;
}

static void test_roundtrip(void **state)
{
	(void)state;
	assert_int_equal(decode(blob_len, NR, NULL), 0);
	for (unsigned i = 0; i < NR; i++) {
		struct sr_vcpu_rec r;

		sr__vcpu_rec_encode(&in[i], i, &r);
		assert_int_equal(sr__vcpu_rec_decode(&ctx, &r, i, &out[i]), 0);
		assert_memory_equal(&in[i], &out[i], sizeof(in[i]));
	}
}

/* What Xen's tools would read in the records. */
static void test_xen_view(void **state)
{
	struct hvm_hw_cpu cpu;
	struct hvm_hw_lapic lapic;
	struct hvm_save_header h;
	struct hv_vcpu_state s = in[0];
	struct sr_hvm_vcpu r;

	(void)state;
	memcpy(&h, body_of(1, 0, NULL), sizeof(h));
	assert_int_equal(h.magic, HVM_FILE_MAGIC);
	assert_int_equal(h.gtsc_khz, KHZ);
	memcpy(&cpu, body_of(2, 1, NULL), sizeof(cpu));
	assert_int_equal(cpu.cs_arbytes, 0xa9b); /* 64-bit code, present, G */
	assert_int_equal(cpu.ds_arbytes, 0xc93);
	assert_int_equal(cpu.ldtr_arbytes, 0);   /* unusable */
	assert_int_equal(cpu.tr_arbytes, 0x8b);
	assert_int_equal(cpu.rip, in[1].regs.rip);
	assert_int_equal(cpu.msr_lstar, 0xffffffff81c00000ULL);
	assert_int_equal(cpu.msr_efer, 0xd01);
	assert_int_equal(cpu.tsc, in[1].msrs[0].data);
	assert_int_equal(cpu.flags, XEN_X86_FPU_INITIALISED);
	memcpy(&lapic, body_of(5, 0, NULL), sizeof(lapic));
	assert_int_equal(lapic.apic_base_msr, 0xfee00900);
	assert_int_equal(lapic.disabled, 0);
	assert_int_equal(lapic.timer_divisor, 16);

	s.events.exception.injected = 1;
	s.events.exception.nr = 14;
	s.events.exception.has_error_code = 1;
	s.events.exception.error_code = 2;
	s.sregs.apic_base = 0xfee00000; /* disabled */
	sr__hvm_vcpu_encode(&s, &r);
	assert_int_equal(r.cpu.pending_event, 14u | 3u << 8 | 1u << 11 | 1u << 31);
	assert_int_equal(r.cpu.error_code, 2);
	assert_int_equal(r.lapic.disabled, 2);
}

static void test_bad_structure(void **state)
{
	uint8_t *p;

	(void)state;
	assert_int_equal(decode(blob_len - 1, NR, "truncated"), -EINVAL);
	assert_int_equal(decode(blob_len - 8, NR, "no END record"), -EINVAL);
	assert_int_equal(decode(blob_len, 1, "for vCPU 1; the domain has 1"), -EINVAL);
	assert_int_equal(decode(blob_len, 3, "no CPU record for vCPU 2"), -EINVAL);
	p = body_of(5, 1, NULL) - 8; /* vCPU 1's LAPIC descriptor */
	p[0] = 7;
	assert_int_equal(decode(blob_len, NR, "type 7"), -ENOTSUP);
	p[0] = 5, p[2] = 0;
	assert_int_equal(decode(blob_len, NR, "LAPIC record for vCPU 0 twice"), -EINVAL);
	p[2] = 1, p[7] = 0x7f;
	assert_int_equal(decode(blob_len, NR, "overruns"), -EINVAL);
	p[7] = 0, p[4] = 23;
	assert_int_equal(decode(blob_len, NR, "LAPIC record for vCPU 1 is 23 bytes"), -EINVAL);
	p[4] = 24;
	blob[0] = 2;
	assert_int_equal(decode(blob_len, NR, "header is not first"), -EINVAL);
	blob[0] = 1;
	body_of(1, 0, NULL)[0] ^= 1;
	assert_int_equal(decode(blob_len, NR, "bad HVM save header"), -EINVAL);
	body_of(1, 0, NULL)[0] ^= 1;
	body_of(1, 0, NULL)[20] ^= 1;
	assert_int_equal(decode(blob_len, NR, "TSC rate"), -EINVAL);
	body_of(1, 0, NULL)[20] ^= 1;
	assert_int_equal(decode(blob_len, NR, NULL), 0);
}

static void test_disagreeing_copies(void **state)
{
	struct hvm_hw_cpu *cpu = (struct hvm_hw_cpu *)body_of(2, 0, NULL);
	struct hvm_hw_mtrr *mtrr = (struct hvm_hw_mtrr *)body_of(14, 1, NULL);

	(void)state;
	cpu->msr_lstar++;
	assert_int_equal(decode(blob_len, NR, "vCPU 0: MSR LSTAR differs"), -EINVAL);
	cpu->msr_lstar--;
	cpu->fpu_regs[3] ^= 1;
	assert_int_equal(decode(blob_len, NR, "FPU area differs"), -EINVAL);
	cpu->fpu_regs[3] ^= 1;
	cpu->cs_arbytes = 0x1a9b;
	assert_int_equal(decode(blob_len, NR, "bad segment"), -EINVAL);
	cpu->cs_arbytes = 0xa9b;
	cpu->gdtr_limit = 0x10000;
	assert_int_equal(decode(blob_len, NR, "bad segment"), -EINVAL);
	cpu->gdtr_limit = 0x7f;
	cpu->pad0 = 1;
	assert_int_equal(decode(blob_len, NR, "reserved"), -EINVAL);
	cpu->pad0 = 0;
	mtrr->msr_mtrr_def_type = 6;
	assert_int_equal(decode(blob_len, NR, "vCPU 1: MTRR"), -ENOTSUP);
	mtrr->msr_mtrr_def_type = 0;
	mtrr->msr_pat_cr = 0; /* the PAT MSR's copy */
	assert_int_equal(decode(blob_len, NR, "MSR PAT differs"), -EINVAL);
	mtrr->msr_pat_cr = 0x0007040600070406ULL;
	assert_int_equal(decode(blob_len, NR, NULL), 0);
}

static void test_bad_msrs(void **state)
{
	uint32_t len;
	uint8_t *msr = body_of(20, 0, &len);
	uint32_t count;

	(void)state;
	memcpy(&count, msr, 4);
	msr[4] = 1;
	assert_int_equal(decode(blob_len, NR, "bad MSR record"), -EINVAL);
	msr[4] = 0;
	msr[8 + 16 + 4] = 1; /* MSR 1's _rsvd */
	assert_int_equal(decode(blob_len, NR, "reserved bits set in MSR 1"), -EINVAL);
	msr[8 + 16 + 4] = 0;
	memcpy(msr + 8 + 16, msr + 8, 4); /* MSR 1 gets MSR 0's index */
	assert_int_equal(decode(blob_len, NR, "MSR 0x10 twice"), -EINVAL);
	memcpy(msr + 8 + 16, &(uint32_t){ 0x1b }, 4);
	memcpy(msr, &(uint32_t){ count - 1 }, 4);
	assert_int_equal(decode(blob_len, NR, "13 MSRs in 232 bytes"), -EINVAL);
	memcpy(msr, &(uint32_t){ HV_VCPU_MAX_MSRS + 1 }, 4);
	assert_int_equal(decode(blob_len, NR, "bad MSR record"), -EINVAL);
	memcpy(msr, &count, 4);
	assert_int_equal(decode(blob_len, NR, NULL), 0);
}

static void test_unsupported_state(void **state)
{
	struct hv_vcpu_state s = in[0];
	uint8_t *b;
	size_t len;

	(void)state;
	s.xcrs.nr_xcrs = 2;
	s.xcrs.xcrs[1].xcr = 1;
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(sr__hvm_encode(&ctx, &s, 1, KHZ, &b, &len), -ENOTSUP);
	assert_non_null(strstr(ctx.error, "beyond XCR0"));
	s.nr_msrs = HV_VCPU_MAX_MSRS + 1;
	s.xcrs.nr_xcrs = 1;
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(sr__hvm_encode(&ctx, &s, 1, KHZ, &b, &len), -EINVAL);
}

static void test_vcpu_rec(void **state)
{
	struct sr_vcpu_rec r, bad;
	struct hv_vcpu_state s;

	(void)state;
	sr__vcpu_rec_encode(&in[1], 1, &r);
	bad = r;
	bad.pad2[3] = 1;
	assert_int_equal(sr__vcpu_rec_decode(&ctx, &bad, 1, &s), -EINVAL);
	bad = r;
	bad.events_flags = 0x40;
	assert_int_equal(sr__vcpu_rec_decode(&ctx, &bad, 1, &s), -EINVAL);
	bad = r;
	bad.mp_state = 11;
	assert_int_equal(sr__vcpu_rec_decode(&ctx, &bad, 1, &s), -EINVAL);
	bad = r;
	bad.exc_nr = 32;
	assert_int_equal(sr__vcpu_rec_decode(&ctx, &bad, 1, &s), -EINVAL);
	bad = r;
	bad.nmi_masked = 2;
	assert_int_equal(sr__vcpu_rec_decode(&ctx, &bad, 1, &s), -EINVAL);
	assert_int_equal(sr__vcpu_rec_decode(&ctx, &r, 0, &s), -EINVAL);
	assert_int_equal(sr__vcpu_rec_decode(&ctx, &r, 1, &s), 0);
	assert_int_equal(s.vcpu_info_gpa, in[1].vcpu_info_gpa);
	assert_int_equal(s.mp.mp_state, KVM_MP_STATE_HALTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xen_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_structure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disagreeing_copies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_msrs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsupported_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vcpu_rec, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
