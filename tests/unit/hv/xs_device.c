/*
 * Unit tests for hv/xenstore.c and hv/xs_socket.c: the xenstore device in a
 * fake domain, with its thread: the initial layout and HVM params, the
 * in-process dom0 API and its watch callbacks, the guest's ring driven
 * through an EVTCHNOP_send, and dom0 clients on the Unix socket (replies,
 * events, a malformed stream, a path in use, a stale socket file).
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "boot.h"
#include "fake_domain.h"
#include "hypercall.h"
#include "xenstore.h"
#include "xs_socket.h"

#define RING (HV_XENSTORE_GFN << HV_PAGE_SHIFT)
#define OFF(field) offsetof(struct xenstore_domain_interface, field)
#define ARG 0x1000

static struct fake_domain f;
static char sock_path[108];

static int setup(void **state)
{
	(void)state;
	snprintf(sock_path, sizeof(sock_path), "/tmp/tern-xs-test.%d.sock", (int)getpid());
	unlink(sock_path);
	if (fake_domain_init(&f, 16, 1))
		return -1;
	f.d.vcpus[0].run->s.regs.sregs.cr0 = 1;
	return f.d.xs ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fake_domain_destroy(&f);
	unlink(sock_path);
	return 0;
}

/* Polls cond() for up to two seconds. */
static bool eventually(bool (*cond)(void))
{
	for (int i = 0; i < 2000; i++) {
		if (cond())
			return true;
		usleep(1000);
	}
	return cond();
}

static void expect_node(const char *path, const char *value)
{
	char *v = NULL;

	assert_int_equal(hv_xs_read(&f.d, path, &v), 0);
	assert_string_equal(v, value);
	free(v);
}

static void layout_and_params(void **state)
{
	(void)state;
	expect_node("/local/domain/1/name", "domain");
	expect_node("/local/domain/1/domid", "1");
	expect_node("/local/domain/1/memory/target", "16384");
	expect_node("/local/domain/1/memory/static-max", "16384");
	expect_node("/local/domain/1/control/platform-feature-xs_reset_watches", "1");
	expect_node("/local/domain/1/device", "");
	expect_node("/local/domain/1/data", "");
	expect_node("/local/domain/1/console", "");
	expect_node("/local/domain/0/name", "Domain-0");
	expect_node("/local/domain/0/backend", "");
	assert_int_equal(f.d.hvm_params[HVM_PARAM_STORE_PFN], HV_XENSTORE_GFN);
	assert_true(f.d.hvm_params[HVM_PARAM_STORE_EVTCHN] != 0);
	assert_true(hv_gmem_is_backed(&f.d.mem, RING));
}

static void api(void **state)
{
	char *v = NULL;

	(void)state;
	assert_int_equal(hv_xs_write(&f.d, "/local/domain/0/backend/vbd/1/51712/state", "1"), 0);
	assert_int_equal(hv_xs_printf(&f.d, "/local/domain/0/backend/vbd/1/51712/sectors",
				      "%u", 2048u),
			 0);
	expect_node("/local/domain/0/backend/vbd/1/51712/sectors", "2048");
	assert_int_equal(hv_xs_set_perms(&f.d, "/local/domain/0/backend/vbd/1", "n0 r1"), 0);
	assert_int_equal(hv_xs_set_perms(&f.d, "/local/domain/0/backend/vbd/1", "n0 x1"),
			 -EINVAL);
	assert_int_equal(hv_xs_set_perms(&f.d, "/nothing/here", "n0"), -ENOENT);
	assert_int_equal(hv_xs_rm(&f.d, "/local/domain/0/backend/vbd"), 0);
	assert_int_equal(hv_xs_read(&f.d, "/local/domain/0/backend/vbd/1", &v), -ENOENT);
	assert_int_equal(hv_xs_rm(&f.d, "/local/domain/0/backend/vbd/1/2"), -ENOENT);
	assert_int_equal(hv_xs_write(&f.d, "relative", "x"), -EINVAL);
	assert_int_equal(hv_xs_write(&f.d, "/a//b", "x"), -EINVAL);
	assert_int_equal(hv_xs_read(&f.d, "/a/", &v), -EINVAL);
}

/* What the callback saw; it runs on the xenstore thread, so no asserts there. */
static unsigned _Atomic calls;
static char last_path[128];
static bool wrong_args;
static int write_err;

static void on_change(struct hv_domain *d, const char *path, void *opaque)
{
	if (d != &f.d || opaque != &calls)
		wrong_args = true;
	snprintf(last_path, sizeof(last_path), "%s", path);
	/* Callbacks may use the API: the lock is not held. */
	if (!strcmp(path, "/local/domain/1/data/ping"))
		write_err = hv_xs_write(d, "/local/domain/1/data/pong", "1");
	calls++;
}

static bool one_call(void)
{
	return calls == 1;
}

static bool three_calls(void)
{
	return calls == 3;
}

static void watch_callbacks(void **state)
{
	(void)state;
	calls = 0;
	assert_int_equal(hv_xs_watch(&f.d, "/local/domain/1/data", on_change, &calls), 0);
	assert_true(eventually(one_call));
	assert_string_equal(last_path, "/local/domain/1/data");
	/* The write from inside the callback fires it once more. */
	assert_int_equal(hv_xs_write(&f.d, "/local/domain/1/data/ping", "1"), 0);
	assert_true(eventually(three_calls));
	assert_string_equal(last_path, "/local/domain/1/data/pong");
	assert_false(wrong_args);
	assert_int_equal(write_err, 0);
	hv_xs_unwatch(&f.d, "/local/domain/1/data", on_change, &calls);
	assert_int_equal(hv_xs_write(&f.d, "/local/domain/1/data/ping", "2"), 0);
	usleep(20000);
	assert_int_equal(calls, 3);
}

/* The guest reads an index the xenstore thread writes: atomically. */
static uint32_t ring_get(size_t off)
{
	uint32_t *p = hv_gmem_map(&f.d.mem, RING + off, sizeof(*p), false);

	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static bool reply_arrived(void)
{
	return ring_get(OFF(rsp_prod)) == sizeof(struct xsd_sockmsg) + 6;
}

static void guest_ring(void **state)
{
	struct xsd_sockmsg h = { .type = XS_READ, .req_id = 3, .len = 5 };
	struct evtchn_send send = { .port = (evtchn_port_t)f.d.hvm_params[HVM_PARAM_STORE_EVTCHN] };
	struct hv_hcall c = { .nr = __HYPERVISOR_event_channel_op, .arg = { EVTCHNOP_send, ARG },
			      .long_mode = true };
	char reply[6];

	(void)state;
	hv_gmem_write(&f.d.mem, RING + OFF(req), &h, sizeof(h));
	hv_gmem_write(&f.d.mem, RING + OFF(req) + sizeof(h), "name", 5);
	hv_gmem_write(&f.d.mem, RING + OFF(req_prod), &(uint32_t){ sizeof(h) + 5 }, 4);
	hv_gmem_write(&f.d.mem, ARG, &send, sizeof(send));
	assert_int_equal(hv_hypercall(&f.d.vcpus[0], &c), 0);
	assert_true(eventually(reply_arrived));
	hv_gmem_read(&f.d.mem, RING + OFF(rsp) + sizeof(h), reply, sizeof(reply));
	assert_memory_equal(reply, "domain", 6);
}

/* Restarts the device with the socket at sock_path. */
static void with_socket(void)
{
	hv_xenstore_exit(&f.d);
	f.cfg.xenstore_socket = strdup(sock_path);
	assert_int_equal(hv_xenstore_init(&f.d), 0);
}

static int client(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void send_req(int fd, uint32_t type, const void *p, size_t len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = 8, .len = (uint32_t)len };

	assert_int_equal(write(fd, &h, sizeof(h)), sizeof(h));
	assert_int_equal(write(fd, p, len), (ssize_t)len);
}

/* Reads one message: its type, payload into buf (NUL-terminated). */
static uint32_t recv_msg(int fd, char *buf)
{
	struct xsd_sockmsg h;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(recv(fd, &h, sizeof(h), MSG_WAITALL), sizeof(h));
	assert_int_equal(recv(fd, buf, h.len, MSG_WAITALL), (ssize_t)h.len);
	buf[h.len] = '\0';
	return h.type;
}

static void socket_clients(void **state)
{
	struct xsd_sockmsg big = { .type = XS_WRITE, .len = XENSTORE_PAYLOAD_MAX + 1 };
	struct stat st;
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	int a, b;

	(void)state;
	with_socket();
	assert_int_equal(stat(sock_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	a = client();
	b = client();
	send_req(a, XS_READ, "/local/domain/1/name", 21);
	assert_int_equal(recv_msg(a, buf), XS_READ);
	assert_string_equal(buf, "domain");
	send_req(a, XS_READ, "name", 5); /* dom0 has no relative paths */
	assert_int_equal(recv_msg(a, buf), XS_ERROR);
	assert_string_equal(buf, "EINVAL");
	send_req(b, XS_WATCH, "/local/domain/1/data\0tok", 25);
	assert_int_equal(recv_msg(b, buf), XS_WATCH);
	assert_int_equal(recv_msg(b, buf), XS_WATCH_EVENT);
	assert_int_equal(hv_xs_write(&f.d, "/local/domain/1/data/x", "1"), 0);
	assert_int_equal(recv_msg(b, buf), XS_WATCH_EVENT);
	assert_string_equal(buf, "/local/domain/1/data/x");
	/* A malformed stream ends that client only. */
	assert_int_equal(write(a, &big, sizeof(big)), sizeof(big));
	assert_int_equal(recv(a, buf, 1, 0), 0);
	send_req(b, XS_READ, "/local/domain/1/domid", 22);
	assert_int_equal(recv_msg(b, buf), XS_READ);
	assert_string_equal(buf, "1");
	close(a);
	close(b);
	hv_xenstore_exit(&f.d);
	assert_int_equal(stat(sock_path, &st), -1); /* removed at exit */
}

static void socket_paths(void **state)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct xs_socket s;
	char longp[sizeof(a.sun_path) + 1];
	int ep = epoll_create1(EPOLL_CLOEXEC), fd;
	FILE *file;

	(void)state;
	with_socket();
	/* A server answers there: refused, and its file is left alone. */
	assert_int_equal(xs_socket_open(&s, NULL, sock_path, ep), -EADDRINUSE);
	assert_int_equal(access(sock_path, F_OK), 0);
	hv_xenstore_exit(&f.d);
	/* A stale socket file is replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	close(fd);
	assert_int_equal(xs_socket_open(&s, NULL, sock_path, ep), 0);
	xs_socket_close(&s);
	/* Something that is not a socket is never removed. */
	file = fopen(sock_path, "w");
	fclose(file);
	assert_int_equal(xs_socket_open(&s, NULL, sock_path, ep), -EEXIST);
	assert_int_equal(access(sock_path, F_OK), 0);
	unlink(sock_path);
	memset(longp, 'x', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(xs_socket_open(&s, NULL, longp, ep), -ENAMETOOLONG);
	close(ep);
}

static void no_store(void **state)
{
	char *v;

	(void)state;
	hv_xenstore_exit(&f.d);
	assert_int_equal(hv_xs_write(&f.d, "/a", "b"), -ENODEV);
	assert_int_equal(hv_xs_read(&f.d, "/a", &v), -ENODEV);
	assert_int_equal(hv_xs_watch(&f.d, "/a", on_change, NULL), -ENODEV);
	hv_xs_unwatch(&f.d, "/a", on_change, NULL);
	f.d.domid = 0;
	assert_int_equal(hv_xenstore_init(&f.d), -EINVAL);
	f.d.domid = 1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(layout_and_params, setup, teardown),
		cmocka_unit_test_setup_teardown(api, setup, teardown),
		cmocka_unit_test_setup_teardown(watch_callbacks, setup, teardown),
		cmocka_unit_test_setup_teardown(guest_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(socket_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(socket_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(no_store, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
