/*
 * Secondary vCPUs (see smp.c).
 */
#ifndef MINI_SMP_H
#define MINI_SMP_H

#include "xen_abi.h"

/*
 * Fills ctx for VCPUOP_initialise: 64-bit mode with the calling vCPU's
 * control registers and page tables, interrupts off, at rip with stack rsp.
 */
void smp_vcpu_context(vcpu_hvm_context_t *ctx, uint64_t rip, uint64_t rsp);

/* The struct cpu of secondary vCPU id (1 and up), or NULL. */
struct cpu *smp_cpu(unsigned id);

#endif
