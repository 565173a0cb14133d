/*
 * Unit tests for hv/ctl_vcpu.c: a vCPU's state in its wire form.  A wire
 * state decoded and encoded again is the same bytes; every field that can
 * be wrong is refused (version, flags that are not 0 or 1, out-of-range
 * numbers, padding, counts over the limits, unused entries, MSRs that are
 * not saved or repeat, a vcpu_info crossing a page, a low upcall vector);
 * and the message reader checks the type and the length first.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl_proto.h"

/* A wire state with every field set to something valid and distinctive. */
static void good(struct hv_ctl_vcpu *w)
{
	memset(w, 0, sizeof(*w));
	w->version = HV_CTL_VCPU_VERSION;
	w->vcpu = 1;
	for (unsigned i = 0; i < 16; i++)
		w->gpr[i] = 0x1111111111111111ULL * (i + 1);
	w->rip = 0xffffffff81000000ULL;
	w->rflags = 0x202;
	for (unsigned i = 0; i < 8; i++)
		w->seg[i] = (struct hv_ctl_segment){ .base = i * 0x1000, .limit = 0xfffff,
						     .selector = (uint16_t)(i * 8), .type = 11,
						     .present = 1, .dpl = 3, .db = 0, .s = 1,
						     .l = 1, .g = 1 };
	w->gdt = (struct hv_ctl_dtable){ .base = 0x5000, .limit = 0x7f };
	w->idt = (struct hv_ctl_dtable){ .base = 0x6000, .limit = 0xfff };
	w->cr0 = 0x80050033;
	w->cr3 = 0x1000;
	w->cr4 = 0x20;
	w->efer = 0xd01;
	w->apic_base = 0xfee00900;
	w->interrupt_bitmap[1] = 4;
	w->events = (struct hv_ctl_events){ .exc_injected = 1, .exc_nr = 14,
					    .exc_has_error_code = 1, .exc_error_code = 2,
					    .irq_shadow = 1, .nmi_masked = 1,
					    .flags = KVM_VCPUEVENT_VALID_SHADOW };
	w->mp_state = KVM_MP_STATE_HALTED;
	w->nr_xcrs = 1;
	w->xcrs[0] = (struct hv_ctl_msr){ .index = 0, .value = 7 };
	w->nr_msrs = 3;
	w->msrs[0] = (struct hv_ctl_msr){ .index = 0x10, .value = 123456 };
	w->msrs[1] = (struct hv_ctl_msr){ .index = 0xc0000082, .value = 0xffffffff81800000 };
	w->msrs[2] = (struct hv_ctl_msr){ .index = 0x277, .value = 0x0007040600070406 };
	w->vcpu_info_gpa = 0x12fc0; /* the last 64 bytes of its page */
	w->upcall_vector = 0xf3;
	w->up = 1;
	w->initialised = 1;
	for (unsigned i = 0; i < sizeof(w->lapic); i++)
		w->lapic[i] = (uint8_t)(i * 7);
	for (unsigned i = 0; i < sizeof(w->xsave); i++)
		w->xsave[i] = (uint8_t)(i * 13);
}

static struct hv_ctl_vcpu w, again;
static struct hv_vcpu_state s;

static void round_trip(void **state)
{
	(void)state;
	good(&w);
	assert_int_equal(hv_ctl_vcpu_decode(&w, &s), 0);
	assert_int_equal(s.regs.rax, w.gpr[0]);
	assert_int_equal(s.regs.r15, w.gpr[15]);
	assert_int_equal(s.sregs.ldt.base, w.seg[7].base);
	assert_int_equal(s.events.exception.nr, 14);
	assert_int_equal(s.msrs[1].data, 0xffffffff81800000ULL);
	assert_int_equal(s.nr_msrs, 3);
	assert_true(s.up && s.initialised);
	assert_int_equal(hv_ctl_vcpu_encode(&s, 1, &again), 0);
	assert_memory_equal(&w, &again, sizeof(w));
	s.nr_msrs = HV_VCPU_MAX_MSRS + 1;
	assert_int_equal(hv_ctl_vcpu_encode(&s, 1, &again), -EINVAL);
}

/* Applies one change to a good state and expects decode to refuse it. */
#define REFUSED(change)                                                      \
	do {                                                                 \
		good(&w);                                                    \
		change;                                                      \
		assert_int_equal(hv_ctl_vcpu_decode(&w, &s), -EINVAL);       \
	} while (0)

static void refused(void **state)
{
	(void)state;
	REFUSED(w.version = 2);
	REFUSED(w.version = 0);
	REFUSED(w.seg[2].present = 2);
	REFUSED(w.seg[0].dpl = 4);
	REFUSED(w.seg[7].type = 16);
	REFUSED(w.seg[3].pad = 1);
	REFUSED(w.seg[5].unusable = 0xff);
	REFUSED(w.gdt.pad[1] = 1);
	REFUSED(w.idt.pad[2] = 1);
	REFUSED(w.events.exc_injected = 2);
	REFUSED(w.events.exc_nr = 32);
	REFUSED(w.events.irq_shadow = 4);
	REFUSED(w.events.flags = 0x40);
	REFUSED(w.events.pad0 = 1);
	REFUSED(w.events.pad1[1] = 1);
	REFUSED(w.events.triple_fault_pending = 3);
	REFUSED(w.mp_state = KVM_MP_STATE_SUSPENDED + 1);
	REFUSED(w.nr_xcrs = HV_CTL_MAX_XCRS + 1);
	REFUSED(w.nr_xcrs = 0xffffffffu);
	REFUSED(w.xcr_flags = 1);
	REFUSED(w.xcrs[0].reserved = 1);
	REFUSED(w.xcrs[1].value = 1); /* past the count */
	REFUSED(w.nr_msrs = HV_VCPU_MAX_MSRS + 1);
	REFUSED(w.nr_msrs = 0xffffffffu);
	REFUSED(w.msrs[3].index = 0x10); /* past the count */
	REFUSED(w.msrs[1].index = 0x10); /* twice */
	REFUSED(w.msrs[2].index = 0xc0010015); /* not one tern-hv saves */
	REFUSED(w.msrs[0].reserved = 1);
	REFUSED(w.vcpu_info_gpa = 0x12fc1); /* crosses into the next page */
	REFUSED(w.vcpu_info_gpa = 1ULL << 52);
	REFUSED(w.upcall_vector = 0x0f);
	REFUSED(w.up = 2);
	REFUSED(w.initialised = 2);
	REFUSED(w.pad[4] = 1);
	/* Accepted edges. */
	good(&w);
	w.vcpu_info_gpa = 0;
	w.upcall_vector = 0;
	w.nr_msrs = 0;
	memset(w.msrs, 0, sizeof(w.msrs));
	assert_int_equal(hv_ctl_vcpu_decode(&w, &s), 0);
}

static void reader(void **state)
{
	struct hv_ctl_hdr set = { .type = HV_CTL_VCPU_SET, .len = sizeof(w) };
	struct hv_ctl_hdr got = { .type = HV_CTL_VCPU_GET | HV_CTL_REPLY, .len = sizeof(w) };
	struct hv_ctl_hdr get = { .type = HV_CTL_VCPU_GET, .len = sizeof(w) };
	uint8_t *unaligned = malloc(sizeof(w) + 1);
	unsigned vcpu = 99;

	(void)state;
	good(&w);
	memcpy(unaligned + 1, &w, sizeof(w));
	assert_int_equal(hv_ctl_read_vcpu(&set, unaligned + 1, &vcpu, &s), 0);
	assert_int_equal(vcpu, 1);
	assert_int_equal(hv_ctl_read_vcpu(&got, &w, &vcpu, &s), 0);
	assert_int_equal(hv_ctl_read_vcpu(&get, &w, &vcpu, &s), -EPROTO);
	set.len--;
	assert_int_equal(hv_ctl_read_vcpu(&set, &w, &vcpu, &s), -EINVAL);
	got.status = -EBUSY;
	assert_int_equal(hv_ctl_read_vcpu(&got, &w, &vcpu, &s), -EPROTO);
	free(unaligned);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(refused),
		cmocka_unit_test(reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
