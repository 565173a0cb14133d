/*
 * Hypercalls: how they arrive (hypercall page of stubs or KVM's Xen
 * intercept), the dispatcher, and the helpers every handler uses to reach
 * its guest-virtual pointer arguments.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/errno.h>

struct hv_vcpu;

/* One hypercall as decoded from the guest's registers. */
struct hv_hcall {
	uint64_t nr;
	uint64_t arg[6];
	bool long_mode; /* 64-bit calling convention */
	unsigned cpl;
};

/*
 * Runs hypercall c for vCPU v and returns the value for the guest's rax:
 * >= 0 on success, a negative Xen errno otherwise.  Calls from CPL != 0 get
 * -EPERM; unknown numbers -ENOSYS, logged once per number.
 */
long hv_hypercall(struct hv_vcpu *v, const struct hv_hcall *c);

/*
 * The guest wrote value (page address | page index) to the hypercall MSR:
 * fills that page with stubs.  Returns 0, or -EINVAL when the guest must get
 * a #GP (bad index, page not backed).
 */
int hv_hypercall_page(struct hv_vcpu *v, uint64_t value);

/*
 * Logs, once per (hypercall, subop), that the guest asked for something not
 * implemented, and returns -ENOSYS for the handler to hand back.
 */
long hv_hcall_unknown(struct hv_vcpu *v, unsigned nr, uint64_t subop);

/*
 * Guest-virtual memory, translated through v's current page tables (identity
 * when paging is off).  Only valid on v's own thread while it handles an
 * exit.  Every function checks the whole range before touching anything and
 * returns 0 or -EFAULT (Xen's code for a bad guest pointer).
 */
int hv_copy_from_guest(struct hv_vcpu *v, void *dst, uint64_t va, size_t len);
int hv_copy_to_guest(struct hv_vcpu *v, uint64_t va, const void *src, size_t len);
int hv_guest_range_ok(struct hv_vcpu *v, uint64_t va, size_t len, bool write);

/* Translates one guest-virtual address; 0 or -EFAULT. */
int hv_gva_to_gpa(struct hv_vcpu *v, uint64_t va, bool write, uint64_t *gpa);

/*
 * The handlers, one file each (hc_*.c).  c->arg holds the arguments already
 * cut to 32 bits for a 32-bit caller; c->long_mode picks the struct layouts.
 */
long hv_hc_xen_version(struct hv_vcpu *v, const struct hv_hcall *c);
long hv_hc_console_io(struct hv_vcpu *v, const struct hv_hcall *c);
long hv_hc_sched_op(struct hv_vcpu *v, const struct hv_hcall *c);
long hv_hc_memory_op(struct hv_vcpu *v, const struct hv_hcall *c);
long hv_hc_hvm_op(struct hv_vcpu *v, const struct hv_hcall *c);
long hv_hc_vcpu_op(struct hv_vcpu *v, const struct hv_hcall *c);

#endif
