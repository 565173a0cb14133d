/*
 * The control server's connections (control.h): one thread polls the
 * listening socket, an eventfd and every client.  Requests are read
 * without blocking, header first: hv_ctl_check_hdr bounds the length
 * before any payload is allocated.  A client's next request is read only
 * once its previous reply is sent, so that one reply per client is the
 * most ever queued (plus a notification).  The operations themselves are
 * in control_ops.c.
 */
#include "control_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "domain.h"
#include "log.h"

/* How long hv_control_stop tries to send what is queued. */
#define FLUSH_MS 1000

/* Queueing */

int hv__ctl_queue(struct ctl_client *cl, uint32_t type, uint32_t seq, int32_t status,
		  const void *p, size_t len, const int *fds, unsigned nr_fds)
{
	struct hv_ctl_hdr h = { .type = type, .len = (uint32_t)len, .seq = seq, .status = status };
	struct ctl_msg *m = malloc(sizeof(*m) + sizeof(h) + len), **tail;

	if (!m) {
		cl->closing = true;
		return -ENOMEM;
	}
	*m = (struct ctl_msg){ .len = sizeof(h) + len };
	memcpy(m->data, &h, sizeof(h));
	if (len)
		memcpy(m->data + sizeof(h), p, len);
	for (unsigned i = 0; i < nr_fds && i < HV_CTL_MAX_FDS; i++) {
		int fd = fcntl(fds[i], F_DUPFD_CLOEXEC, 0);

		if (fd < 0) {
			log_warn("control: cannot duplicate a descriptor to send");
			continue;
		}
		m->fds[m->nr_fds++] = fd;
	}
	for (tail = &cl->out; *tail; tail = &(*tail)->next)
		;
	*tail = m;
	return 0;
}

static void msg_free(struct ctl_msg *m)
{
	for (unsigned i = 0; i < m->nr_fds; i++)
		close(m->fds[i]);
	free(m);
}

/* Sends one piece of m; the fds ride on its first byte.  Returns bytes or -errno. */
static ssize_t send_piece(int fd, struct ctl_msg *m)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * HV_CTL_MAX_FDS)];
	} cmsg;
	struct iovec iov = { .iov_base = m->data + m->sent, .iov_len = m->len - m->sent };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (m->sent == 0 && m->nr_fds) {
		memset(&cmsg, 0, sizeof(cmsg));
		mh.msg_control = cmsg.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * m->nr_fds);
		cmsg.h.cmsg_level = SOL_SOCKET;
		cmsg.h.cmsg_type = SCM_RIGHTS;
		cmsg.h.cmsg_len = CMSG_LEN(sizeof(int) * m->nr_fds);
		memcpy(CMSG_DATA(&cmsg.h), m->fds, sizeof(int) * m->nr_fds);
	}
	n = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	return n < 0 ? -errno : n;
}

/* Sends what cl has queued, as far as the socket takes it; false if it is gone. */
static bool client_write(struct ctl_client *cl)
{
	while (cl->out) {
		struct ctl_msg *m = cl->out;
		ssize_t n = send_piece(cl->fd, m);

		if (n == -EAGAIN || n == -EWOULDBLOCK || n == -EINTR)
			return true;
		if (n < 0)
			return false;
		if (m->nr_fds) { /* they went with this first piece */
			for (unsigned i = 0; i < m->nr_fds; i++)
				close(m->fds[i]);
			m->nr_fds = 0;
		}
		m->sent += (size_t)n;
		if (m->sent < m->len)
			continue;
		cl->out = m->next;
		msg_free(m);
	}
	return true;
}

/* Clients */

static void client_close(struct hv_control *c, struct ctl_client *cl)
{
	struct ctl_client **p = &c->clients;

	while (*p != cl)
		p = &(*p)->next;
	*p = cl->next;
	c->nr_clients--;
	hv__ctl_dirty_release(c, cl);
	while (cl->out) {
		struct ctl_msg *m = cl->out;

		cl->out = m->next;
		msg_free(m);
	}
	close(cl->fd);
	free(cl->payload);
	free(cl);
	log_debug("control: a client left (%u connected)", c->nr_clients);
}

static void accept_clients(struct hv_control *c)
{
	int fd;

	while ((fd = accept4(c->l.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct ctl_client *cl =
			c->nr_clients < CTL_MAX_CLIENTS ? calloc(1, sizeof(*cl)) : NULL;

		if (!cl) {
			log_warnx("control: refusing a client on %s (%u connected)", c->l.path,
				  c->nr_clients);
			close(fd);
			continue;
		}
		cl->fd = fd;
		cl->next = c->clients;
		c->clients = cl;
		c->nr_clients++;
		log_debug("control: a client connected (%u)", c->nr_clients);
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
		log_warn("control: accept on %s", c->l.path);
}

/* Tells each subscribed client once that the domain has stopped. */
static void notify_stopped(struct hv_control *c)
{
	struct hv_ctl_stopped ev = { 0 };
	bool stopped;

	pthread_mutex_lock(&c->lock);
	stopped = c->stopped;
	ev.reason = c->stop_reason;
	pthread_mutex_unlock(&c->lock);
	if (!stopped)
		return;
	for (struct ctl_client *cl = c->clients; cl; cl = cl->next)
		if (cl->subscribed && !cl->told &&
		    !hv__ctl_queue(cl, HV_CTL_EV_STOPPED, 0, 0, &ev, sizeof(ev), NULL, 0))
			cl->told = true;
}

/* Answers the request just read and makes ready for the next. */
static void serve_request(struct hv_control *c, struct ctl_client *cl)
{
	struct ctl_reply r = { 0 };
	uint32_t type = cl->hdr.type | HV_CTL_REPLY;
	int err;

	pthread_mutex_lock(&c->lock);
	err = hv__ctl_serve(c, cl, &cl->hdr, cl->payload, &r);
	pthread_mutex_unlock(&c->lock);
	if (!err) {
		hv__ctl_queue(cl, type, cl->hdr.seq, 0, r.payload, r.len, r.fds, r.nr_fds);
	} else {
		if (!r.err[0])
			snprintf(r.err, sizeof(r.err), "%s", strerror(-err));
		hv__ctl_queue(cl, type, cl->hdr.seq, err, r.err, strlen(r.err) + 1, NULL, 0);
		log_debug("control: %s: %s", hv_ctl_type_name(cl->hdr.type), r.err);
	}
	if (r.owned)
		free(r.payload);
	free(cl->payload);
	cl->payload = NULL;
	cl->hdr_got = cl->got = 0;
	notify_stopped(c); /* a client that subscribed after the stop */
}

/* A header that does not pass: say why if we can name the request, then close. */
static void refuse_header(struct ctl_client *cl, int err)
{
	const char *why = err == -EMSGSIZE ? "wrong length for this message" : "malformed header";

	log_warnx("control: a client sent a bad %s message (type 0x%x, %u bytes): %s",
		  hv_ctl_type_name(cl->hdr.type), cl->hdr.type, cl->hdr.len, why);
	cl->closing = true;
	if (!(cl->hdr.type & HV_CTL_REPLY) && cl->hdr.type && cl->hdr.type < HV_CTL_NR_REQUESTS)
		hv__ctl_queue(cl, cl->hdr.type | HV_CTL_REPLY, cl->hdr.seq, -EPROTO, why,
			      strlen(why) + 1, NULL, 0);
}

/* Reads into [buf + *got, buf + want); returns 1 when complete, 0 for more, -1 when gone. */
static int read_some(int fd, void *buf, size_t *got, size_t want)
{
	ssize_t n;

	if (*got == want)
		return 1;
	n = read(fd, (uint8_t *)buf + *got, want - *got);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	*got += (size_t)n;
	return *got == want;
}

/* Reads what cl sent; returns false if the client is gone. */
static bool client_read(struct hv_control *c, struct ctl_client *cl)
{
	int r = read_some(cl->fd, &cl->hdr, &cl->hdr_got, sizeof(cl->hdr));
	int err;

	if (r <= 0)
		return r == 0;
	if (!cl->payload) {
		err = hv_ctl_check_hdr(&cl->hdr, HV_CTL_FROM_CLIENT);
		if (err) {
			refuse_header(cl, err);
			return true;
		}
		cl->payload = malloc(cl->hdr.len ? cl->hdr.len : 1);
		if (!cl->payload)
			return false;
	}
	r = read_some(cl->fd, cl->payload, &cl->got, cl->hdr.len);
	if (r > 0)
		serve_request(c, cl);
	return r >= 0;
}

/* Wakeups */

static bool take_wake(struct hv_control *c)
{
	uint64_t n;
	bool quit;

	if (read(c->wake_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("control: eventfd");
	notify_stopped(c);
	pthread_mutex_lock(&c->lock);
	quit = c->quit;
	pthread_mutex_unlock(&c->lock);
	return quit;
}

/* The thread */

static short client_events(const struct ctl_client *cl)
{
	if (cl->out)
		return POLLOUT;
	return cl->closing ? 0 : POLLIN;
}

/* Handles one client's poll result; false if it must go. */
static bool client_event(struct hv_control *c, struct ctl_client *cl, short revents)
{
	if (revents & POLLOUT && !client_write(cl))
		return false;
	if (revents & POLLIN && !client_read(c, cl))
		return false;
	if (revents & (POLLERR | POLLHUP) && !(revents & (POLLIN | POLLOUT)))
		return false;
	if (cl->out && !client_write(cl))
		return false;
	return !(cl->closing && !cl->out);
}

/* One round of poll over everything; returns false when told to quit. */
static bool serve_once(struct hv_control *c)
{
	struct pollfd p[2 + CTL_MAX_CLIENTS];
	struct ctl_client *who[CTL_MAX_CLIENTS], *cl;
	unsigned n = 0;

	p[0] = (struct pollfd){ .fd = c->wake_fd, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = c->l.fd, .events = POLLIN };
	for (cl = c->clients; cl && n < CTL_MAX_CLIENTS; cl = cl->next, n++) {
		who[n] = cl;
		p[2 + n] = (struct pollfd){ .fd = cl->fd, .events = client_events(cl) };
	}
	if (poll(p, 2 + n, -1) < 0) {
		if (errno != EINTR)
			log_warn("control: poll");
		return true;
	}
	for (unsigned i = 0; i < n; i++)
		if (p[2 + i].revents && !client_event(c, who[i], p[2 + i].revents))
			client_close(c, who[i]);
	if (p[1].revents)
		accept_clients(c);
	return !(p[0].revents && take_wake(c));
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Gives the clients up to FLUSH_MS to take what is queued for them. */
static void flush_all(struct hv_control *c)
{
	uint64_t end = now_ms() + FLUSH_MS;

	for (uint64_t now = now_ms(); now < end; now = now_ms()) {
		struct pollfd p[CTL_MAX_CLIENTS];
		struct ctl_client *who[CTL_MAX_CLIENTS], *cl;
		unsigned n = 0;

		for (cl = c->clients; cl && n < CTL_MAX_CLIENTS; cl = cl->next)
			if (cl->out) {
				who[n] = cl;
				p[n++] = (struct pollfd){ .fd = cl->fd, .events = POLLOUT };
			}
		if (!n || poll(p, n, (int)(end - now)) <= 0)
			return;
		for (unsigned i = 0; i < n; i++)
			if (p[i].revents && !client_write(who[i]))
				client_close(c, who[i]);
	}
}

static void *serve(void *arg)
{
	struct hv_control *c = arg;

	pthread_setname_np(pthread_self(), "control");
	while (serve_once(c))
		;
	flush_all(c);
	while (c->clients)
		client_close(c, c->clients);
	return NULL;
}

/* Lifecycle */

int hv_control_start(struct hv_domain *d, const char *path, enum hv_control_start mode,
		     struct hv_control **out)
{
	struct hv_control *c = calloc(1, sizeof(*c));
	int err = -ENOMEM;

	if (!c)
		goto err_log;
	c->d = d;
	c->stop_reason = HV_CTL_STOP_NONE;
	c->dirty_fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	err = hv_unix_listen(&c->l, path, 8);
	if (err)
		goto err_free;
	c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->wake_fd < 0) {
		err = -errno;
		goto err_listen;
	}
	if (mode != HV_CONTROL_RUN) {
		hv_domain_pause(d);
		c->paused = true;
		c->incoming = mode == HV_CONTROL_INCOMING;
	}
	err = -pthread_create(&c->thread, NULL, serve, c);
	if (err)
		goto err_wake;
	log_info("control: listening on %s%s", path,
		 mode == HV_CONTROL_INCOMING ? " (incoming: waiting for the domain's state)"
		 : mode == HV_CONTROL_PAUSED ? " (paused)" : "");
	*out = c;
	return 0;

err_wake:
	if (c->paused)
		hv_domain_unpause(d);
	close(c->wake_fd);
err_listen:
	hv_unix_close(&c->l);
err_free:
	pthread_mutex_destroy(&c->lock);
	free(c);
err_log:
	log_warnx("control: cannot listen on %s: %s", path,
		  err == -EADDRINUSE ? "another server answers there" : strerror(-err));
	return err;
}

static void wake(struct hv_control *c)
{
	uint64_t one = 1;

	if (write(c->wake_fd, &one, sizeof(one)) < 0)
		log_warn("control: cannot wake the control thread");
}

void hv_control_stopped(struct hv_control *c)
{
	int stop;

	pthread_mutex_lock(&c->d->lock);
	stop = c->d->stop;
	pthread_mutex_unlock(&c->d->lock);
	pthread_mutex_lock(&c->lock);
	c->stopped = true;
	c->stop_reason = hv__ctl_stop_reason(stop);
	pthread_mutex_unlock(&c->lock);
	wake(c);
}

void hv_control_stop(struct hv_control *c)
{
	pthread_mutex_lock(&c->lock);
	c->quit = true;
	pthread_mutex_unlock(&c->lock);
	wake(c);
	pthread_join(c->thread, NULL);
	close(c->wake_fd);
	hv_unix_close(&c->l);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
