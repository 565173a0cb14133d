/*
 * The console's attach socket (see pvcon_attach.h).  One thread polls the
 * listening socket, the attached terminal and a stop eventfd.  Output
 * reaches the terminal from whichever thread writes the console
 * (hv_console_write sends to the socket the console was given), so this
 * thread only accepts, reads input and detaches.
 */
#include "pvcon_attach.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "unix_socket.h"

static const char banner[] = "[tern-hv: console attached; Ctrl-] detaches]\r\n";
static const char busy[] = "[tern-hv: console busy: another terminal is attached]\r\n";
static const char bye[] = "\r\n[tern-hv: detached]\r\n";
static const char closing[] = "\r\n[tern-hv: console closed: the domain stopped]\r\n";

struct hv_pvcon_attach {
	struct hv_console *c;
	struct hv_unix_listener sock;
	int client_fd; /* the attached terminal, -1: none (this thread's) */
	int stop_fd;
	pthread_t thread;
};

static void say(int fd, const char *msg)
{
	if (send(fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("console: cannot tell the terminal: %s", strerror(errno));
}

static void detach(struct hv_pvcon_attach *a, const char *msg)
{
	hv_console_set_client(a->c, -1);
	if (msg)
		say(a->client_fd, msg);
	close(a->client_fd);
	a->client_fd = -1;
	log_info("console: terminal detached");
}

static void accept_one(struct hv_pvcon_attach *a)
{
	int fd = accept4(a->sock.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("console: accept on %s", a->sock.path);
		return;
	}
	if (a->client_fd >= 0) {
		say(fd, busy);
		close(fd);
		return;
	}
	say(fd, banner);
	a->client_fd = fd;
	hv_console_set_client(a->c, fd);
	log_info("console: terminal attached on %s", a->sock.path);
}

/* Passes what the terminal typed to the guest, up to an escape byte. */
static void from_client(struct hv_pvcon_attach *a)
{
	uint8_t buf[256];
	ssize_t n = read(a->client_fd, buf, sizeof(buf));
	const uint8_t *esc;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		detach(a, NULL);
		return;
	}
	esc = memchr(buf, HV_PVCON_ESCAPE, (size_t)n);
	hv_console_input(a->c, buf, esc ? (size_t)(esc - buf) : (size_t)n);
	if (esc)
		detach(a, bye);
}

static void *serve(void *arg)
{
	struct hv_pvcon_attach *a = arg;

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = a->stop_fd, .events = POLLIN },
			{ .fd = a->sock.fd, .events = POLLIN },
			{ .fd = a->client_fd, .events = POLLIN }, /* -1: skipped */
		};

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_warn("console: poll");
			break;
		}
		if (p[0].revents)
			break;
		if (p[2].revents)
			from_client(a);
		if (p[1].revents)
			accept_one(a);
	}
	return NULL;
}

int hv_pvcon_attach_start(struct hv_console *c, const char *path,
			  struct hv_pvcon_attach **out)
{
	struct hv_pvcon_attach *a = calloc(1, sizeof(*a));
	int err = -ENOMEM;

	if (!a)
		goto err_free;
	a->c = c;
	a->client_fd = -1;
	err = hv_unix_listen(&a->sock, path, 4);
	if (err)
		goto err_free;
	a->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (a->stop_fd < 0) {
		err = -errno;
		goto err_listen;
	}
	err = -pthread_create(&a->thread, NULL, serve, a);
	if (err)
		goto err_stop_fd;
	*out = a;
	return 0;

err_stop_fd:
	close(a->stop_fd);
err_listen:
	hv_unix_close(&a->sock);
err_free:
	errno = -err;
	log_warn("console: cannot listen on %s", path);
	free(a);
	return err;
}

void hv_pvcon_attach_stop(struct hv_pvcon_attach *a)
{
	uint64_t one = 1;

	if (write(a->stop_fd, &one, sizeof(one)) < 0)
		log_warn("console: cannot stop the attach thread");
	pthread_join(a->thread, NULL);
	if (a->client_fd >= 0)
		detach(a, closing);
	close(a->stop_fd);
	hv_unix_close(&a->sock);
	free(a);
}
