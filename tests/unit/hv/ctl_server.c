/*
 * Unit tests for hv/control.c, hv/control_ops.c and hv/ctl_client.c: a
 * control server on a fake domain (no KVM) and clients on its socket.
 * The handshake, malformed and oversized headers, pipelined requests,
 * pause and unpause, what needs a paused or an incoming domain, the
 * memfds mapped by the client, the shutdown request in xenstore, the stop
 * notification (also to a late subscriber), destroy, the incoming start
 * mode, log-dirty tracking (its bitmap memfd, owner, growth, release when
 * its client leaves) and the client limit.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "control.h"
#include "ctl_client.h"
#include "fake_domain.h"
#include "xenstore.h"

static struct fake_domain f;
static struct hv_control *ctl;
static char path[108];

static int start(enum hv_control_start mode)
{
	sigset_t term;

	/* destroy on a stopped domain raises SIGTERM: keep it pending. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	snprintf(path, sizeof(path), "/tmp/tern-ctl-test.%d.sock", (int)getpid());
	if (fake_domain_init(&f, 16, 1))
		return -1;
	return hv_control_start(&f.d, path, mode, &ctl);
}

static int setup(void **state)
{
	(void)state;
	return start(HV_CONTROL_RUN);
}

static int setup_incoming(void **state)
{
	(void)state;
	return start(HV_CONTROL_INCOMING);
}

static int teardown(void **state)
{
	(void)state;
	hv_control_stop(ctl);
	fake_domain_destroy(&f);
	return 0;
}

/* Raw connections, for what the client library never sends */

static int dial(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(addr.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

static void raw_send(int fd, uint32_t type, uint32_t seq, const void *p, uint32_t len)
{
	struct hv_ctl_hdr h = { .type = type, .len = len, .seq = seq };

	assert_int_equal(send(fd, &h, sizeof(h), MSG_NOSIGNAL), sizeof(h));
	if (len)
		assert_int_equal(send(fd, p, len, MSG_NOSIGNAL), len);
}

/* Reads one message (2 s at most); false at the end of the stream. */
static bool raw_recv(int fd, struct hv_ctl_hdr *h, void *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;

	assert_int_equal(poll(&p, 1, 2000), 1);
	if (recv(fd, h, sizeof(*h), MSG_WAITALL) != sizeof(*h))
		return false;
	assert_true(h->len <= size);
	while (got < h->len) {
		ssize_t n = recv(fd, (uint8_t *)buf + got, h->len - got, 0);

		assert_true(n > 0);
		got += (size_t)n;
	}
	return true;
}

static void raw_hello(int fd, uint32_t version)
{
	struct hv_ctl_hello m = { .magic = HV_CTL_MAGIC, .version = version };

	raw_send(fd, HV_CTL_HELLO, 1, &m, sizeof(m));
}

static void handshake(void **state)
{
	struct hv_ctl_hdr h;
	char buf[512];
	int fd = dial();

	(void)state;
	raw_send(fd, HV_CTL_INFO, 5, NULL, 0);
	assert_true(raw_recv(fd, &h, buf, sizeof(buf)));
	assert_int_equal(h.type, HV_CTL_INFO | HV_CTL_REPLY);
	assert_int_equal(h.seq, 5);
	assert_int_equal(h.status, -EPROTO);
	assert_string_equal(buf, "the first message must be hello");
	assert_false(raw_recv(fd, &h, buf, sizeof(buf)));
	close(fd);

	fd = dial();
	raw_hello(fd, 0);
	assert_true(raw_recv(fd, &h, buf, sizeof(buf)));
	assert_int_equal(h.status, -EPROTONOSUPPORT);
	raw_hello(fd, 42); /* a newer client is answered with our version */
	assert_true(raw_recv(fd, &h, buf, sizeof(buf)));
	assert_int_equal(h.status, 0);
	assert_int_equal(((struct hv_ctl_hello *)buf)->version, HV_CTL_VERSION);
	raw_hello(fd, 1);
	assert_true(raw_recv(fd, &h, buf, sizeof(buf)));
	assert_int_equal(h.status, -EPROTO);
	close(fd);
}

/* Sends a header after hello and expects an error reply (or none) and the end. */
static void bad_header(struct hv_ctl_hdr bad, bool answered)
{
	struct hv_ctl_hdr h;
	char buf[512];
	int fd = dial();

	raw_hello(fd, 1);
	assert_true(raw_recv(fd, &h, buf, sizeof(buf)));
	assert_int_equal(send(fd, &bad, sizeof(bad), MSG_NOSIGNAL), sizeof(bad));
	if (answered) {
		assert_true(raw_recv(fd, &h, buf, sizeof(buf)));
		assert_int_equal(h.type, bad.type | HV_CTL_REPLY);
		assert_int_equal(h.status, -EPROTO);
	}
	assert_false(raw_recv(fd, &h, buf, sizeof(buf)));
	close(fd);
}

static void bad_headers(void **state)
{
	(void)state;
	bad_header((struct hv_ctl_hdr){ .type = 0x55 }, false);
	bad_header((struct hv_ctl_hdr){ .type = HV_CTL_INFO | HV_CTL_REPLY }, false);
	bad_header((struct hv_ctl_hdr){ .type = HV_CTL_PAUSE, .len = 4 }, true);
	bad_header((struct hv_ctl_hdr){ .type = HV_CTL_INFO, .status = -1 }, true);
	/* Refused before anything is allocated or read. */
	bad_header((struct hv_ctl_hdr){ .type = HV_CTL_DEVICES_SET, .len = HV_CTL_MAX_BLOB + 1 },
		   true);
	bad_header((struct hv_ctl_hdr){ .type = HV_CTL_VCPU_SET, .len = 0xffffffffu }, true);
}

static void pipelined(void **state)
{
	struct hv_ctl_hdr h[3] = {
		{ .type = HV_CTL_INFO, .seq = 2 },
		{ .type = HV_CTL_PAUSE, .seq = 3 },
		{ .type = HV_CTL_INFO, .seq = 4 },
	};
	struct hv_ctl_info info;
	struct hv_ctl_hdr r;
	char buf[512];
	int fd = dial();

	(void)state;
	raw_hello(fd, 1);
	assert_int_equal(send(fd, h, sizeof(h), MSG_NOSIGNAL), sizeof(h));
	assert_true(raw_recv(fd, &r, buf, sizeof(buf)));
	assert_int_equal(r.seq, 1);
	for (unsigned i = 0; i < 3; i++) {
		assert_true(raw_recv(fd, &r, buf, sizeof(buf)));
		assert_int_equal(r.seq, h[i].seq);
		assert_int_equal(r.status, 0);
		assert_int_equal(hv_ctl_check_hdr(&r, HV_CTL_FROM_SERVER), 0);
	}
	assert_int_equal(hv_ctl_read_info(&r, buf, &info), 0);
	assert_int_equal(info.state, HV_CTL_STATE_PAUSED);
	close(fd);
}

static void pause_unpause(void **state)
{
	struct hv_ctl_client c;
	struct hv_ctl_info i;

	(void)state;
	assert_int_equal(hv_ctl_connect(&c, path), 0);
	assert_int_equal(c.version, HV_CTL_VERSION);
	assert_int_equal(hv_ctl_info(&c, &i), 0);
	assert_string_equal(i.name, "domain");
	assert_int_equal(i.domid, 1);
	assert_int_equal(i.nr_vcpus, 1);
	assert_int_equal(i.memory_mib, 16);
	assert_int_equal(i.state, HV_CTL_STATE_RUNNING);
	assert_int_equal(i.flags, 0);
	assert_int_equal(hv_ctl_pause(&c), 0);
	assert_true(f.d.pausing);
	assert_int_equal(hv_ctl_pause(&c), 0); /* already paused: nothing to do */
	assert_int_equal(hv_ctl_info(&c, &i), 0);
	assert_int_equal(i.state, HV_CTL_STATE_PAUSED);
	assert_int_equal(hv_ctl_unpause(&c), 0);
	assert_false(f.d.pausing);
	assert_int_equal(hv_ctl_unpause(&c), 0);
	assert_int_equal(hv_ctl_info(&c, &i), 0);
	assert_int_equal(i.state, HV_CTL_STATE_RUNNING);
	hv_ctl_close(&c);
}

static void state_needs_pause(void **state)
{
	struct hv_ctl_client c;
	struct hv_vcpu_state s;
	uint64_t gfn = 0xfeff0;
	uint8_t *blob;
	size_t len;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(hv_ctl_connect(&c, path), 0);
	assert_int_equal(hv_ctl_vcpu_get(&c, 0, &s), -EBUSY);
	assert_string_equal(c.err, "the domain is running: pause it first");
	assert_int_equal(hv_ctl_devices_get(&c, &blob, &len), -EBUSY);
	assert_int_equal(hv_ctl_pause(&c), 0);
	assert_int_equal(hv_ctl_vcpu_get(&c, 5, &s), -ENOENT);
	assert_string_equal(c.err, "no vCPU 5 (the domain has 1)");
	/* A fake domain has no KVM vCPU: the error says what failed. */
	assert_int_not_equal(hv_ctl_vcpu_get(&c, 0, &s), 0);
	assert_non_null(strstr(c.err, "cannot read vCPU 0's state"));
	assert_int_not_equal(hv_ctl_vcpu_set(&c, 0, &s), 0);
	assert_non_null(strstr(c.err, "KVM refused vCPU 0's state"));
	s.vcpu_info_gpa = 0x3f000000; /* past the 16 MiB of RAM */
	assert_int_equal(hv_ctl_vcpu_set(&c, 0, &s), -EINVAL);
	assert_string_equal(c.err, "vCPU 0's vcpu_info at 0x3f000000 is not backed");
	assert_int_equal(hv_ctl_devices_get(&c, &blob, &len), 0);
	assert_int_equal(len % 8, 0);
	assert_int_equal(hv_ctl_devices_set(&c, blob, len), -EBUSY);
	assert_non_null(strstr(c.err, "--incoming"));
	free(blob);
	assert_int_equal(hv_ctl_populate(&c, &gfn, 1), -EBUSY);
	hv_ctl_close(&c);
}

static void guest_memory(void **state)
{
	struct hv_ctl_guest_mem g;
	struct hv_ctl_client c;
	char back[5] = { 0 };
	char *p;

	(void)state;
	assert_int_equal(hv_gmem_write(&f.d.mem, 0x8000, "tern", 4), 0);
	assert_int_equal(hv_ctl_connect(&c, path), 0);
	assert_int_equal(hv_ctl_guest_map(&c, &g), 0);
	assert_true(g.map.nr_regions >= 1);
	assert_int_equal(g.map.regions[0].gpa, 0);
	assert_int_equal(g.map.regions[0].size, 16 << 20);
	assert_int_equal(g.map.regions[0].flags, HV_CTL_REGION_RAM);
	p = hv_ctl_guest_ptr(&g, 0x8000, 4);
	assert_non_null(p);
	assert_memory_equal(p, "tern", 4);
	memcpy(p, "TERN", 4); /* shared: the domain sees it at once */
	assert_int_equal(hv_gmem_read(&f.d.mem, 0x8000, back, 4), 0);
	assert_string_equal(back, "TERN");
	assert_null(hv_ctl_guest_ptr(&g, (16 << 20) - 2, 4));
	assert_null(hv_ctl_guest_ptr(&g, 0x40000000, 1));
	/* The xenstore ring page lives in a hole, in the second memfd. */
	assert_int_equal(g.map.nr_fds, 2);
	assert_non_null(hv_ctl_guest_ptr(&g, 0xfeffd000, 4096));
	hv_ctl_guest_unmap(&g);
	hv_ctl_close(&c);
}

static void shutdown_request(void **state)
{
	struct hv_ctl_client c;
	char *value = NULL;

	(void)state;
	assert_int_equal(hv_ctl_connect(&c, path), 0);
	assert_int_equal(hv_ctl_shutdown(&c, HV_CTL_SHUTDOWN_REBOOT), 0);
	assert_int_equal(hv_xs_read(&f.d, "/local/domain/1/control/shutdown", &value), 0);
	assert_string_equal(value, "reboot");
	free(value);
	assert_int_equal(hv_ctl_shutdown(&c, HV_CTL_SHUTDOWN_POWEROFF), 0);
	assert_int_equal(hv_xs_read(&f.d, "/local/domain/1/control/shutdown", &value), 0);
	assert_string_equal(value, "poweroff");
	free(value);
	hv_ctl_close(&c);
}

static void stop_notification(void **state)
{
	struct hv_ctl_client a, b;
	struct hv_ctl_guest_mem g;
	struct hv_ctl_info i;
	struct timespec ts = { .tv_sec = 2 };
	sigset_t term;
	int32_t reason;

	(void)state;
	assert_int_equal(hv_ctl_connect(&a, path), 0);
	assert_int_equal(hv_ctl_subscribe(&a), 0);
	assert_int_equal(hv_ctl_wait_stopped(&a, 50, &reason), -ETIMEDOUT);
	hv_domain_stop(&f.d, HV_STOP_CRASH);
	hv_control_stopped(ctl);
	assert_int_equal(hv_ctl_wait_stopped(&a, 2000, &reason), 0);
	assert_int_equal(reason, HV_CTL_STOP_CRASH);
	assert_int_equal(hv_ctl_info(&a, &i), 0);
	assert_int_equal(i.state, HV_CTL_STATE_SHUTDOWN);
	assert_int_equal(i.stop_reason, HV_CTL_STOP_CRASH);
	assert_int_equal(hv_ctl_pause(&a), -ESRCH);
	assert_string_equal(a.err, "the domain has stopped (crash)");
	/* Memory stays readable (a preserved domain), and a late subscriber learns at once. */
	assert_int_equal(hv_ctl_guest_map(&a, &g), 0);
	hv_ctl_guest_unmap(&g);
	assert_int_equal(hv_ctl_connect(&b, path), 0);
	assert_int_equal(hv_ctl_subscribe(&b), 0);
	assert_int_equal(hv_ctl_wait_stopped(&b, 2000, &reason), 0);
	assert_int_equal(reason, HV_CTL_STOP_CRASH);
	/* destroy releases a stopped domain as SIGTERM would. */
	assert_int_equal(hv_ctl_destroy(&b), 0);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	assert_int_equal(sigtimedwait(&term, NULL, &ts), SIGTERM);
	hv_ctl_close(&a);
	hv_ctl_close(&b);
}

static void destroy_running(void **state)
{
	struct hv_ctl_client c;

	(void)state;
	assert_int_equal(hv_ctl_connect(&c, path), 0);
	assert_int_equal(hv_ctl_destroy(&c), 0);
	assert_int_equal(f.d.stop, HV_STOP_DESTROY);
	hv_ctl_close(&c);
}

static void incoming(void **state)
{
	uint64_t gfns[2] = { 0xfeff0, 0xfeff1 }, bad = 1ULL << 39;
	const uint8_t junk[8] = { 0xff, 0xff, 0xff, 0xff, 8, 0, 0, 0 };
	struct hv_ctl_guest_mem g;
	struct hv_ctl_client c;
	struct hv_ctl_info i;

	(void)state;
	assert_true(f.d.pausing);
	assert_int_equal(hv_ctl_connect(&c, path), 0);
	assert_int_equal(hv_ctl_info(&c, &i), 0);
	assert_int_equal(i.state, HV_CTL_STATE_PAUSED);
	assert_int_equal(i.flags, HV_CTL_INFO_INCOMING);
	assert_int_equal(hv_ctl_populate(&c, gfns, 2), 0);
	assert_int_equal(hv_ctl_populate(&c, &bad, 1), -EINVAL);
	assert_string_equal(c.err, "cannot back frame 0x8000000000: Invalid argument");
	assert_int_equal(hv_ctl_guest_map(&c, &g), 0);
	assert_non_null(hv_ctl_guest_ptr(&g, 0xfeff0000, 4096));
	assert_non_null(hv_ctl_guest_ptr(&g, 0xfeff1000, 4096));
	assert_null(hv_ctl_guest_ptr(&g, 0xfeff0000, 8192)); /* two regions */
	hv_ctl_guest_unmap(&g);
	assert_int_equal(hv_ctl_devices_set(&c, junk, 7), -EINVAL);
	assert_int_not_equal(hv_ctl_devices_set(&c, junk, sizeof(junk)), 0);
	assert_non_null(strstr(c.err, "destroy the domain"));
	assert_int_equal(hv_ctl_devices_set(&c, junk, sizeof(junk)), -EALREADY);
	assert_int_equal(hv_ctl_unpause(&c), 0);
	assert_int_equal(hv_ctl_info(&c, &i), 0);
	assert_int_equal(i.flags, 0);
	assert_int_equal(hv_ctl_populate(&c, gfns, 1), -EBUSY);
	hv_ctl_close(&c);
}

static uint64_t count_bits(const uint64_t *bits, uint64_t nr_frames)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < (nr_frames + 63) / 64; i++)
		n += (uint64_t)__builtin_popcountll(bits[i]);
	return n;
}

static bool bit(const uint64_t *bits, uint64_t gfn)
{
	return bits[gfn / 64] & (1ULL << (gfn % 64));
}

/* Polls INFO until log-dirty tracking is off (2 s at most). */
static bool dirty_goes_off(struct hv_ctl_client *c)
{
	struct hv_ctl_info i;

	for (int n = 0; n < 200; n++) {
		assert_int_equal(hv_ctl_info(c, &i), 0);
		if (!(i.flags & HV_CTL_INFO_DIRTY))
			return true;
		usleep(10000);
	}
	return false;
}

static void dirty_tracking(void **state)
{
	struct hv_ctl_client a, b;
	struct hv_ctl_dirty shape;
	struct hv_ctl_info i;
	const uint64_t *bits;
	uint64_t nr;
	int fd;

	(void)state;
	assert_int_equal(hv_ctl_connect(&a, path), 0);
	assert_int_equal(hv_ctl_connect(&b, path), 0);
	assert_int_equal(hv_ctl_dirty_harvest(&a, &nr), -EINVAL);
	assert_string_equal(a.err, "log-dirty tracking is off");
	assert_int_equal(hv_ctl_dirty_disable(&a), 0); /* off already: nothing to do */
	assert_int_equal(hv_ctl_dirty_enable(&a, &shape, &fd), 0);
	assert_int_equal(shape.bitmap_bytes, HV_CTL_DIRTY_BITMAP_BYTES);
	assert_int_equal(shape.nr_frames, hv_gmem_nr_gfns(&f.d.mem));
	bits = mmap(NULL, shape.bitmap_bytes, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(bits != MAP_FAILED);
	close(fd);
	assert_int_equal(hv_ctl_info(&b, &i), 0);
	assert_int_equal(i.flags, HV_CTL_INFO_DIRTY);
	/* Only the client that enabled it may harvest or disable. */
	assert_int_equal(hv_ctl_dirty_enable(&b, &shape, &fd), -EALREADY);
	assert_int_equal(hv_ctl_dirty_harvest(&b, &nr), -EBUSY);
	assert_int_equal(hv_ctl_dirty_disable(&b), -EBUSY);
	/* A write by tern-hv is reported once. */
	assert_int_equal(hv_gmem_write(&f.d.mem, 0x5000, "x", 1), 0);
	assert_int_equal(hv_ctl_dirty_harvest(&a, &nr), 0);
	assert_int_equal(a.dirty_frames, shape.nr_frames);
	assert_true(bit(bits, 5));
	assert_int_equal(count_bits(bits, a.dirty_frames), nr);
	assert_int_equal(hv_ctl_dirty_harvest(&a, &nr), 0);
	assert_false(bit(bits, 5));
	/* A frame backed above all the others: the next harvest covers it. */
	assert_int_equal(hv_gmem_add_frame(&f.d.mem, 0xfffff), 0);
	assert_int_equal(hv_ctl_dirty_harvest(&a, &nr), 0);
	assert_int_equal(a.dirty_frames, 0x100000);
	assert_true(bit(bits, 0xfffff));
	assert_int_equal(count_bits(bits, a.dirty_frames), nr);
	munmap((void *)bits, HV_CTL_DIRTY_BITMAP_BYTES);
	/* Its client gone, tracking stops and another may turn it on. */
	hv_ctl_close(&a);
	assert_true(dirty_goes_off(&b));
	assert_int_equal(hv_ctl_dirty_enable(&b, &shape, &fd), 0);
	close(fd);
	assert_int_equal(hv_ctl_dirty_disable(&b), 0);
	assert_true(dirty_goes_off(&b));
	hv_ctl_close(&b);
}

static void too_many_clients(void **state)
{
	struct hv_ctl_client c[17];
	int ok = 0;

	(void)state;
	for (unsigned i = 0; i < 17; i++)
		ok += hv_ctl_connect(&c[i], path) == 0;
	assert_int_equal(ok, 16);
	for (unsigned i = 0; i < 17; i++)
		hv_ctl_close(&c[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(pipelined, setup, teardown),
		cmocka_unit_test_setup_teardown(pause_unpause, setup, teardown),
		cmocka_unit_test_setup_teardown(state_needs_pause, setup, teardown),
		cmocka_unit_test_setup_teardown(guest_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(shutdown_request, setup, teardown),
		cmocka_unit_test_setup_teardown(stop_notification, setup, teardown),
		cmocka_unit_test_setup_teardown(destroy_running, setup, teardown),
		cmocka_unit_test_setup_teardown(incoming, setup_incoming, teardown),
		cmocka_unit_test_setup_teardown(dirty_tracking, setup, teardown),
		cmocka_unit_test_setup_teardown(too_many_clients, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
