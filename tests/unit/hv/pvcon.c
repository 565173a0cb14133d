/*
 * Unit tests for hv/pvcon.c on a fake domain: what the device hands the
 * guest (HVM params, xenstore nodes), output through the ring and the
 * event channel to the console and the log, input once the guest uses the
 * ring, input that waits for room, corrupt indices, and the last output
 * before the domain stops.  Test code plays the guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <xen/io/console.h>
#include <xen/memory.h>

#include "boot.h"
#include "evtchn.h"
#include "fake_domain.h"
#include "hypercall.h"
#include "pvcon.h"
#include "xenstore.h"

#define SHINFO_GFN 0x10
#define ARG 0x1000

struct ctx {
	struct fake_domain f;
	struct xencons_interface *ring;
	evtchn_port_t port;
	int out[2];        /* the console's output */
	char dir[64];      /* for the log and the socket */
};

static struct ctx x;

/* The guest places shared_info, so that notifications leave a mark. */
static void map_shared_info(void)
{
	struct xen_add_to_physmap a = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					.gpfn = SHINFO_GFN };
	struct hv_hcall c = { .nr = __HYPERVISOR_memory_op,
			      .arg = { XENMEM_add_to_physmap, ARG }, .long_mode = true };

	assert_int_equal(hv_gmem_write(&x.f.d.mem, ARG, &a, sizeof(a)), 0);
	assert_int_equal(hv_hypercall(&x.f.d.vcpus[0], &c), 0);
}

static int setup(void **state)
{
	(void)state;
	memset(&x, 0, sizeof(x));
	if (fake_domain_init(&x.f, 16, 1) || pipe2(x.out, O_NONBLOCK | O_CLOEXEC))
		return -1;
	assert_non_null(x.f.d.pvcon); /* hv_pvcon_device came up */
	pthread_mutex_lock(&x.f.d.console.lock);
	x.f.d.console.out_fd = x.out[1];
	pthread_mutex_unlock(&x.f.d.console.lock);
	x.f.d.vcpus[0].run->s.regs.sregs.cr0 = 1;
	x.ring = hv_gmem_map(&x.f.d.mem, HV_CONSOLE_GFN << HV_PAGE_SHIFT, sizeof(*x.ring), true);
	x.port = (evtchn_port_t)x.f.d.hvm_params[HVM_PARAM_CONSOLE_EVTCHN];
	strcpy(x.dir, "/tmp/tern-pvcon.XXXXXX");
	if (!mkdtemp(x.dir))
		return -1;
	map_shared_info();
	return x.ring ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	fake_domain_destroy(&x.f);
	close(x.out[0]);
	close(x.out[1]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", x.dir);
	return system(cmd);
}

/* The guest writes to out[] and (if notify) sends on the console port. */
static void guest_print(const char *s, bool notify)
{
	struct evtchn_send send = { .port = x.port };
	struct hv_hcall c = { .nr = __HYPERVISOR_event_channel_op,
			      .arg = { EVTCHNOP_send, ARG }, .long_mode = true };

	for (size_t i = 0; s[i]; i++)
		x.ring->out[MASK_XENCONS_IDX(x.ring->out_prod + i, x.ring->out)] = s[i];
	__atomic_store_n(&x.ring->out_prod, x.ring->out_prod + (uint32_t)strlen(s),
			 __ATOMIC_RELEASE);
	if (!notify)
		return;
	assert_int_equal(hv_gmem_write(&x.f.d.mem, ARG, &send, sizeof(send)), 0);
	assert_int_equal(hv_hypercall(&x.f.d.vcpus[0], &c), 0);
}

/* Waits up to 2 s for cond(); returns its last value. */
static bool wait_for(bool (*cond)(void *), void *arg)
{
	struct timespec tick = { 0, 1000000 };

	for (int i = 0; i < 2000; i++) {
		if (cond(arg))
			return true;
		nanosleep(&tick, NULL);
	}
	return cond(arg);
}

static bool in_prod_is(void *want)
{
	return __atomic_load_n(&x.ring->in_prod, __ATOMIC_ACQUIRE) == *(uint32_t *)want;
}

static bool out_consumed(void *unused)
{
	(void)unused;
	return __atomic_load_n(&x.ring->out_cons, __ATOMIC_ACQUIRE) == x.ring->out_prod;
}

static void expect_output(const char *want)
{
	char buf[256] = { 0 };
	size_t len = 0;
	struct timespec tick = { 0, 1000000 };

	for (int i = 0; i < 2000 && len < strlen(want); i++) {
		ssize_t n = read(x.out[0], buf + len, sizeof(buf) - 1 - len);

		if (n > 0)
			len += (size_t)n;
		else
			nanosleep(&tick, NULL);
	}
	assert_string_equal(buf, want);
}

static bool port_pending(void)
{
	uint64_t w = 0;

	hv_gmem_read(&x.f.d.mem, (SHINFO_GFN << 12) + offsetof(struct shared_info, evtchn_pending),
		     &w, sizeof(w));
	return w & (1ULL << x.port);
}

static void handed_to_the_guest(void **state)
{
	char path[64], *v;

	(void)state;
	assert_string_equal(hv_pvcon_device.name, "console");
	assert_int_equal(x.f.d.hvm_params[HVM_PARAM_CONSOLE_PFN], HV_CONSOLE_GFN);
	assert_true(x.port > 0);
	snprintf(path, sizeof(path), "/local/domain/%u/console/ring-ref", x.f.d.domid);
	assert_int_equal(hv_xs_read(&x.f.d, path, &v), 0);
	assert_int_equal(strtoull(v, NULL, 10), HV_CONSOLE_GFN);
	free(v);
	snprintf(path, sizeof(path), "/local/domain/%u/console/port", x.f.d.domid);
	assert_int_equal(hv_xs_read(&x.f.d, path, &v), 0);
	assert_int_equal(strtoul(v, NULL, 10), x.port);
	free(v);
	snprintf(path, sizeof(path), "/local/domain/%u/console/type", x.f.d.domid);
	assert_int_equal(hv_xs_read(&x.f.d, path, &v), 0);
	assert_string_equal(v, "xenconsoled");
	free(v);
}

static void output_reaches_the_console(void **state)
{
	(void)state;
	guest_print("hello ", true);
	guest_print("ring\n", true);
	expect_output("hello ring\n");
	assert_true(wait_for(out_consumed, NULL));
	assert_true(port_pending()); /* told the guest there is room again */
}

static void input_goes_to_the_ring_once_used(void **state)
{
	char buf[8];
	uint32_t want = 2;

	(void)state;
	/* Before the guest uses the ring, input is CONSOLEIO_read's. */
	hv_console_input(&x.f.d.console, "ab", 2);
	assert_int_equal(hv_console_read(&x.f.d.console, buf, 1), 1);
	guest_print("", true);
	assert_true(wait_for(in_prod_is, &(uint32_t){ 1 }));
	assert_int_equal(x.ring->in[0], 'b');
	assert_int_equal(hv_console_read(&x.f.d.console, buf, sizeof(buf)), 0);
	hv_console_input(&x.f.d.console, "c", 1);
	assert_true(wait_for(in_prod_is, &want));
	assert_memory_equal(x.ring->in, "bc", 2);
}

/* A guest that takes input without notifying still gets the rest. */
static void input_waits_for_room(void **state)
{
	static char big[1100];
	uint32_t full = 1024, all = sizeof(big);

	(void)state;
	memset(big, 'q', sizeof(big));
	guest_print("", true);
	hv_console_input(&x.f.d.console, big, sizeof(big));
	assert_true(wait_for(in_prod_is, &full));
	__atomic_store_n(&x.ring->in_cons, 1024, __ATOMIC_RELEASE);
	assert_true(wait_for(in_prod_is, &all));
}

static void corrupt_output_is_dropped(void **state)
{
	(void)state;
	x.ring->out_prod = 5000;
	guest_print("", true);
	assert_true(wait_for(out_consumed, NULL));
	guest_print("after\n", true);
	expect_output("after\n");
}

/* What the guest wrote just before it stopped is not lost. */
static void exit_drains_the_ring(void **state)
{
	char buf[32] = { 0 };

	(void)state;
	guest_print("last words\n", false);
	hv_devices_exit(&x.f.d);
	assert_int_equal(read(x.out[0], buf, sizeof(buf) - 1), 11);
	assert_string_equal(buf, "last words\n");
	assert_int_equal(hv_devices_init(&x.f.d), 0);
}

static void log_and_socket_from_the_config(void **state)
{
	char log[96], sock[96], buf[64] = { 0 };
	int fd;

	(void)state;
	snprintf(log, sizeof(log), "%s/console.log", x.dir);
	snprintf(sock, sizeof(sock), "%s/console.sock", x.dir);
	hv_devices_exit(&x.f.d);
	x.f.cfg.console_log = strdup(log);
	x.f.cfg.console_socket = strdup(sock);
	assert_int_equal(hv_devices_init(&x.f.d), 0);
	x.ring = hv_gmem_map(&x.f.d.mem, HV_CONSOLE_GFN << HV_PAGE_SHIFT, sizeof(*x.ring), true);
	x.port = (evtchn_port_t)x.f.d.hvm_params[HVM_PARAM_CONSOLE_EVTCHN];
	assert_int_equal(access(sock, F_OK), 0);
	guest_print("logged\n", true);
	expect_output("logged\n");
	hv_devices_exit(&x.f.d);
	assert_int_equal(access(sock, F_OK), -1);
	fd = open(log, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "logged\n");
	close(fd);
	/* A log that cannot be opened stops the device from starting. */
	free(x.f.cfg.console_socket);
	x.f.cfg.console_socket = NULL;
	free(x.f.cfg.console_log);
	x.f.cfg.console_log = strdup("/nonexistent/dir/console.log");
	assert_int_equal(hv_devices_init(&x.f.d), -ENOENT);
	free(x.f.cfg.console_log);
	x.f.cfg.console_log = NULL;
	assert_int_equal(hv_devices_init(&x.f.d), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(handed_to_the_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(output_reaches_the_console, setup, teardown),
		cmocka_unit_test_setup_teardown(input_goes_to_the_ring_once_used, setup, teardown),
		cmocka_unit_test_setup_teardown(input_waits_for_room, setup, teardown),
		cmocka_unit_test_setup_teardown(corrupt_output_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(exit_drains_the_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(log_and_socket_from_the_config, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
