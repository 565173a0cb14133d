/*
 * Time for guests: the pvclock in each vCPU's vcpu_info (vcpu_time_info:
 * system time = ns since the domain was created, extrapolated from the TSC
 * with tsc_to_system_mul/tsc_shift), the wall clock in shared_info, and the
 * VCPUOP single-shot and periodic timers, which raise VIRQ_TIMER.
 */
#ifndef HV_GUEST_TIME_H
#define HV_GUEST_TIME_H

#include <stdint.h>

struct hv_domain;
struct hv_vcpu;

/* Writes v's vcpu_time_info (if v has a vcpu_info yet).  Any thread. */
void hv_time_update_vcpu(struct hv_domain *d, struct hv_vcpu *v);

/* Writes the wall clock and every vCPU's time into a newly placed shared_info. */
void hv_time_shared_info_moved(struct hv_domain *d);

/*
 * VCPUOP_set_singleshot_timer, stop_singleshot_timer, set_periodic_timer and
 * stop_periodic_timer for target, called by caller (whose CPL-0 pointer va
 * holds the argument).  Returns what the guest gets.
 */
long hv_time_vcpu_op(struct hv_vcpu *caller, struct hv_vcpu *target, unsigned cmd,
		     uint64_t va);

/* The ratio from TSC ticks to ns in pvclock form, for tsc_khz. */
void hv_time_scale(uint32_t tsc_khz, uint32_t *mul, int8_t *shift);

#endif
