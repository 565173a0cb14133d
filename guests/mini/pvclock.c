/*
 * pvclock arithmetic (Xen's vcpu_time_info): ns = system_time +
 * ((tsc - tsc_timestamp) shifted by tsc_shift) * tsc_to_system_mul / 2^32.
 * The version field is a sequence count, odd while the hypervisor writes.
 */
#include "cpu.h"
#include "hcall.h"
#include "pvclock.h"
#include "shinfo.h"
#include "x86.h"

#define MAX_TRIES 1000

bool pvclock_snapshot(const volatile struct vcpu_time_info *t, struct vcpu_time_info *out)
{
	for (unsigned i = 0; i < MAX_TRIES; i++) {
		uint32_t v = t->version;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		out->tsc_timestamp = t->tsc_timestamp;
		out->system_time = t->system_time;
		out->tsc_to_system_mul = t->tsc_to_system_mul;
		out->tsc_shift = t->tsc_shift;
		out->flags = t->flags;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		out->version = t->version;
		if (!(v & 1) && v == out->version)
			return out->tsc_to_system_mul != 0;
		cpu_relax();
	}
	return false;
}

uint64_t pvclock_at(const struct vcpu_time_info *s, uint64_t tsc)
{
	uint64_t delta = tsc - s->tsc_timestamp;

	if (s->tsc_shift >= 0)
		delta <<= s->tsc_shift;
	else
		delta >>= -s->tsc_shift;
	return s->system_time + (uint64_t)(((unsigned __int128)delta * s->tsc_to_system_mul) >> 32);
}

uint64_t xen_time_ns(void)
{
	struct vcpu_info *vi = vcpu_info_of(this_cpu());
	struct vcpu_time_info s;
	struct xen_hvm_get_time t = { 0 };

	if (vi && pvclock_snapshot(&vi->time, &s))
		return pvclock_at(&s, rdtsc());
	hc_hvm_op(HVMOP_get_time, &t);
	return t.now;
}

bool xen_wallclock(uint64_t *sec, uint32_t *nsec)
{
	volatile struct shared_info *s = shinfo_get();

	if (!s)
		return false;
	for (unsigned i = 0; i < MAX_TRIES; i++) {
		uint32_t v = s->wc_version;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		*sec = (uint64_t)s->wc_sec_hi << 32 | s->wc_sec;
		*nsec = s->wc_nsec;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(v & 1) && v == s->wc_version)
			return true;
		cpu_relax();
	}
	return false;
}

long xen_timer_set(uint64_t deadline)
{
	struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline };

	return hc_vcpu_op(VCPUOP_set_singleshot_timer, this_cpu()->id, &t);
}
