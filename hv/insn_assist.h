/*
 * Instruction assist: tern-hv completes, on the vCPU's own thread, a guest
 * instruction that the host's KVM reported it could not emulate
 * (KVM_EXIT_INTERNAL_ERROR, suberror KVM_INTERNAL_ERROR_EMULATION).
 *
 * Only kvm_pvm hosts need this: PVM runs guest ring 0 through KVM's
 * instruction emulator, which lacks some instructions a stock Linux kernel
 * uses (docs/insn-assist.md lists each one met and how it is completed).
 * On a host with hardware virtualization such exits do not happen for these
 * instructions, and the assist stays off: it is switched on only when the
 * kvm_pvm module is loaded.
 */
#ifndef HV_INSN_ASSIST_H
#define HV_INSN_ASSIST_H

#include <stdbool.h>
#include <stdint.h>

#include "insn.h"

struct hv_domain;
struct hv_vcpu;

/* Per-domain state: whether the assist is on, and what it completed. */
struct hv_insn_assist {
	bool on;
	_Atomic uint64_t count[HV_INSN_STMXCSR + 1]; /* by enum hv_insn_op */
};

/* Switches the assist on for d when the host is a kvm_pvm host; logs it. */
void hv_insn_assist_init(struct hv_domain *d);

/* Logs how many instructions of each kind were completed (if any). */
void hv_insn_assist_report(struct hv_domain *d);

/*
 * Handles an emulation-failure exit of v: decodes the instruction at the
 * guest's RIP and completes it (registers, memory, an injected exception).
 * Returns 0 when the guest may go on, or -errno (assist off, an instruction
 * we do not complete, a fault reading it) with the reason logged; the
 * caller then crashes the domain as before.
 */
int hv_insn_assist(struct hv_vcpu *v);

#endif
