/*
 * Unit tests for hv/pvcon_attach.c: a terminal attaches over the Unix
 * socket, sees the output, types input, detaches with Ctrl-]; one terminal
 * at a time; what stopping does to an attached terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pvcon_attach.h"

struct ctx {
	struct hv_console c;
	int out;
	char dir[64];
	char path[128];
	struct hv_pvcon_attach *a;
};

static int setup(void **state)
{
	static struct ctx x;

	memset(&x, 0, sizeof(x));
	strcpy(x.dir, "/tmp/tern-attach.XXXXXX");
	if (!mkdtemp(x.dir))
		return -1;
	snprintf(x.path, sizeof(x.path), "%s/console", x.dir);
	x.out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (x.out < 0 || hv_console_init(&x.c, x.out, -1))
		return -1;
	*state = &x;
	return hv_pvcon_attach_start(&x.c, x.path, &x.a);
}

static int teardown(void **state)
{
	struct ctx *x = *state;

	if (x->a)
		hv_pvcon_attach_stop(x->a);
	hv_console_destroy(&x->c);
	close(x->out);
	unlink(x->path);
	rmdir(x->dir);
	return 0;
}

static int dial(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(addr.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

/* Reads until the text seen so far contains want (2 s at most). */
static void expect_text(int fd, const char *want)
{
	static char seen[4096];
	size_t len = 0;

	while (len < sizeof(seen) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		assert_int_equal(poll(&p, 1, 2000), 1);
		n = read(fd, seen + len, sizeof(seen) - 1 - len);
		assert_true(n > 0);
		len += (size_t)n;
		seen[len] = 0;
		if (strstr(seen, want))
			return;
	}
	fail_msg("never saw '%s'", want);
}

static void expect_eof(int fd)
{
	char buf[256];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		assert_int_equal(poll(&p, 1, 2000), 1);
		if (read(fd, buf, sizeof(buf)) <= 0)
			return;
	}
}

/* Waits until the console has n input bytes (2 s at most). */
static void wait_input(struct hv_console *c, size_t n)
{
	struct timespec tick = { 0, 1000000 };

	for (int i = 0; i < 2000 && hv_console_input_pending(c) < n; i++)
		nanosleep(&tick, NULL);
	assert_int_equal(hv_console_input_pending(c), n);
}

/* Waits until the attach thread has handed the console its terminal. */
static void wait_client(struct hv_console *c, bool attached)
{
	struct timespec tick = { 0, 1000000 };

	for (int i = 0; i < 2000; i++) {
		int fd;

		pthread_mutex_lock(&c->lock);
		fd = c->client_fd;
		pthread_mutex_unlock(&c->lock);
		if ((fd >= 0) == attached)
			return;
		nanosleep(&tick, NULL);
	}
	fail_msg("the terminal is not %s", attached ? "attached" : "detached");
}

static void attach_type_detach(void **state)
{
	struct ctx *x = *state;
	char buf[16];
	int fd;

	fd = dial(x->path);
	expect_text(fd, "Ctrl-] detaches");
	wait_client(&x->c, true);
	hv_console_write(&x->c, "guest says hi\n", 14);
	expect_text(fd, "guest says hi\n");
	assert_int_equal(write(fd, "ls\r", 3), 3);
	wait_input(&x->c, 3);
	/* Bytes before the escape go to the guest, the ones after do not. */
	assert_int_equal(write(fd, "xy\x1dzz", 5), 5);
	expect_text(fd, "detached");
	expect_eof(fd);
	wait_client(&x->c, false);
	assert_int_equal(hv_console_read(&x->c, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "ls\rxy", 5);
	close(fd);
	/* The domain goes on: another terminal may attach. */
	fd = dial(x->path);
	expect_text(fd, "attached");
	close(fd);
	wait_client(&x->c, false);
}

static void second_terminal_is_turned_away(void **state)
{
	struct ctx *x = *state;
	int one = dial(x->path), two;

	expect_text(one, "attached");
	wait_client(&x->c, true);
	two = dial(x->path);
	expect_text(two, "busy");
	expect_eof(two);
	close(two);
	hv_console_write(&x->c, "still here", 10);
	expect_text(one, "still here");
	close(one);
}

static void stop_closes_the_terminal(void **state)
{
	struct ctx *x = *state;
	int fd = dial(x->path);

	expect_text(fd, "attached");
	wait_client(&x->c, true);
	hv_pvcon_attach_stop(x->a);
	x->a = NULL;
	expect_eof(fd);
	close(fd);
	assert_int_equal(access(x->path, F_OK), -1);
	assert_int_equal(x->c.client_fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(attach_type_detach, setup, teardown),
		cmocka_unit_test_setup_teardown(second_terminal_is_turned_away, setup, teardown),
		cmocka_unit_test_setup_teardown(stop_closes_the_terminal, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
