/*
 * The TSC frequency, which ring-3 workloads need to pace themselves.
 */
#ifndef MINI_TSC_H
#define MINI_TSC_H

#include <stdint.h>

struct kernel;

/* From CPUID leaf 0x15 (ecx * ebx / eax); 0 if the leaf is absent or incomplete. */
uint64_t tsc_hz_cpuid(void);

/*
 * Returns the TSC frequency in Hz: from CPUID leaf 0x15 if it has one,
 * otherwise measured once against PIT channel 2 (50 ms, ring 0 only).  The
 * result is kept in k.
 */
uint64_t tsc_hz(struct kernel *k);

#endif
