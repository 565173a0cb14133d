#include "xs_socket.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

/* Reads from one client per event, so that one busy client cannot starve the rest. */
#define MAX_READS_PER_EVENT 64

int xs_socket_open(struct xs_socket *s, struct xs_server *srv, const char *path, int epoll_fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };
	int err;

	memset(s, 0, sizeof(*s));
	s->srv = srv;
	s->epoll_fd = epoll_fd;
	err = hv_unix_listen(&s->l, path, 16);
	if (err) {
		log_warnx("xenstore: cannot listen on %s: %s", path,
			  err == -EADDRINUSE ? "another server answers there" : strerror(-err));
		return err;
	}
	if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, s->l.fd, &ev) < 0) {
		err = -errno;
		log_warn("xenstore: cannot watch %s", path);
		hv_unix_close(&s->l);
	}
	return err;
}

static void client_close(struct xs_socket *s, struct xs_client *c)
{
	struct xs_client **p = &s->clients;

	while (*p != c)
		p = &(*p)->next;
	*p = c->next;
	s->nr_clients--;
	epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	xs_conn_remove(&c->conn);
	free(c);
}

void xs_socket_close(struct xs_socket *s)
{
	while (s->clients)
		client_close(s, s->clients);
	hv_unix_close(&s->l);
}

static void accept_clients(struct xs_socket *s)
{
	const struct xs_caller dom0 = { .domid = 0, .priv = true };
	struct xs_client *c;
	int fd;

	while ((fd = accept4(s->l.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct epoll_event ev = { .events = EPOLLIN };

		c = s->nr_clients < XS_SOCKET_MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
		ev.data.ptr = c;
		if (!c || epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			if (!s->warned_full)
				log_warnx("xenstore: refusing a client on %s (%u connected)",
					  s->l.path, s->nr_clients);
			s->warned_full = true;
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->events = EPOLLIN;
		xs_conn_init(&c->conn, s->srv, &dom0);
		c->next = s->clients;
		s->clients = c;
		s->nr_clients++;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		log_warn("xenstore: accept on %s", s->l.path);
}

/* Reads and dispatches; returns false if the client is gone or broken. */
static bool client_read(struct xs_client *c)
{
	uint8_t *buf;
	size_t space;

	for (int i = 0; i < MAX_READS_PER_EVENT && (space = xs_conn_in_space(&c->conn, &buf));
	     i++) {
		ssize_t n = read(c->fd, buf, space);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		if (n == 0)
			return false;
		if (xs_conn_in_done(&c->conn, (size_t)n)) {
			log_warnx("xenstore: a dom0 client sent a message over %d bytes",
				  XENSTORE_PAYLOAD_MAX);
			return false;
		}
	}
	return true;
}

static struct xs_client *find_client(struct xs_socket *s, void *ptr)
{
	for (struct xs_client *c = s->clients; c; c = c->next)
		if (c == ptr)
			return c;
	return NULL;
}

bool xs_socket_event(struct xs_socket *s, void *ptr, uint32_t events)
{
	struct xs_client *c;

	if (s->l.fd < 0)
		return false;
	if (ptr == s) {
		accept_clients(s);
		return true;
	}
	c = find_client(s, ptr);
	if (!c)
		return false;
	if ((events & EPOLLIN) && !client_read(c))
		client_close(s, c);
	else if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN))
		client_close(s, c);
	return true;
}

/* Writes c's queued output; returns false if the client is gone. */
static bool client_write(struct xs_client *c)
{
	const uint8_t *buf;
	size_t have;

	while ((have = xs_conn_out_peek(&c->conn, &buf))) {
		ssize_t n = send(c->fd, buf, have, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		xs_conn_out_done(&c->conn, (size_t)n);
	}
	return true;
}

/* Watches for input unless output is backed up, for output while some waits. */
static bool client_update(struct xs_socket *s, struct xs_client *c)
{
	uint8_t *buf;
	uint32_t events = (xs_conn_in_space(&c->conn, &buf) ? EPOLLIN : 0) |
			  (c->conn.out ? EPOLLOUT : 0);
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (events == c->events)
		return true;
	c->events = events;
	return epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev) == 0;
}

void xs_socket_flush(struct xs_socket *s)
{
	struct xs_client *c = s->clients, *next;

	for (; c; c = next) {
		next = c->next;
		if (!client_write(c) || !client_update(s, c))
			client_close(s, c);
	}
}
