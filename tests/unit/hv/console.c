/*
 * Unit tests for hv/console.c: output to stdout, log and attached terminal;
 * the input buffer, its reader thread, and who owns the input.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "console.h"

struct ctx {
	struct hv_console c;
	int out[2];  /* the console's output: a pipe */
	int log[2];  /* the log: a pipe */
	int calls;   /* input function calls */
};

static int setup(void **state)
{
	static struct ctx x;

	memset(&x, 0, sizeof(x));
	if (pipe2(x.out, O_NONBLOCK) || pipe2(x.log, O_NONBLOCK))
		return -1;
	if (hv_console_init(&x.c, x.out[1], -1))
		return -1;
	*state = &x;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *x = *state;

	hv_console_destroy(&x->c);
	for (int i = 0; i < 2; i++) {
		close(x->out[i]);
		close(x->log[i]);
	}
	return 0;
}

static void expect_bytes(int fd, const char *want)
{
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf));

	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, (size_t)n);
}

static void expect_nothing(int fd)
{
	char b;

	assert_int_equal(read(fd, &b, 1), -1);
	assert_int_equal(errno, EAGAIN);
}

static void output_reaches_log_and_client(void **state)
{
	struct ctx *x = *state;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	hv_console_write(&x->c, "one ", 4);
	hv_console_set_log(&x->c, x->log[1]);
	hv_console_set_client(&x->c, sv[0]);
	hv_console_write(&x->c, "two ", 4);
	hv_console_set_log(&x->c, -1);
	hv_console_set_client(&x->c, -1);
	hv_console_write(&x->c, "three", 5);
	expect_bytes(x->out[0], "one two three");
	expect_bytes(x->log[0], "two ");
	expect_bytes(sv[1], "two ");
	expect_nothing(sv[1]);
	close(sv[0]);
	close(sv[1]);
}

/* A terminal that reads nothing loses output; stdout and the log do not. */
static void stuck_client_never_blocks(void **state)
{
	struct ctx *x = *state;
	static char chunk[4096], buf[65536];
	int sv[2], sink[2];
	size_t total = 0;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	assert_int_equal(pipe(sink), 0);
	assert_true(fcntl(sink[0], F_SETPIPE_SZ, 1 << 20) > 0);
	hv_console_destroy(&x->c);
	assert_int_equal(hv_console_init(&x->c, sink[1], -1), 0);
	hv_console_set_client(&x->c, sv[0]);
	memset(chunk, 'z', sizeof(chunk));
	for (int i = 0; i < 200; i++)
		hv_console_write(&x->c, chunk, sizeof(chunk)); /* must return */
	hv_console_set_client(&x->c, -1);
	for (ssize_t n; (n = read(sv[1], buf, sizeof(buf))) > 0;)
		total += (size_t)n;
	assert_true(total > 0 && total < 200 * sizeof(chunk));
	close(sink[1]);
	total = 0;
	for (ssize_t n; (n = read(sink[0], buf, sizeof(buf))) > 0;)
		total += (size_t)n;
	assert_int_equal(total, 200 * sizeof(chunk));
	close(sink[0]);
	close(sv[0]);
	close(sv[1]);
}

static void counted(void *opaque)
{
	((struct ctx *)opaque)->calls++;
}

static void input_goes_to_one_reader(void **state)
{
	struct ctx *x = *state;
	char buf[16];

	hv_console_input(&x->c, "ab", 2);
	assert_int_equal(hv_console_read(&x->c, buf, 1), 1);
	assert_int_equal(buf[0], 'a');
	/* The ring claims the input: told at once that a byte waits. */
	hv_console_route_input(&x->c, counted, x);
	assert_int_equal(x->calls, 1);
	assert_int_equal(hv_console_read(&x->c, buf, sizeof(buf)), 0);
	hv_console_input(&x->c, "cd", 2);
	assert_int_equal(x->calls, 2);
	assert_int_equal(hv_console_input_pending(&x->c), 3);
	assert_int_equal(hv_console_take_input(&x->c, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "bcd", 3);
	/* Given back: CONSOLEIO_read has it again, nobody is called. */
	hv_console_route_input(&x->c, NULL, NULL);
	hv_console_input(&x->c, "e", 1);
	assert_int_equal(x->calls, 2);
	assert_int_equal(hv_console_read(&x->c, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'e');
}

static void input_overflow_is_dropped(void **state)
{
	struct ctx *x = *state;
	static char big[HV_CONSOLE_IN_SIZE + 100], back[HV_CONSOLE_IN_SIZE + 100];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)i;
	hv_console_input(&x->c, big, sizeof(big));
	hv_console_input(&x->c, "more", 4);
	assert_int_equal(hv_console_input_pending(&x->c), HV_CONSOLE_IN_SIZE);
	assert_int_equal(hv_console_read(&x->c, back, sizeof(back)), HV_CONSOLE_IN_SIZE);
	assert_memory_equal(back, big, HV_CONSOLE_IN_SIZE);
}

/* The reader thread buffers what arrives on the input descriptor. */
static void stdin_is_read(void **state)
{
	struct ctx *x = *state;
	struct timespec tick = { 0, 1000000 };
	char buf[8];
	int in[2];

	assert_int_equal(pipe(in), 0);
	hv_console_destroy(&x->c);
	assert_int_equal(hv_console_init(&x->c, x->out[1], in[0]), 0);
	assert_int_equal(write(in[1], "hi", 2), 2);
	for (int i = 0; i < 5000 && hv_console_input_pending(&x->c) < 2; i++)
		nanosleep(&tick, NULL);
	assert_int_equal(hv_console_read(&x->c, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "hi", 2);
	hv_console_destroy(&x->c);
	assert_int_equal(hv_console_init(&x->c, x->out[1], -1), 0);
	close(in[0]);
	close(in[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(output_reaches_log_and_client, setup, teardown),
		cmocka_unit_test_setup_teardown(stuck_client_never_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(input_goes_to_one_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(input_overflow_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(stdin_is_read, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
