/*
 * Xen time: system time (ns since the domain started) from the pvclock in
 * vcpu_info, the wall clock in shared_info, and the single-shot timer that
 * raises VIRQ_TIMER.  Works in ring 0 and ring 3.
 */
#ifndef MINI_PVCLOCK_H
#define MINI_PVCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "xen_abi.h"

/*
 * A consistent copy of t (retried while the hypervisor is writing it).
 * Returns false if t has no scale yet (tsc_to_system_mul is 0).
 */
bool pvclock_snapshot(const volatile struct vcpu_time_info *t, struct vcpu_time_info *out);

/* System time at TSC value tsc according to the snapshot s. */
uint64_t pvclock_at(const struct vcpu_time_info *s, uint64_t tsc);

/*
 * The system time now, from the calling vCPU's pvclock, or from
 * HVMOP_get_time when it has none.
 */
uint64_t xen_time_ns(void);

/*
 * The wall-clock time of system time 0 (shared_info's wc_sec/wc_nsec and
 * wc_sec_hi), read consistently.  Returns false without shared_info.
 */
bool xen_wallclock(uint64_t *sec, uint32_t *nsec);

/*
 * Arms the calling vCPU's single-shot timer for system time deadline
 * (VCPUOP_set_singleshot_timer); it raises VIRQ_TIMER.  Returns 0 or a
 * negative Xen errno.
 */
long xen_timer_set(uint64_t deadline);

#endif
