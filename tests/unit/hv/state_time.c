/*
 * Unit tests for the time device's pause and state (hv/guest_time.c):
 * system time goes on from the saved value in the restored domain (time
 * spent saved does not count), the pvclock is rewritten from it before the
 * vCPUs run, the timers keep their deadlines and fire again, a paused
 * domain's timers do not fire; bad bodies are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <xen/vcpu.h>

#include "device_state.h"
#include "evtchn.h"
#include "fake_guest.h"
#include "fake_state.h"
#include "hypercall.h"

#define SHINFO_GFN 0x10
#define PERIOD_NS 5000000ULL /* 5 ms */
#define HOUR_NS 3600000000000ULL

static struct fake_domain src, dst;
static evtchn_port_t timer_port;

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int setup(void **state)
{
	struct evtchn_bind_virq b = { .virq = VIRQ_TIMER, .vcpu = 1 };
	struct vcpu_set_periodic_timer per = { .period_ns = PERIOD_NS };
	struct vcpu_set_singleshot_timer shot;
	struct hv_vcpu *v;

	(void)state;
	if (fake_domain_init(&src, 16, 2) || fake_domain_init(&dst, 16, 2))
		return -1;
	v = &src.d.vcpus[0];
	if (fake_guest_map_shared_info(v, SHINFO_GFN) ||
	    fake_guest_evtchn(v, EVTCHNOP_bind_virq, &b, sizeof(b)))
		return -1;
	timer_port = b.port;
	shot = (struct vcpu_set_singleshot_timer){ .timeout_abs_ns =
							   hv_domain_time_ns(&src.d) + HOUR_NS };
	return fake_guest_vcpu_op(v, VCPUOP_set_periodic_timer, 1, &per, sizeof(per)) ||
	       fake_guest_vcpu_op(v, VCPUOP_set_singleshot_timer, 0, &shot, sizeof(shot));
}

static int teardown(void **state)
{
	(void)state;
	fake_domain_destroy(&src);
	fake_domain_destroy(&dst);
	return 0;
}

static void clear_pending(struct fake_domain *f, evtchn_port_t port)
{
	uint64_t gpa = f->d.shared_info_gpa + offsetof(struct shared_info, evtchn_pending) +
		       port / 64 * 8;
	uint64_t *w = hv_gmem_map(&f->d.mem, gpa, 8, true);

	__atomic_fetch_and(w, ~(1ULL << (port % 64)), __ATOMIC_SEQ_CST);
}

/* Waits up to a second for port to be pending. */
static bool raised(struct fake_domain *f, evtchn_port_t port)
{
	for (int i = 0; i < 1000 && !fake_guest_pending(&f->d, port); i++)
		sleep_ms(1);
	return fake_guest_pending(&f->d, port);
}

static void paused_timers_do_not_fire(void **state)
{
	(void)state;
	assert_true(raised(&src, timer_port));
	hv_domain_pause(&src.d);
	clear_pending(&src, timer_port);
	sleep_ms(4 * PERIOD_NS / 1000000);
	assert_false(fake_guest_pending(&src.d, timer_port));
	hv_domain_unpause(&src.d);
	assert_true(raised(&src, timer_port));
}

static uint64_t pvclock_system_time(struct fake_domain *f, unsigned vcpu)
{
	uint64_t t = 0;

	hv_gmem_read(&f->d.mem,
		     f->d.shared_info_gpa + offsetof(struct shared_info, vcpu_info[vcpu]) +
			     offsetof(struct vcpu_info, time.system_time),
		     &t, sizeof(t));
	return t;
}

static void time_goes_on_from_the_save(void **state)
{
	struct hv_state_buf b = { 0 };
	uint64_t before, after, now;

	(void)state;
	hv_domain_pause(&src.d);
	before = hv_domain_time_ns(&src.d);
	assert_int_equal(hv_devices_save(&src.d, &b), 0);
	after = hv_domain_time_ns(&src.d);
	sleep_ms(200); /* time while saved */
	assert_int_equal(fake_state_copy_memory(&dst, &src), 0);
	clear_pending(&dst, timer_port);
	assert_int_equal(fake_state_restore(&dst, b.data, b.len), 0);
	now = hv_domain_time_ns(&dst.d);
	assert_true(now >= before);
	assert_true(now < after + 100000000ULL);
	/* The unpause wrote every pvclock from the restored time. */
	assert_true(pvclock_system_time(&dst, 0) >= before);
	assert_true(pvclock_system_time(&dst, 1) >= before);
	assert_true(pvclock_system_time(&dst, 1) <= hv_domain_time_ns(&dst.d));
	/* The periodic timer fires in the restored domain; the one-shot is an hour away. */
	assert_true(raised(&dst, timer_port));
	hv_domain_unpause(&src.d);
	free(b.data);
}

static void bad_bodies(void **state)
{
	struct hv_state_buf b = { 0 };
	const struct hv_device *dev;
	uint8_t *body;
	uint32_t len;

	(void)state;
	assert_int_equal(fake_state_save(&src, &b, NULL), 0);
	body = fake_state_body(&b, HV_STATE_TIME, &len);
	assert_int_equal(len, 16 + 2 * 24);
	dev = fake_state_device(&dst, HV_STATE_TIME);
	hv_domain_pause(&dst.d);
	assert_int_equal(dev->restore(&dst.d, 2, body, len), -ENOTSUP);
	for (uint32_t n = 0; n < len; n++)
		assert_int_equal(dev->restore(&dst.d, 1, body, n), -EINVAL);
	body[len] = 0;
	assert_int_equal(dev->restore(&dst.d, 1, body, len + 1), -EINVAL);
	body[12] = 3; /* three vCPUs */
	assert_int_equal(dev->restore(&dst.d, 1, body, len), -EINVAL);
	body[12] = 2;
	memcpy(body + 16 + 24 + 8, &(uint64_t){ 1000 }, 8); /* a period of 1 us */
	assert_int_equal(dev->restore(&dst.d, 1, body, len), -EINVAL);
	memcpy(body + 16 + 24 + 8, &(uint64_t){ PERIOD_NS }, 8);
	memcpy(body, &(uint64_t){ 1ULL << 63 }, 8); /* a system time past 2^63 */
	assert_int_equal(dev->restore(&dst.d, 1, body, len), -EINVAL);
	memcpy(body, &(uint64_t){ HOUR_NS }, 8);
	assert_int_equal(dev->restore(&dst.d, 1, body, len), 0);
	hv_domain_unpause(&dst.d);
	assert_true(hv_domain_time_ns(&dst.d) >= HOUR_NS);
	free(body);
	free(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(paused_timers_do_not_fire, setup, teardown),
		cmocka_unit_test_setup_teardown(time_goes_on_from_the_save, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_bodies, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
