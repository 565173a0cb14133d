/*
 * selftest: Xen time.  The pvclock in the boot vCPU's vcpu_info against the
 * TSC and HVMOP_get_time, and the wall clock in shared_info.
 */
#include "hcall.h"
#include "kernel.h"
#include "pvclock.h"
#include "selftest.h"
#include "shinfo.h"
#include "tsc.h"
#include "x86.h"

#define NS_PER_S 1000000000ULL
#define RATE_TOLERANCE_PPM 1000     /* pvclock scale against CPUID's TSC frequency */
#define GET_TIME_TOLERANCE_NS 5000000ULL
#define SPIN_NS 10000000ULL
#define WALLCLOCK_MIN 1577836800ULL /* 2020-01-01 */
#define WALLCLOCK_MAX 4102444800ULL /* 2100-01-01 */

static uint64_t diff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* The scale gives one second of TSC ticks as one second of system time. */
static void check_scale(struct selftest *t, const struct vcpu_time_info *s)
{
	uint64_t hz = tsc_hz(t->k), tsc = rdtsc();
	uint64_t ns = pvclock_at(s, tsc + hz) - pvclock_at(s, tsc);

	st_checkf(t, diff(ns, NS_PER_S) <= NS_PER_S / 1000000 * RATE_TOLERANCE_PPM,
		  "time.pvclock.rate", "%lu Hz of TSC give %lu ns per second (mul %u shift %d)", hz,
		  ns, s->tsc_to_system_mul, s->tsc_shift);
}

/* System time agrees with HVMOP_get_time. */
static void check_get_time(struct selftest *t)
{
	struct xen_hvm_get_time gt = { 0 };
	uint64_t before = xen_time_ns(), after;
	long rc = hc_hvm_op(HVMOP_get_time, &gt);

	after = xen_time_ns();
	st_checkf(t, rc == 0 && gt.now + GET_TIME_TOLERANCE_NS >= before &&
			     gt.now <= after + GET_TIME_TOLERANCE_NS,
		  "time.system_time", "rc %ld: get_time %lu, pvclock %lu..%lu", rc, gt.now, before,
		  after);
}

static uint64_t ticks_to_ns(uint64_t ticks, uint64_t hz)
{
	return ticks / hz * NS_PER_S + ticks % hz * NS_PER_S / hz;
}

/*
 * System time advances with the TSC, also across the update the hypervisor
 * makes to the pvclock when the single-shot timer fires half-way.  Each
 * reading is bracketed by TSC reads, so that the vCPU being descheduled
 * cannot fail the check.
 */
static void check_advances(struct selftest *t)
{
	uint64_t hz = tsc_hz(t->k), t0, t1, t2, t3, ns0, ns1, lo, hi;

	t0 = rdtsc();
	ns0 = xen_time_ns();
	t1 = rdtsc();
	xen_timer_set(ns0 + SPIN_NS / 2);
	while (ticks_to_ns(rdtsc() - t1, hz) < SPIN_NS)
		cpu_relax();
	t2 = rdtsc();
	ns1 = xen_time_ns();
	t3 = rdtsc();
	lo = ticks_to_ns(t2 - t1, hz);
	hi = ticks_to_ns(t3 - t0, hz);
	st_checkf(t, ns1 >= ns0 && ns1 - ns0 >= lo - lo / 100 && ns1 - ns0 <= hi + hi / 100,
		  "time.advances", "%lu ns of system time where the TSC says %lu to %lu ns",
		  ns1 - ns0, lo, hi);
}

static void check_wallclock(struct selftest *t)
{
	uint64_t sec = 0;
	uint32_t nsec = 0;
	bool ok = xen_wallclock(&sec, &nsec);

	st_checkf(t, ok && sec >= WALLCLOCK_MIN && sec < WALLCLOCK_MAX && nsec < NS_PER_S,
		  "time.wallclock", "%s: %lu.%09u", ok ? "read" : "unreadable", sec, nsec);
}

void st_time(struct selftest *t)
{
	struct vcpu_info *vi = vcpu_info_of(t->k->bsp);
	struct vcpu_time_info s = { 0 };
	bool ok = vi && pvclock_snapshot(&vi->time, &s);

	st_checkf(t, ok && !(s.version & 1) && s.tsc_to_system_mul, "time.pvclock",
		  "version %u, mul %u, shift %d", s.version, s.tsc_to_system_mul, s.tsc_shift);
	if (!ok)
		return;
	check_scale(t, &s);
	check_get_time(t);
	check_advances(t);
	check_wallclock(t);
}
