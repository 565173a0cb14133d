#include "cli_server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_ops.h"
#include "log.h"

#define BACKLOG 16

/* A reply on its way; freed when written. */
struct send_req {
	uv_write_t req;
	struct mig_cli_msg msg;
};

static void conn_closed(uv_handle_t *h)
{
	free(h->data);
}

static void conn_close(struct cli_conn *c)
{
	struct cli_conn **pp;

	if (c->closing)
		return;
	c->closing = true;
	mig_domain_unwait(&c->wait);
	if (c->owner_ref)
		*c->owner_ref = NULL;
	for (pp = &c->t->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	uv_close((uv_handle_t *)&c->pipe, conn_closed);
}

static void sent(uv_write_t *req, int status)
{
	struct cli_conn *c = req->handle->data;

	free(req->data);
	if (status && status != UV_ECANCELED)
		conn_close(c);
}

void mig_cli_send(struct cli_conn *c, const struct mig_cli_msg *m)
{
	struct send_req *s;
	uv_buf_t buf;

	if (c->closing)
		return;
	s = malloc(sizeof(*s));
	if (!s) {
		log_warnx("out of memory for a reply: closing a CLI connection");
		conn_close(c);
		return;
	}
	memcpy(s->msg.buf, m->buf, m->len);
	s->msg.len = m->len;
	s->req.data = s;
	buf = uv_buf_init((char *)s->msg.buf, (unsigned)s->msg.len);
	if (uv_write(&s->req, (uv_stream_t *)&c->pipe, &buf, 1, sent)) {
		free(s);
		conn_close(c);
	}
}

void mig_cli_send_domain(struct cli_conn *c, const struct mig_domain *d)
{
	struct mig_cli_domain info;
	struct mig_cli_msg m;

	mig_domain_info(d, &info);
	if (mig_cli_write_domain(&m, &info))
		fatal("domain %s has no valid description", d->name);
	mig_cli_send(c, &m);
}

static void error_reply(struct cli_conn *c, int err, const struct mig_domain *d,
			const char *fmt, va_list ap)
{
	struct mig_cli_error e = { .err = err < 0 && err > -4096 ? -err : EIO };
	struct mig_cli_msg m;

	vsnprintf(e.text, sizeof(e.text), fmt, ap);
	if (d) {
		e.state = d->rec.state;
		e.reason = d->rec.reason;
	}
	if (mig_cli_write_error(&m, &e))
		fatal("an error reply does not pass its own reader: %s", e.text);
	mig_cli_send(c, &m);
}

void mig_cli_fail(struct cli_conn *c, int err, const struct mig_domain *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_reply(c, err, d, fmt, ap);
	va_end(ap);
	mig_cli_done(c);
}

static void shut(uv_shutdown_t *req, int status)
{
	struct cli_conn *c = req->handle->data;

	(void)status;
	free(req);
	conn_close(c);
}

/* An ERROR reply, then the end of the connection once it is written. */
static void refuse(struct cli_conn *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void refuse(struct cli_conn *c, int err, const char *fmt, ...)
{
	uv_shutdown_t *req = malloc(sizeof(*req));
	va_list ap;

	va_start(ap, fmt);
	error_reply(c, err, NULL, fmt, ap);
	va_end(ap);
	uv_read_stop((uv_stream_t *)&c->pipe);
	c->busy = true; /* nothing more is read */
	if (!req || uv_shutdown(req, (uv_stream_t *)&c->pipe, shut)) {
		free(req);
		conn_close(c);
	}
}

static void serve_frame(struct cli_conn *c, const struct mig_cli_frame *f)
{
	int err;

	c->busy = true;
	c->dispatching = true;
	err = mig_cli_dispatch(c, f);
	c->dispatching = false;
	if (err == -EOPNOTSUPP)
		refuse(c, err, "unknown request type %u", f->type);
	else if (err)
		refuse(c, err, "malformed request (type %u, %u bytes)", f->type, f->len);
}

static void give_buffer(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

/* Serves the requests that are read in whole, until one must wait. */
static void serve(struct cli_conn *c)
{
	while (!c->busy && !c->closing) {
		struct mig_cli_frame f;
		int n = mig_cli_frame(c->in, c->in_len, &f);

		if (n == -EAGAIN)
			break;
		if (n < 0) {
			refuse(c, n, n == -EPROTONOSUPPORT ? "unsupported protocol version" :
				     n == -EMSGSIZE ? "message too long" : "bad message header");
			return;
		}
		serve_frame(c, &f);
		c->in_len -= (size_t)n;
		memmove(c->in, c->in + n, c->in_len);
	}
	if (!c->busy && !c->closing && uv_read_start((uv_stream_t *)&c->pipe, give_buffer, on_read))
		conn_close(c);
}

void mig_cli_done(struct cli_conn *c)
{
	c->busy = false;
	if (!c->dispatching)
		serve(c);
}

static void give_buffer(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct cli_conn *c = h->data;

	(void)suggested;
	*buf = uv_buf_init((char *)c->in + c->in_len, (unsigned)(sizeof(c->in) - c->in_len));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct cli_conn *c = s->data;

	(void)buf;
	if (nread < 0) {
		conn_close(c);
		return;
	}
	c->in_len += (size_t)nread;
	uv_read_stop(s);
	serve(c);
}

/* Only a peer with our own uid (root) is served. */
static bool peer_allowed(struct cli_conn *c)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uv_os_fd_t fd;

	return !uv_fileno((uv_handle_t *)&c->pipe, &fd) &&
	       !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) && cred.uid == geteuid();
}

static unsigned count_conns(const struct ternd *t)
{
	unsigned n = 0;

	for (const struct cli_conn *c = t->conns; c; c = c->next)
		n++;
	return n;
}

static void on_connection(uv_stream_t *server, int status)
{
	struct ternd *t = server->data;
	struct cli_conn *c;

	if (status < 0) {
		log_warnx("CLI socket: %s", uv_strerror(status));
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c || uv_pipe_init(t->loop, &c->pipe, 0)) {
		free(c);
		log_warnx("out of memory for a CLI connection");
		return;
	}
	c->t = t;
	c->pipe.data = c;
	c->next = t->conns;
	t->conns = c;
	if (uv_accept(server, (uv_stream_t *)&c->pipe) || !peer_allowed(c) ||
	    count_conns(t) > MIG_CLI_MAX_CONNS) {
		log_warnx("CLI connection refused (not root, or too many)");
		conn_close(c);
		return;
	}
	serve(c);
}

/* The socket's folder: made 0700 if missing (/run/tern at boot). */
static int make_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	return mkdir(dir, 0700) && errno != EEXIST ? -errno : 0;
}

/*
 * libuv gets a duplicate of the listening descriptor and closes it; the
 * listener keeps its own, and removes the socket file when it closes it.
 */
int mig_cli_listen(struct ternd *t, char *err, size_t errlen)
{
	int fd = -1, r = make_parent(t->socket_path);

	if (!r)
		r = hv_unix_listen(&t->listener, t->socket_path, BACKLOG);
	if (!r && (fd = fcntl(t->listener.fd, F_DUPFD_CLOEXEC, 0)) < 0)
		r = -errno;
	if (r) {
		snprintf(err, errlen, "%s: %s", t->socket_path, r == -EADDRINUSE ?
			 "another ternd answers there" : strerror(-r));
		hv_unix_close(&t->listener);
		return r;
	}
	uv_pipe_init(t->loop, &t->server, 0);
	t->server.data = t;
	r = uv_pipe_open(&t->server, fd);
	if (r)
		close(fd);
	else
		r = uv_listen((uv_stream_t *)&t->server, BACKLOG, on_connection);
	if (r) {
		snprintf(err, errlen, "%s: %s", t->socket_path, uv_strerror(r));
		uv_close((uv_handle_t *)&t->server, NULL);
		hv_unix_close(&t->listener);
		return -EIO;
	}
	return 0;
}

void mig_cli_close(struct ternd *t)
{
	while (t->conns)
		conn_close(t->conns);
	uv_close((uv_handle_t *)&t->server, NULL);
	hv_unix_close(&t->listener);
}
