/*
 * Unit tests for hv/guest_time.c: the pvclock scale, vcpu_time_info and the
 * wall clock as a guest reads them, and the VCPUOP timers raising
 * VIRQ_TIMER.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <xen/memory.h>
#include <xen/vcpu.h>

#include "evtchn.h"
#include "fake_domain.h"
#include "guest_time.h"
#include "hypercall.h"

#define SHINFO (0x10ULL << 12)
#define ARG 0x1000

static struct fake_domain f;
static struct hv_vcpu *v;

static int setup(void **state)
{
	struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					.gpfn = SHINFO >> 12 };
	struct hv_hcall c = { .nr = __HYPERVISOR_memory_op,
			      .arg = { XENMEM_add_to_physmap, ARG }, .long_mode = true };

	(void)state;
	if (fake_domain_init(&f, 16, 2))
		return -1;
	v = &f.d.vcpus[0];
	v->run->s.regs.sregs.cr0 = 1;
	hv_gmem_write(&f.d.mem, ARG, &x, sizeof(x));
	return hv_hypercall(v, &c) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_domain_destroy(&f);
	return 0;
}

static long vcpu_op(unsigned cmd, unsigned vcpu, const void *arg, size_t size)
{
	struct hv_hcall c = { .nr = __HYPERVISOR_vcpu_op, .arg = { cmd, vcpu, ARG },
			      .long_mode = true };

	hv_gmem_write(&f.d.mem, ARG, arg, size);
	return hv_hypercall(v, &c);
}

static void scale_is_accurate(void **state)
{
	static const uint32_t rates[] = { 1000, 1000000, 2596138, 3400000, 5000000 };

	(void)state;
	for (unsigned i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		uint32_t mul;
		int8_t shift;
		uint64_t ticks = (uint64_t)rates[i] * 1000; /* one second */
		uint64_t t, ns;

		hv_time_scale(rates[i], &mul, &shift);
		t = shift >= 0 ? ticks << shift : ticks >> -shift;
		ns = (uint64_t)(((unsigned __int128)t * mul) >> 32);
		assert_true(mul >= (1u << 31));
		assert_true(ns > 999999000 && ns <= 1000000000);
	}
}

static void guest_reads_time(void **state)
{
	struct vcpu_time_info ti;
	struct shared_info si;
	struct timespec now;

	(void)state;
	hv_gmem_read(&f.d.mem, SHINFO + offsetof(struct shared_info, vcpu_info[1].time), &ti,
		     sizeof(ti));
	assert_int_equal(ti.version % 2, 0);
	assert_true(ti.version > 0);
	assert_true(ti.tsc_to_system_mul >= (1u << 31));
	assert_true(ti.flags & XEN_PVCLOCK_TSC_STABLE_BIT);
	assert_true(ti.system_time < 10ULL * 1000000000);
	hv_gmem_read(&f.d.mem, SHINFO, &si, sizeof(si));
	clock_gettime(CLOCK_REALTIME, &now);
	assert_int_equal(si.wc_version % 2, 0);
	assert_true(si.wc_sec <= (uint32_t)now.tv_sec && si.wc_sec + 10 > (uint32_t)now.tv_sec);
	assert_true(si.wc_nsec < 1000000000);
}

static bool pending(evtchn_port_t port)
{
	uint64_t w = 0;

	hv_gmem_read(&f.d.mem, SHINFO + offsetof(struct shared_info, evtchn_pending), &w, 8);
	return w & (1ULL << port);
}

static void timers_raise_virq(void **state)
{
	struct evtchn_bind_virq b = { .virq = VIRQ_TIMER, .vcpu = 0 };
	struct hv_hcall c = { .nr = __HYPERVISOR_event_channel_op,
			      .arg = { EVTCHNOP_bind_virq, ARG }, .long_mode = true };
	struct vcpu_set_singleshot_timer shot = { .flags = VCPU_SSHOTTMR_future };
	struct vcpu_set_periodic_timer per = { .period_ns = 100 };

	(void)state;
	hv_gmem_write(&f.d.mem, ARG, &b, sizeof(b));
	assert_int_equal(hv_hypercall(v, &c), 0);
	hv_gmem_read(&f.d.mem, ARG, &b, sizeof(b));
	/* In the past with VCPU_SSHOTTMR_future: refused. */
	shot.timeout_abs_ns = 1;
	assert_int_equal(vcpu_op(VCPUOP_set_singleshot_timer, 0, &shot, sizeof(shot)), -XEN_ETIME);
	assert_int_equal(vcpu_op(VCPUOP_set_singleshot_timer, 1, &shot, sizeof(shot)),
			 -XEN_EINVAL);
	shot.timeout_abs_ns = hv_domain_time_ns(&f.d) + 2000000;
	assert_int_equal(vcpu_op(VCPUOP_set_singleshot_timer, 0, &shot, sizeof(shot)), 0);
	for (int i = 0; i < 200 && !pending(b.port); i++)
		usleep(5000);
	assert_true(pending(b.port));
	assert_int_equal(vcpu_op(VCPUOP_set_periodic_timer, 0, &per, sizeof(per)), -XEN_EINVAL);
	per.period_ns = 1000000;
	assert_int_equal(vcpu_op(VCPUOP_set_periodic_timer, 0, &per, sizeof(per)), 0);
	assert_int_equal(vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL, 0), 0);
	assert_int_equal(vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scale_is_accurate),
		cmocka_unit_test_setup_teardown(guest_reads_time, setup, teardown),
		cmocka_unit_test_setup_teardown(timers_raise_virq, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
