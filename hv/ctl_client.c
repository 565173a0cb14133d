/*
 * The control-socket client (ctl_client.h): blocking sends, and a receive
 * that reads a header (with the fds that ride on it), checks it with
 * hv_ctl_check_hdr before reading the payload, and hands the payload to
 * the typed reader of the reply it expects.
 */
#include "ctl_client.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

/* One received message; the payload is malloc'd and the fds are owned. */
struct msg {
	struct hv_ctl_hdr hdr;
	uint8_t *payload;
	int fds[HV_CTL_MAX_FDS];
	unsigned nr_fds;
};

__attribute__((format(printf, 3, 4))) static int fail(struct hv_ctl_client *c, int err,
						      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return err;
}

static void msg_free(struct msg *m)
{
	for (unsigned i = 0; i < m->nr_fds; i++)
		close(m->fds[i]);
	m->nr_fds = 0;
	free(m->payload);
	m->payload = NULL;
}

/* Keeps the fds of a control message, closing any beyond what fits. */
static void take_fds(struct msghdr *mh, struct msg *m)
{
	for (struct cmsghdr *ch = CMSG_FIRSTHDR(mh); ch; ch = CMSG_NXTHDR(mh, ch)) {
		size_t n;
		int fds[HV_CTL_MAX_FDS + 1];

		if (ch->cmsg_level != SOL_SOCKET || ch->cmsg_type != SCM_RIGHTS)
			continue;
		n = (ch->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		n = n > HV_CTL_MAX_FDS + 1 ? HV_CTL_MAX_FDS + 1 : n;
		memcpy(fds, CMSG_DATA(ch), n * sizeof(int));
		for (size_t i = 0; i < n; i++) {
			if (m->nr_fds < HV_CTL_MAX_FDS)
				m->fds[m->nr_fds++] = fds[i];
			else
				close(fds[i]);
		}
	}
}

/* Reads exactly len bytes; the first recvmsg also collects fds into m. */
static int read_full(struct hv_ctl_client *c, void *buf, size_t len, struct msg *m)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * (HV_CTL_MAX_FDS + 1))];
	} cmsg;
	size_t got = 0;

	while (got < len) {
		struct iovec iov = { .iov_base = (uint8_t *)buf + got, .iov_len = len - got };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (m) {
			mh.msg_control = cmsg.buf;
			mh.msg_controllen = sizeof(cmsg.buf);
		}
		n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(c, -errno, "cannot read from tern-hv: %s", strerror(errno));
		if (m)
			take_fds(&mh, m);
		if (n == 0)
			return fail(c, -ECONNRESET, "tern-hv closed the connection");
		got += (size_t)n;
	}
	return 0;
}

/* Receives one message into m: header, checks, then payload. */
static int receive(struct hv_ctl_client *c, struct msg *m)
{
	int err;

	memset(m, 0, sizeof(*m));
	err = read_full(c, &m->hdr, sizeof(m->hdr), m);
	if (!err && hv_ctl_check_hdr(&m->hdr, HV_CTL_FROM_SERVER))
		err = fail(c, -EPROTO, "tern-hv sent a malformed header (type 0x%x, %u bytes)",
			   m->hdr.type, m->hdr.len);
	if (!err && m->nr_fds &&
	    (m->hdr.status || !hv_ctl_type_has_fds(m->hdr.type)))
		err = fail(c, -EPROTO, "tern-hv sent descriptors with a %s message",
			   hv_ctl_type_name(m->hdr.type));
	if (!err) {
		m->payload = malloc(m->hdr.len ? m->hdr.len : 1);
		err = m->payload ? read_full(c, m->payload, m->hdr.len, NULL) : -ENOMEM;
	}
	if (err)
		msg_free(m);
	return err;
}

/* Records a notification; returns 0 or -EPROTO. */
static int note(struct hv_ctl_client *c, struct msg *m)
{
	struct hv_ctl_stopped ev;

	if (hv_ctl_read_stopped(&m->hdr, m->payload, &ev))
		return fail(c, -EPROTO, "tern-hv sent a malformed stop notification");
	c->stopped = true;
	c->stop_reason = ev.reason;
	return 0;
}

static int send_request(struct hv_ctl_client *c, uint32_t type, const void *p, size_t len)
{
	struct hv_ctl_hdr h = { .type = type, .len = (uint32_t)len, .seq = ++c->seq };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)p, len } };
	size_t left = sizeof(h) + len;

	while (left) {
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
		ssize_t n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(c, -errno, "cannot send to tern-hv: %s", strerror(errno));
		left -= (size_t)n;
		for (int i = 0; i < 2; i++) {
			size_t k = (size_t)n < iov[i].iov_len ? (size_t)n : iov[i].iov_len;

			iov[i].iov_base = (uint8_t *)iov[i].iov_base + k;
			iov[i].iov_len -= k;
			n -= (ssize_t)k;
		}
	}
	return 0;
}

/*
 * Sends a request and waits for its reply (notifications on the way are
 * noted).  On success *m holds the reply, which the caller frees; a failed
 * reply's text lands in c->err and its status is returned.
 */
static int call(struct hv_ctl_client *c, uint32_t type, const void *p, size_t len, struct msg *m)
{
	int err;

	c->err[0] = 0;
	if (c->fd < 0)
		return fail(c, -ENOTCONN, "not connected");
	err = send_request(c, type, p, len);
	while (!err) {
		err = receive(c, m);
		if (err)
			return err;
		if (m->hdr.type == HV_CTL_EV_STOPPED) {
			err = note(c, m);
			msg_free(m);
			continue;
		}
		if (m->hdr.type != (type | HV_CTL_REPLY) || m->hdr.seq != c->seq)
			err = fail(c, -EPROTO, "tern-hv answered %s #%u to %s #%u",
				   hv_ctl_type_name(m->hdr.type), m->hdr.seq,
				   hv_ctl_type_name(type), c->seq);
		else if (m->hdr.status && hv_ctl_read_error(&m->hdr, m->payload, c->err,
							     sizeof(c->err)))
			err = fail(c, -EPROTO, "tern-hv sent a malformed error text");
		else if (m->hdr.status)
			err = m->hdr.status;
		else
			return 0;
		msg_free(m);
	}
	return err;
}

/* A request whose reply has no payload. */
static int call_empty(struct hv_ctl_client *c, uint32_t type, const void *p, size_t len)
{
	struct msg m;
	int err = call(c, type, p, len, &m);

	if (err)
		return err;
	if (hv_ctl_read_empty(&m.hdr))
		err = fail(c, -EPROTO, "malformed %s reply", hv_ctl_type_name(type));
	msg_free(&m);
	return err;
}

static int hello(struct hv_ctl_client *c)
{
	struct hv_ctl_hello req = { .magic = HV_CTL_MAGIC, .version = HV_CTL_VERSION }, rep;
	struct msg m;
	int err = call(c, HV_CTL_HELLO, &req, sizeof(req), &m);

	if (err)
		return err;
	if (hv_ctl_read_hello(&m.hdr, m.payload, &rep))
		err = fail(c, -EPROTO, "malformed hello reply");
	else if (rep.version != HV_CTL_VERSION)
		err = fail(c, -EPROTONOSUPPORT, "tern-hv speaks protocol version %u, we speak %u",
			   rep.version, HV_CTL_VERSION);
	else
		c->version = rep.version;
	msg_free(&m);
	return err;
}

int hv_ctl_connect(struct hv_ctl_client *c, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int err;

	memset(c, 0, sizeof(*c));
	c->stop_reason = HV_CTL_STOP_NONE;
	c->fd = -1;
	if (strlen(path) >= sizeof(addr.sun_path))
		return fail(c, -ENAMETOOLONG, "socket path too long: %s", path);
	strcpy(addr.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return fail(c, -errno, "socket: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		err = fail(c, -errno, "cannot connect to %s: %s", path, strerror(errno));
		hv_ctl_close(c);
		return err;
	}
	err = hello(c);
	if (err)
		hv_ctl_close(c);
	return err;
}

void hv_ctl_close(struct hv_ctl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int hv_ctl_info(struct hv_ctl_client *c, struct hv_ctl_info *out)
{
	struct msg m;
	int err = call(c, HV_CTL_INFO, NULL, 0, &m);

	if (err)
		return err;
	if (hv_ctl_read_info(&m.hdr, m.payload, out))
		err = fail(c, -EPROTO, "malformed info reply");
	msg_free(&m);
	return err;
}

int hv_ctl_pause(struct hv_ctl_client *c)
{
	return call_empty(c, HV_CTL_PAUSE, NULL, 0);
}

int hv_ctl_unpause(struct hv_ctl_client *c)
{
	return call_empty(c, HV_CTL_UNPAUSE, NULL, 0);
}

int hv_ctl_destroy(struct hv_ctl_client *c)
{
	return call_empty(c, HV_CTL_DESTROY, NULL, 0);
}

int hv_ctl_shutdown(struct hv_ctl_client *c, enum hv_ctl_shutdown_reason reason)
{
	struct hv_ctl_shutdown req = { .reason = reason };

	return call_empty(c, HV_CTL_SHUTDOWN, &req, sizeof(req));
}

int hv_ctl_subscribe(struct hv_ctl_client *c)
{
	return call_empty(c, HV_CTL_SUBSCRIBE, NULL, 0);
}

int hv_ctl_wait_stopped(struct hv_ctl_client *c, int timeout_ms, int32_t *reason)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	struct msg m;
	int err = 0;

	c->err[0] = 0;
	while (!c->stopped && !err) {
		int n = poll(&p, 1, timeout_ms);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? fail(c, -errno, "poll: %s", strerror(errno))
				 : fail(c, -ETIMEDOUT, "no stop notification in %d ms", timeout_ms);
		err = receive(c, &m);
		if (err)
			return err;
		if (m.hdr.type == HV_CTL_EV_STOPPED)
			err = note(c, &m);
		else
			err = fail(c, -EPROTO, "tern-hv sent a %s reply nobody asked for",
				   hv_ctl_type_name(m.hdr.type));
		msg_free(&m);
	}
	if (!err)
		*reason = c->stop_reason;
	return err;
}

int hv_ctl_vcpu_get(struct hv_ctl_client *c, unsigned vcpu, struct hv_vcpu_state *s)
{
	struct hv_ctl_vcpu_id req = { .vcpu = vcpu };
	unsigned got;
	struct msg m;
	int err = call(c, HV_CTL_VCPU_GET, &req, sizeof(req), &m);

	if (err)
		return err;
	if (hv_ctl_read_vcpu(&m.hdr, m.payload, &got, s) || got != vcpu)
		err = fail(c, -EPROTO, "malformed state for vCPU %u", vcpu);
	msg_free(&m);
	return err;
}

int hv_ctl_vcpu_set(struct hv_ctl_client *c, unsigned vcpu, const struct hv_vcpu_state *s)
{
	struct hv_ctl_vcpu *w = malloc(sizeof(*w));
	int err = w ? hv_ctl_vcpu_encode(s, vcpu, w) : -ENOMEM;

	if (err)
		err = fail(c, err, "vCPU %u's state cannot be encoded", vcpu);
	else
		err = call_empty(c, HV_CTL_VCPU_SET, w, sizeof(*w));
	free(w);
	return err;
}

int hv_ctl_devices_get(struct hv_ctl_client *c, uint8_t **blob, size_t *len)
{
	const uint8_t *p;
	struct msg m;
	int err = call(c, HV_CTL_DEVICES_GET, NULL, 0, &m);

	if (err)
		return err;
	if (hv_ctl_read_blob(&m.hdr, m.payload, &p, len)) {
		msg_free(&m);
		return fail(c, -EPROTO, "malformed device state (%u bytes)", m.hdr.len);
	}
	*blob = m.payload; /* p points at it: hand the buffer over */
	return 0;
}

int hv_ctl_devices_set(struct hv_ctl_client *c, const uint8_t *blob, size_t len)
{
	if (len > HV_CTL_MAX_BLOB || len % 8)
		return fail(c, -EINVAL, "a device state of %zu bytes cannot be sent", len);
	return call_empty(c, HV_CTL_DEVICES_SET, blob, len);
}

int hv_ctl_populate(struct hv_ctl_client *c, const uint64_t *gfns, size_t n)
{
	struct hv_ctl_populate req;
	int err = 0;

	for (size_t done = 0; done < n && !err; done += req.count) {
		memset(&req, 0, sizeof(req));
		req.count = n - done < HV_CTL_MAX_POPULATE ? (uint32_t)(n - done)
							   : HV_CTL_MAX_POPULATE;
		memcpy(req.gfns, gfns + done, req.count * sizeof(gfns[0]));
		err = call_empty(c, HV_CTL_POPULATE, &req, sizeof(req));
	}
	return err;
}

int hv_ctl_dirty_enable(struct hv_ctl_client *c, struct hv_ctl_dirty *out, int *fd)
{
	struct msg m;
	int err = call(c, HV_CTL_DIRTY_ENABLE, NULL, 0, &m);

	if (err)
		return err;
	if (hv_ctl_read_dirty(&m.hdr, m.payload, out) || m.nr_fds != 1) {
		err = fail(c, -EPROTO, "malformed dirty-enable reply");
	} else {
		*fd = m.fds[--m.nr_fds];
		c->dirty_frames = out->nr_frames;
	}
	msg_free(&m);
	return err;
}

int hv_ctl_dirty_harvest(struct hv_ctl_client *c, uint64_t *nr_dirty)
{
	struct hv_ctl_harvest h;
	struct msg m;
	int err = call(c, HV_CTL_DIRTY_HARVEST, NULL, 0, &m);

	if (err)
		return err;
	if (hv_ctl_read_harvest(&m.hdr, m.payload, &h)) {
		err = fail(c, -EPROTO, "malformed harvest reply");
	} else {
		*nr_dirty = h.nr_dirty;
		c->dirty_frames = h.nr_frames;
	}
	msg_free(&m);
	return err;
}

int hv_ctl_dirty_disable(struct hv_ctl_client *c)
{
	return call_empty(c, HV_CTL_DIRTY_DISABLE, NULL, 0);
}

/* Guest memory: the memfds mapped whole and shared; no byte goes through the socket. */

static int memory(struct hv_ctl_client *c, struct hv_ctl_guest_mem *g)
{
	struct msg m;
	int err = call(c, HV_CTL_MEMORY, NULL, 0, &m);

	if (err)
		return err;
	if (hv_ctl_read_memory(&m.hdr, m.payload, &g->map) || m.nr_fds != g->map.nr_fds)
		err = fail(c, -EPROTO, "malformed memory reply");
	else
		memcpy(g->fds, m.fds, sizeof(int) * m.nr_fds);
	if (!err)
		m.nr_fds = 0; /* handed to g */
	msg_free(&m);
	return err;
}

static int map_fds(struct hv_ctl_guest_mem *g)
{
	for (uint32_t i = 0; i < g->map.nr_fds; i++) {
		struct stat st;
		void *p;

		if (fstat(g->fds[i], &st) < 0)
			return -errno;
		if (st.st_size <= 0)
			return -EINVAL;
		p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, g->fds[i], 0);
		if (p == MAP_FAILED)
			return -errno;
		g->base[i] = p;
		g->size[i] = (size_t)st.st_size;
	}
	return 0;
}

/* Every region must lie inside the memfd it names. */
static int check_regions(const struct hv_ctl_guest_mem *g)
{
	for (uint32_t i = 0; i < g->map.nr_regions; i++) {
		const struct hv_ctl_region *r = &g->map.regions[i];

		if (r->offset > g->size[r->fd] || r->size > g->size[r->fd] - r->offset)
			return -EINVAL;
	}
	return 0;
}

int hv_ctl_guest_map(struct hv_ctl_client *c, struct hv_ctl_guest_mem *g)
{
	int err;

	memset(g, 0, sizeof(*g));
	for (unsigned i = 0; i < HV_CTL_MAX_FDS; i++)
		g->fds[i] = -1;
	err = memory(c, g);
	if (err)
		return err;
	err = map_fds(g);
	if (!err)
		err = check_regions(g);
	if (err) {
		hv_ctl_guest_unmap(g);
		fail(c, err, "cannot map guest memory: %s", strerror(-err));
	}
	return err;
}

void *hv_ctl_guest_ptr(const struct hv_ctl_guest_mem *g, uint64_t gpa, size_t len)
{
	for (uint32_t i = 0; i < g->map.nr_regions; i++) {
		const struct hv_ctl_region *r = &g->map.regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size && len <= r->size - (gpa - r->gpa))
			return g->base[r->fd] + r->offset + (gpa - r->gpa);
	}
	return NULL;
}

void hv_ctl_guest_unmap(struct hv_ctl_guest_mem *g)
{
	for (unsigned i = 0; i < HV_CTL_MAX_FDS; i++) {
		if (g->base[i])
			munmap(g->base[i], g->size[i]);
		if (g->fds[i] >= 0)
			close(g->fds[i]);
		g->base[i] = NULL;
		g->fds[i] = -1;
	}
	g->map.nr_regions = 0;
}
