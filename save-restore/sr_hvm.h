/*
 * Between tern-hv's vCPU state (hv/vcpu_state.h, KVM's structs) and Xen's
 * HVM save records (xen/arch-x86/hvm/save.h), one record at a time.
 * sr_hvm_blob.c frames them into the HVM_CONTEXT blob.
 *
 * Where data sit twice (an MSR with a field of its own in a Xen record,
 * the legacy FPU area in both CPU and XSAVE records, EFER in the CPU
 * record and sregs) the writer fills both from one source and the reader
 * takes one and refuses a stream where the other disagrees.  Fields that
 * Xen's records derive from others (the pending event, the LAPIC's
 * disabled flags and timer divisor, xcr0_accum) are written for Xen's
 * tools and ignored when read: Tern restores from the primary data.
 */
#ifndef SR_HVM_H
#define SR_HVM_H

#include <stdint.h>

#include <xen/xen.h>
#include <xen/hvm/save.h>

#include "sr_int.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "HVM save records travel in the (little-endian) byte order of x86"
#endif

_Static_assert(sizeof(struct hvm_save_descriptor) == 8, "HVM descriptor");
_Static_assert(sizeof(struct hvm_save_header) == 24, "HVM header");
_Static_assert(sizeof(struct hvm_hw_cpu) == 1032, "HVM CPU record");
_Static_assert(sizeof(struct hvm_hw_lapic) == 24, "HVM LAPIC record");
_Static_assert(sizeof(struct hvm_hw_lapic_regs) == 1024, "HVM LAPIC_REGS record");
_Static_assert(sizeof(struct hvm_hw_mtrr) == 240, "HVM MTRR record");
_Static_assert(offsetof(struct hvm_hw_cpu_xsave, save_area) == 24, "HVM XSAVE record");
_Static_assert(sizeof(struct hvm_msr) == 8 && sizeof(struct hvm_one_msr) == 16, "HVM MSR record");
_Static_assert(sizeof(struct hvm_hw_lapic_regs) == sizeof(struct kvm_lapic_state), "LAPIC page");

/* The XSAVE record: Xen's three words, then KVM's whole XSAVE area. */
#define SR_HVM_XSAVE_LEN (offsetof(struct hvm_hw_cpu_xsave, save_area) + sizeof(struct kvm_xsave))
/* The MSR record for n MSRs. */
#define SR_HVM_MSR_LEN(n) (sizeof(struct hvm_msr) + (size_t)(n) * sizeof(struct hvm_one_msr))

/* The fixed-size records of one vCPU, as they travel. */
struct sr_hvm_vcpu {
	struct hvm_hw_cpu cpu;
	struct hvm_hw_lapic lapic;
	struct hvm_hw_mtrr mtrr;
};

/* Fills r from s: registers, segments, control registers, MSR fields. */
void sr__hvm_vcpu_encode(const struct hv_vcpu_state *s, struct sr_hvm_vcpu *r);

/*
 * Fills s from r (registers, segments, control registers, EFER, the APIC
 * base, CR8 from the TPR already in s->lapic), checking every field that
 * has reserved bits and every MSR field against s->msrs.  0 or -EINVAL.
 */
int sr__hvm_vcpu_decode(struct sr_ctx *ctx, unsigned id, const struct sr_hvm_vcpu *r, struct hv_vcpu_state *s);

/* Writes the XSAVE record body for s (SR_HVM_XSAVE_LEN bytes) to out. */
int sr__hvm_xsave_encode(struct sr_ctx *ctx, const struct hv_vcpu_state *s, uint8_t *out);

/* Reads an XSAVE record body (length checked by the caller) into s. */
void sr__hvm_xsave_decode(const uint8_t *body, struct hv_vcpu_state *s);

/* Writes the MSR record body for s (SR_HVM_MSR_LEN(s->nr_msrs) bytes). */
void sr__hvm_msrs_encode(const struct hv_vcpu_state *s, uint8_t *out);

/* Reads an MSR record body of len bytes into s.  0 or -EINVAL. */
int sr__hvm_msrs_decode(struct sr_ctx *ctx, unsigned id, const uint8_t *body, size_t len, struct hv_vcpu_state *s);

#endif
