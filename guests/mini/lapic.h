/*
 * The local APIC, as far as event-channel upcalls need it: enabled, and
 * told when an interrupt has been handled.  KVM's in-kernel local APIC
 * starts in xAPIC mode (registers in the page at 0xfee00000); a vCPU whose
 * APIC is in x2APIC mode reaches the same registers through MSRs.  Ring 0
 * only.
 */
#ifndef MINI_LAPIC_H
#define MINI_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Software-enables the calling vCPU's local APIC with SPURIOUS_VECTOR and
 * accepts every priority.  The BSP must call it first, before other vCPUs
 * start: it maps the xAPIC page.  Returns false if the APIC is disabled in
 * IA32_APIC_BASE or its page cannot be mapped.
 */
bool lapic_init(void);

/* True if the calling vCPU's APIC is in x2APIC mode (after lapic_init). */
bool lapic_x2apic(void);

/* Signals the end of the interrupt being handled. */
void lapic_eoi(void);

/* Sends vector to the calling vCPU itself (fixed delivery). */
void lapic_self_ipi(uint8_t vector);

#endif
