/*
 * tern console DOM: attaches this terminal to a domain's console.  ternd
 * says where the domain's console socket is; tern connects to it itself
 * and copies bytes both ways, the terminal in raw mode, until tern-hv
 * closes the connection: on Ctrl-] (detach), when the domain ends, or when
 * another terminal is attached already ("console busy").
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tern.h"

/* Copies what fd `from` has to fd `to`: bytes copied, 0 at its end, -1 on error. */
static ssize_t copy(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));

	for (ssize_t done = 0; n > 0 && done < n;) {
		ssize_t w = write(to, buf + done, (size_t)(n - done));

		if (w < 0 && errno != EINTR)
			return -1;
		done += w > 0 ? w : 0;
	}
	return n < 0 && errno == EINTR ? 1 : n;
}

/* Until the console closes; standard input stops being read at its end. */
static int relay(int sock)
{
	struct pollfd fds[2] = {
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = sock, .events = POLLIN },
	};

	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (fds[1].revents) {
			ssize_t n = copy(sock, STDOUT_FILENO);

			if (n <= 0)
				return n < 0 ? -1 : 0;
		}
		if (fds[0].revents && copy(STDIN_FILENO, sock) <= 0)
			fds[0].fd = -1;
	}
}

/* Asks ternd for DOM's console socket. */
static int console_path(const struct tern_ctx *ctx, const char *ref, char *path)
{
	struct tern_reply rep;
	struct mig_cli_msg req;
	uint32_t flags;
	int fd, type;

	if (mig_cli_write_ref(&req, MIG_CLI_REQ_CONSOLE, ref, 0)) {
		fprintf(stderr, "tern: \"%s\" names no domain: a name, an id (3) or dom3\n", ref);
		return 2;
	}
	fd = tern_send(ctx, &req);
	if (fd < 0)
		return 1;
	type = tern_recv(fd, &rep);
	close(fd);
	if (type < 0)
		return 1;
	if (mig_cli_read_path(&rep.frame, MIG_CLI_REP_CONSOLE, path, &flags)) {
		fprintf(stderr, "tern: ternd's reply is not understood (type %d)\n", type);
		return 1;
	}
	return 0;
}

static int run(struct tern_ctx *ctx, int argc, char **argv)
{
	char path[MIG_CLI_PATH_MAX + 1];
	struct termios saved, raw;
	bool tty;
	int sock, err, status;

	if (argc != 2)
		return tern_usage(&tern_cmd_console);
	status = console_path(ctx, argv[1], path);
	if (status)
		return status;
	sock = tern_connect(path);
	if (sock < 0) {
		fprintf(stderr, "tern: cannot attach to %s's console at %s: %s\n", argv[1], path,
			strerror(errno));
		return 1;
	}
	tty = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &saved);
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	}
	err = relay(sock);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	close(sock);
	if (err) {
		fprintf(stderr, "\ntern: console of %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	return 0;
}

const struct tern_cmd tern_cmd_console = {
	.name = "console",
	.args = "DOM",
	.help = "attach this terminal to the domain's console (Ctrl-] detaches)",
	.run = run,
};
