/*
 * xenstore messages: a request is a struct xsd_sockmsg header and a body of
 * NUL-separated strings; its reply carries the same req_id, or type
 * XS_ERROR with an error name.  Watch events (XS_WATCH_EVENT, body
 * "path\0token\0") may come before any reply: they are queued for
 * xs_read_watch().
 */
#include "lib.h"
#include "pv.h"
#include "pvclock.h"
#include "xs.h"
#include "xs_ring.h"

#define REPLY_WAIT_NS 5000000000ULL
#define EVENT_QUEUE 8
#define EVENT_MAX 256

struct part {
	const char *data;
	size_t len;
};

struct reply {
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + 1]; /* NUL-terminated for convenience */
};

struct event {
	uint32_t len;
	char body[EVENT_MAX];
};

static evtchn_port_t port;
static uint32_t next_req_id = 1;
static struct reply reply;
static struct event events[EVENT_QUEUE];
static unsigned events_head, events_count, events_lost;

static const struct {
	const char *name;
	long err;
} errors[] = {
	{ "EINVAL", XEN_EINVAL }, { "EACCES", XEN_EACCES }, { "EEXIST", XEN_EEXIST },
	{ "EISDIR", XEN_EISDIR }, { "ENOENT", XEN_ENOENT }, { "ENOMEM", XEN_ENOMEM },
	{ "ENOSPC", XEN_ENOSPC }, { "EIO", XEN_EIO }, { "ENOTEMPTY", XEN_ENOTEMPTY },
	{ "ENOSYS", XEN_ENOSYS }, { "EROFS", XEN_EROFS }, { "EBUSY", XEN_EBUSY },
	{ "EAGAIN", XEN_EAGAIN }, { "EISCONN", XEN_EISCONN }, { "E2BIG", XEN_E2BIG },
	{ "EPERM", XEN_EPERM },
};

long xs_init(void)
{
	void *page;
	long rc = pv_find_ring(HVM_PARAM_STORE_PFN, HVM_PARAM_STORE_EVTCHN, &page, &port);

	if (rc == 0)
		xs_ring_attach(page, port);
	return rc;
}

evtchn_port_t xs_port(void)
{
	return port;
}

static long error_code(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(errors); i++)
		if (starts_with(name, errors[i].name) && !name[strlen(errors[i].name)])
			return -errors[i].err;
	return -XEN_EIO;
}

static void queue_event(void)
{
	struct event *e;

	if (events_count == EVENT_QUEUE || reply.hdr.len > EVENT_MAX) {
		events_lost++;
		return;
	}
	e = &events[(events_head + events_count++) % EVENT_QUEUE];
	e->len = reply.hdr.len;
	memcpy(e->body, reply.body, e->len);
}

/* Reads one message into reply.  Returns 0 or -XEN_ETIMEDOUT / -XEN_EIO. */
static long read_message(uint64_t deadline)
{
	if (!xs_ring_get(&reply.hdr, sizeof(reply.hdr), deadline))
		return -XEN_ETIMEDOUT;
	if (reply.hdr.len > XENSTORE_PAYLOAD_MAX)
		return -XEN_EIO;
	if (!xs_ring_get(reply.body, reply.hdr.len, deadline))
		return -XEN_ETIMEDOUT;
	reply.body[reply.hdr.len] = '\0';
	if (reply.hdr.type == XS_WATCH_EVENT)
		queue_event();
	return 0;
}

/*
 * Sends a request made of parts and waits for its reply, left in reply.
 * Returns 0, or the error the server or the transport gave.
 */
static long request(enum xsd_sockmsg_type type, uint32_t tx, const struct part *parts,
		    unsigned n)
{
	uint64_t deadline = xen_time_ns() + REPLY_WAIT_NS;
	struct xsd_sockmsg hdr = { .type = type, .req_id = next_req_id++, .tx_id = tx };
	long rc;

	for (unsigned i = 0; i < n; i++)
		hdr.len += (uint32_t)parts[i].len;
	if (hdr.len > XENSTORE_PAYLOAD_MAX)
		return -XEN_E2BIG;
	if (!xs_ring_put(&hdr, sizeof(hdr), deadline))
		return -XEN_ETIMEDOUT;
	for (unsigned i = 0; i < n; i++)
		if (!xs_ring_put(parts[i].data, parts[i].len, deadline))
			return -XEN_ETIMEDOUT;
	xs_ring_notify();
	do {
		rc = read_message(deadline);
	} while (!rc && (reply.hdr.type == XS_WATCH_EVENT || reply.hdr.req_id != hdr.req_id));
	if (!rc && reply.hdr.type == XS_ERROR)
		rc = error_code(reply.body);
	else if (!rc && reply.hdr.type != type)
		rc = -XEN_EIO;
	return rc;
}

/* A string with its terminating NUL, as paths and tokens travel. */
static struct part str(const char *s)
{
	return (struct part){ s, strlen(s) + 1 };
}

/* A request whose only argument is path. */
static long path_request(enum xsd_sockmsg_type type, uint32_t tx, const char *path)
{
	struct part p = str(path);

	return request(type, tx, &p, 1);
}

/* Copies the reply body into buf; returns its length or -XEN_E2BIG. */
static long copy_body(char *buf, size_t size)
{
	if (reply.hdr.len >= size)
		return -XEN_E2BIG;
	memcpy(buf, reply.body, reply.hdr.len + 1);
	return reply.hdr.len;
}

long xs_read(uint32_t tx, const char *path, char *buf, size_t size)
{
	long rc = path_request(XS_READ, tx, path);

	return rc ? rc : copy_body(buf, size);
}

long xs_read_u64(uint32_t tx, const char *path, uint64_t *value)
{
	char buf[24];
	const char *p = buf;
	long rc = xs_read(tx, path, buf, sizeof(buf));

	if (rc < 0)
		return rc;
	return parse_u64(&p, value) && *p == '\0' ? 0 : -XEN_EINVAL;
}

long xs_write(uint32_t tx, const char *path, const char *value)
{
	struct part parts[2] = { str(path), { value, strlen(value) } };

	return request(XS_WRITE, tx, parts, 2);
}

long xs_printf(uint32_t tx, const char *path, const char *fmt, ...)
{
	char value[128];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	return xs_write(tx, path, value);
}

long xs_directory(uint32_t tx, const char *path, char *buf, size_t size)
{
	long rc = path_request(XS_DIRECTORY, tx, path);

	return rc ? rc : copy_body(buf, size);
}

long xs_mkdir(uint32_t tx, const char *path)
{
	return path_request(XS_MKDIR, tx, path);
}

long xs_rm(uint32_t tx, const char *path)
{
	return path_request(XS_RM, tx, path);
}

long xs_transaction_start(uint32_t *tx)
{
	uint64_t id;
	const char *p = reply.body;
	long rc = path_request(XS_TRANSACTION_START, XBT_NIL, "");

	if (rc)
		return rc;
	if (!parse_u64(&p, &id) || *p || !id || id > UINT32_MAX)
		return -XEN_EIO;
	*tx = (uint32_t)id;
	return 0;
}

long xs_transaction_end(uint32_t tx, bool commit)
{
	return path_request(XS_TRANSACTION_END, tx, commit ? "T" : "F");
}

long xs_watch(const char *path, const char *token)
{
	struct part parts[2] = { str(path), str(token) };

	return request(XS_WATCH, XBT_NIL, parts, 2);
}

long xs_unwatch(const char *path, const char *token)
{
	struct part parts[2] = { str(path), str(token) };

	return request(XS_UNWATCH, XBT_NIL, parts, 2);
}

long xs_reset_watches(void)
{
	return path_request(XS_RESET_WATCHES, XBT_NIL, "");
}

/*
 * Copies the string at s (ending at a NUL or at end) into out, cut to size
 * (at least 1); returns where the next string starts.
 */
static const char *take_string(const char *s, const char *end, char *out, size_t size)
{
	size_t n = strnlen(s, (size_t)(end - s));
	size_t copy = MIN(n, size - 1);

	memcpy(out, s, copy);
	out[copy] = '\0';
	return s + MIN(n + 1, (size_t)(end - s));
}

long xs_read_watch(char *path, size_t path_size, char *token, size_t token_size,
		   uint64_t deadline)
{
	const struct event *e;
	long rc;

	while (!events_count) {
		rc = read_message(deadline);
		if (rc)
			return rc;
	}
	e = &events[events_head];
	take_string(take_string(e->body, e->body + e->len, path, path_size), e->body + e->len,
		    token, token_size);
	events_head = (events_head + 1) % EVENT_QUEUE;
	events_count--;
	return 0;
}

unsigned xs_watch_events_lost(void)
{
	return events_lost;
}
