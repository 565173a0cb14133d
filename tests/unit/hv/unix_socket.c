/*
 * Unit tests for hv/unix_socket.c: the listening socket's mode, what is
 * found at its path (a stale socket, a live one, a file), long paths, and
 * that closing removes only the file it made.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "unix_socket.h"

struct ctx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	static struct ctx x;

	strcpy(x.dir, "/tmp/tern-usock.XXXXXX");
	if (!mkdtemp(x.dir))
		return -1;
	snprintf(x.path, sizeof(x.path), "%s/sock", x.dir);
	*state = &x;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *x = *state;

	unlink(x->path);
	return rmdir(x->dir);
}

static void listens_for_its_owner_only(void **state)
{
	struct ctx *x = *state;
	struct hv_unix_listener l;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	assert_int_equal(hv_unix_listen(&l, x->path, 4), 0);
	assert_int_equal(stat(x->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(addr.sun_path, x->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(fd);
	hv_unix_close(&l);
	assert_int_equal(access(x->path, F_OK), -1);
	hv_unix_close(&l); /* twice is harmless */
}

static void what_is_at_the_path(void **state)
{
	struct ctx *x = *state;
	struct hv_unix_listener l, m;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	/* A live server keeps its socket. */
	assert_int_equal(hv_unix_listen(&l, x->path, 4), 0);
	assert_int_equal(hv_unix_listen(&m, x->path, 4), -EADDRINUSE);
	assert_int_equal(m.fd, -1);
	hv_unix_close(&l);
	/* A socket whose server is gone is replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(addr.sun_path, x->path);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(fd);
	assert_int_equal(hv_unix_listen(&l, x->path, 4), 0);
	hv_unix_close(&l);
	/* A file that is not a socket stays. */
	fd = open(x->path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(hv_unix_listen(&l, x->path, 4), -EEXIST);
	assert_int_equal(access(x->path, F_OK), 0);
}

static void long_path(void **state)
{
	struct hv_unix_listener l;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = 0;
	assert_int_equal(hv_unix_listen(&l, path, 4), -ENAMETOOLONG);
}

/* A file put in its place after listening is not the listener's to remove. */
static void close_removes_only_its_own(void **state)
{
	struct ctx *x = *state;
	struct hv_unix_listener l;
	int fd;

	assert_int_equal(hv_unix_listen(&l, x->path, 4), 0);
	unlink(x->path);
	fd = open(x->path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	hv_unix_close(&l);
	assert_int_equal(access(x->path, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(listens_for_its_owner_only, setup, teardown),
		cmocka_unit_test_setup_teardown(what_is_at_the_path, setup, teardown),
		cmocka_unit_test_setup_teardown(long_path, setup, teardown),
		cmocka_unit_test_setup_teardown(close_removes_only_its_own, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
