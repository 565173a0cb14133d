/*
 * A vCPU's whole architectural state as KVM holds it, plus what tern-hv
 * keeps for it, for save and restore.  Read and written only while the
 * domain is paused (or before its vCPUs ever ran).
 */
#ifndef HV_VCPU_STATE_H
#define HV_VCPU_STATE_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

struct hv_vcpu;

/* MSRs saved beyond those in kvm_sregs (EFER, APIC base). */
#define HV_VCPU_MAX_MSRS 24

struct hv_vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp;
	unsigned nr_msrs;
	struct kvm_msr_entry msrs[HV_VCPU_MAX_MSRS];
	/* tern-hv's own. */
	uint64_t vcpu_info_gpa;
	uint8_t upcall_vector;
	bool up;
	bool initialised;
	/* Last: newer headers end struct kvm_xsave with a flexible array. */
	struct kvm_xsave xsave;
};

/*
 * The MSRs saved, in order: those of this fixed list that the host's KVM
 * can save (KVM_GET_MSR_INDEX_LIST).
 */
extern const uint32_t hv_vcpu_saved_msrs[];
extern const unsigned hv_vcpu_nr_saved_msrs;

/* Reads v's state into s.  Returns 0 or -errno. */
int hv_vcpu_state_get(struct hv_vcpu *v, struct hv_vcpu_state *s);

/*
 * Loads s into v (KVM first, then tern-hv's fields).  The caller has
 * checked s (e.g. came from a stream reader that validated it).  Returns 0
 * or -errno (KVM refused a part: the vCPU must not run).
 */
int hv_vcpu_state_set(struct hv_vcpu *v, const struct hv_vcpu_state *s);

#endif
