/*
 * Unit tests for the PV console's pause and state (hv/pvcon.c): the
 * restored console carries on mid-line with what the guest left in its
 * ring, on the same port, with input still going to the ring; a paused
 * console leaves the ring alone; bad bodies are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <xen/io/console.h>

#include "boot.h"
#include "device_state.h"
#include "fake_guest.h"
#include "fake_state.h"
#include "pvcon.h"

#define SHINFO_GFN 0x10

struct side {
	struct fake_domain f;
	struct xencons_interface *ring;
	int out[2]; /* the console's output */
};

static struct side src, dst;

static int side_init(struct side *s)
{
	if (fake_domain_init(&s->f, 16, 1) || pipe2(s->out, O_NONBLOCK | O_CLOEXEC) ||
	    !s->f.d.pvcon)
		return -1;
	pthread_mutex_lock(&s->f.d.console.lock);
	s->f.d.console.out_fd = s->out[1];
	pthread_mutex_unlock(&s->f.d.console.lock);
	s->ring = hv_gmem_map(&s->f.d.mem, HV_CONSOLE_GFN << HV_PAGE_SHIFT, sizeof(*s->ring),
			      true);
	return 0;
}

static void side_destroy(struct side *s)
{
	fake_domain_destroy(&s->f);
	close(s->out[0]);
	close(s->out[1]);
}

static void notify(struct side *s)
{
	struct evtchn_send send = {
		.port = (evtchn_port_t)s->f.d.hvm_params[HVM_PARAM_CONSOLE_EVTCHN] };

	assert_int_equal(fake_guest_evtchn(&s->f.d.vcpus[0], EVTCHNOP_send, &send, sizeof(send)),
			 0);
}

/* The guest writes s to out[] (and notifies if asked). */
static void guest_print(struct side *x, const char *s, bool and_notify)
{
	for (size_t i = 0; s[i]; i++)
		x->ring->out[MASK_XENCONS_IDX(x->ring->out_prod + i, x->ring->out)] = s[i];
	__atomic_store_n(&x->ring->out_prod, x->ring->out_prod + (uint32_t)strlen(s),
			 __ATOMIC_RELEASE);
	if (and_notify)
		notify(x);
}

static void expect_output(struct side *s, const char *want)
{
	char buf[256] = { 0 };
	size_t len = 0;
	struct timespec tick = { 0, 1000000 };

	for (int i = 0; i < 2000 && len < strlen(want); i++) {
		ssize_t n = read(s->out[0], buf + len, sizeof(buf) - 1 - len);

		if (n > 0)
			len += (size_t)n;
		else
			nanosleep(&tick, NULL);
	}
	assert_string_equal(buf, want);
}

static int setup(void **state)
{
	(void)state;
	if (side_init(&src) || side_init(&dst))
		return -1;
	return fake_guest_map_shared_info(&src.f.d.vcpus[0], SHINFO_GFN) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	side_destroy(&src);
	side_destroy(&dst);
	return 0;
}

static void carries_on_mid_line(void **state)
{
	uint32_t in_prod;

	(void)state;
	guest_print(&src, "hello, ", true);
	expect_output(&src, "hello, ");
	guest_print(&src, "wor", false); /* left in the ring at the save */
	assert_int_equal(fake_state_transfer(&dst.f, &src.f), 0);
	assert_int_equal(dst.f.d.hvm_params[HVM_PARAM_CONSOLE_EVTCHN],
			 src.f.d.hvm_params[HVM_PARAM_CONSOLE_EVTCHN]);
	expect_output(&dst, "wor"); /* taken at once, with no notification */
	guest_print(&dst, "ld\n", true);
	expect_output(&dst, "ld\n");
	/* The guest had used the ring: input goes there. */
	in_prod = dst.ring->in_prod;
	hv_console_input(&dst.f.d.console, "k", 1);
	for (int i = 0; i < 2000 && __atomic_load_n(&dst.ring->in_prod, __ATOMIC_ACQUIRE) ==
						  in_prod; i++)
		usleep(1000);
	assert_int_equal(dst.ring->in_prod, in_prod + 1);
	assert_int_equal(dst.ring->in[MASK_XENCONS_IDX(in_prod, dst.ring->in)], 'k');
}

static void paused_console_waits(void **state)
{
	(void)state;
	hv_domain_pause(&src.f.d);
	guest_print(&src, "later\n", true);
	usleep(20000);
	assert_int_equal(src.ring->out_cons, 0);
	hv_domain_unpause(&src.f.d); /* the notification waited */
	expect_output(&src, "later\n");
}

static void bad_bodies(void **state)
{
	const struct hv_device *dev = fake_state_device(&dst.f, HV_STATE_CONSOLE);
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 0 };
	struct hv_state_buf b = { 0 };
	uint8_t body[9];
	uint32_t len;
	size_t off;

	(void)state;
	notify(&src);
	assert_int_equal(fake_guest_evtchn(&src.f.d.vcpus[0], EVTCHNOP_alloc_unbound, &a,
					   sizeof(a)), 0);
	assert_int_equal(fake_state_save(&src.f, &b, NULL), 0);
	hv_domain_pause(&dst.f.d);
	assert_int_equal(fake_state_restore_before(&dst.f, b.data, b.len, HV_STATE_CONSOLE), 0);
	assert_int_equal(fake_state_find(b.data, b.len, HV_STATE_CONSOLE, &off, &len), 0);
	assert_int_equal(hv_pvcon_device.state_id, HV_STATE_CONSOLE); /* and it is linked in */
	assert_int_equal(len, 8);
	memcpy(body, b.data + off, len);
	assert_int_equal(dev->restore(&dst.f.d, 2, body, len), -ENOTSUP);
	for (uint32_t n = 0; n <= len + 1; n++)
		if (n != len)
			assert_int_equal(dev->restore(&dst.f.d, 1, body, n), -EINVAL);
	body[4] = 2; /* guest_notified */
	assert_int_equal(dev->restore(&dst.f.d, 1, body, len), -EINVAL);
	body[4] = 1;
	body[7] = 1; /* padding */
	assert_int_equal(dev->restore(&dst.f.d, 1, body, len), -EINVAL);
	body[7] = 0;
	memcpy(body, &a.port, 4); /* the guest's port, not the console's */
	assert_int_equal(dev->restore(&dst.f.d, 1, body, len), -EINVAL);
	memcpy(body, b.data + off, 4);
	assert_int_equal(dev->restore(&dst.f.d, 1, body, len), 0);
	hv_domain_unpause(&dst.f.d);
	free(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(carries_on_mid_line, setup, teardown),
		cmocka_unit_test_setup_teardown(paused_console_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_bodies, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
