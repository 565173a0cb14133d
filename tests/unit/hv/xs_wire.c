/*
 * Unit tests for hv/xs_wire.c, hv/xs_conn.c and hv/xs_watch.c: the
 * protocol as a guest and a dom0 client speak it, byte by byte through a
 * connection: every request type, the error names, malformed requests
 * (truncated headers, oversized lengths, missing NULs, bad transaction
 * ids), watches (tokens, relative paths, the first event, removals,
 * permissions), transactions, quotas and output back-pressure.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xs_conn.h"
#include "xs_watch.h"
#include "xs_wire.h"

#define GUEST 1
/* A request's payload from a literal that may hold NULs: all its bytes. */
#define REQ(c, type, tx, lit) request(c, type, tx, lit, sizeof(lit) - 1)

static struct xs_server srv;
static struct xs_conn guest, dom0;

/* A message taken from a connection's output. */
struct xs_msg_copy {
	struct xsd_sockmsg h;
	char data[XENSTORE_PAYLOAD_MAX + 1];
};

/* The last message taken. */
static struct xs_msg_copy msg;

/*
 * Events that came before a reply (a write fires watches before it is
 * acknowledged, as in xenstored), kept for next().
 */
static struct {
	struct xs_conn *c;
	struct xs_msg_copy m;
} early[8];
static unsigned nr_early;

static void put(const char *path, const char *perm)
{
	struct xs_perms p;

	assert_int_equal(xs_perms_parse(&p, perm, 1), 0);
	assert_non_null(xs_tree_put(&srv.tree, path, "", 0, &p));
	free(p.v);
}

static int setup(void **state)
{
	(void)state;
	if (xs_server_init(&srv, NULL, GUEST))
		return -1;
	put("/local/domain/1", "n0");
	put("/local/domain/1/data", "n1");
	put("/local/domain/0/backend", "n0");
	xs_conn_init(&guest, &srv, &(struct xs_caller){ .domid = GUEST });
	xs_conn_init(&dom0, &srv, &(struct xs_caller){ .domid = 0, .priv = true });
	srv.guest = &guest;
	srv.guest_introduced = true;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(nr_early, 0);
	xs_server_destroy(&srv);
	return 0;
}

/* Feeds bytes to c as a transport would, in pieces of at most chunk. */
static void feed(struct xs_conn *c, const void *data, size_t len, size_t chunk)
{
	const uint8_t *p = data;

	while (len) {
		uint8_t *buf;
		size_t n = xs_conn_in_space(c, &buf);

		assert_true(n > 0);
		n = n < len ? n : len;
		n = n < chunk ? n : chunk;
		memcpy(buf, p, n);
		assert_int_equal(xs_conn_in_done(c, n), 0);
		p += n;
		len -= n;
	}
}

/* Takes the next whole message that c queued into m; false if none. */
static bool take(struct xs_conn *c, struct xs_msg_copy *m)
{
	const uint8_t *buf;
	size_t have, got = 0;
	uint8_t raw[sizeof(*m)];

	if (!c->out)
		return false;
	while ((have = xs_conn_out_peek(c, &buf))) {
		memcpy(raw + got, buf, have);
		got += have;
		xs_conn_out_done(c, have);
		if (got >= XS_HDR_SIZE && got == XS_HDR_SIZE + ((struct xsd_sockmsg *)raw)->len)
			break;
	}
	memcpy(&m->h, raw, XS_HDR_SIZE);
	assert_int_equal(got, XS_HDR_SIZE + m->h.len);
	memcpy(m->data, raw + XS_HDR_SIZE, m->h.len);
	m->data[m->h.len] = '\0';
	return true;
}

/* The next message for c: an early event first.  False if there is none. */
static bool next(struct xs_conn *c)
{
	for (unsigned i = 0; i < nr_early; i++) {
		if (early[i].c == c) {
			msg = early[i].m;
			memmove(&early[i], &early[i + 1], (nr_early - i - 1) * sizeof(early[0]));
			nr_early--;
			return true;
		}
	}
	return take(c, &msg);
}

/* Sends a request and takes its reply; returns the reply's type. */
static uint32_t request(struct xs_conn *c, uint32_t type, uint32_t tx, const void *p, size_t len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = 77, .tx_id = tx, .len = (uint32_t)len };

	feed(c, &h, sizeof(h), 5);
	feed(c, p, len, 1000);
	for (;;) {
		assert_true(take(c, &msg));
		if (msg.h.type != XS_WATCH_EVENT || msg.h.req_id)
			break;
		assert_true(nr_early < 8);
		early[nr_early].c = c;
		early[nr_early++].m = msg;
	}
	assert_int_equal(msg.h.req_id, 77);
	assert_int_equal(msg.h.tx_id, tx);
	return msg.h.type;
}

static void expect_ok(uint32_t type)
{
	assert_int_equal(msg.h.type, type);
	assert_int_equal(msg.h.len, 3);
	assert_string_equal(msg.data, "OK");
}

static void expect_error(const char *name)
{
	assert_int_equal(msg.h.type, XS_ERROR);
	assert_string_equal(msg.data, name);
	assert_int_equal(msg.h.len, strlen(name) + 1);
}

static void expect_event(struct xs_conn *c, const char *path, const char *token)
{
	assert_true(next(c));
	assert_int_equal(msg.h.type, XS_WATCH_EVENT);
	assert_int_equal(msg.h.req_id, 0);
	assert_string_equal(msg.data, path);
	assert_string_equal(msg.data + strlen(path) + 1, token);
	assert_int_equal(msg.h.len, strlen(path) + strlen(token) + 2);
}

static void read_write_mkdir_rm(void **state)
{
	(void)state;
	REQ(&guest, XS_WRITE, 0, "data/x\0bin\0ary");
	expect_ok(XS_WRITE);
	assert_int_equal(REQ(&dom0, XS_READ, 0, "/local/domain/1/data/x\0"), XS_READ);
	assert_int_equal(msg.h.len, 7);
	assert_memory_equal(msg.data, "bin\0ary", 7);
	REQ(&guest, XS_MKDIR, 0, "data/d/e\0");
	expect_ok(XS_MKDIR);
	assert_int_equal(REQ(&guest, XS_DIRECTORY, 0, "data\0"), XS_DIRECTORY);
	assert_int_equal(msg.h.len, 4);
	assert_memory_equal(msg.data, "x\0d\0", 4);
	REQ(&guest, XS_RM, 0, "data/d\0");
	expect_ok(XS_RM);
	REQ(&guest, XS_RM, 0, "data/d\0"); /* already gone: fine */
	expect_ok(XS_RM);
	REQ(&guest, XS_RM, 0, "data/d/e\0");
	expect_error("ENOENT");
	REQ(&guest, XS_READ, 0, "data/d\0");
	expect_error("ENOENT");
	REQ(&guest, XS_WRITE, 0, "data/empty\0");
	expect_ok(XS_WRITE);
	assert_int_equal(REQ(&guest, XS_READ, 0, "data/empty\0"), XS_READ);
	assert_int_equal(msg.h.len, 0);
}

static void permissions(void **state)
{
	(void)state;
	REQ(&guest, XS_READ, 0, "/local/domain/0/backend\0");
	expect_error("EACCES");
	REQ(&guest, XS_WRITE, 0, "/local/domain/1/new\0v");
	expect_error("EACCES");
	REQ(&guest, XS_WRITE, 0, "data/p\0v");
	assert_int_equal(REQ(&guest, XS_GET_PERMS, 0, "data/p\0"), XS_GET_PERMS);
	assert_int_equal(msg.h.len, 3);
	assert_string_equal(msg.data, "n1");
	REQ(&guest, XS_SET_PERMS, 0, "data/p\0n1\0r0\0");
	expect_ok(XS_SET_PERMS);
	REQ(&guest, XS_SET_PERMS, 0, "data/p\0n0\0");
	expect_error("EPERM");
	REQ(&guest, XS_SET_PERMS, 0, "data/p\0n1\0r2\0r3\0r4\0r5\0r6\0");
	expect_error("ENOSPC");
	REQ(&guest, XS_SET_PERMS, 0, "data/p\0q1\0");
	expect_error("EINVAL");
	REQ(&guest, XS_SET_PERMS, 0, "data/p\0");
	expect_error("EINVAL");
	REQ(&dom0, XS_SET_PERMS, 0, "/local/domain/1/data/p\0n0\0");
	expect_ok(XS_SET_PERMS);
	REQ(&guest, XS_READ, 0, "data/p\0");
	expect_error("EACCES");
	assert_int_equal(REQ(&dom0, XS_GET_PERMS, 0, "@releaseDomain\0"), XS_GET_PERMS);
	assert_string_equal(msg.data, "n0");
	REQ(&guest, XS_SET_PERMS, 0, "@releaseDomain\0n0\0r1\0");
	expect_error("EACCES");
	REQ(&dom0, XS_SET_PERMS, 0, "@nothing\0n0\0");
	expect_error("EINVAL");
	REQ(&dom0, XS_GET_PERMS, 0, "@nothing\0");
	expect_error("EINVAL");
}

static void bad_requests(void **state)
{
	static const uint8_t junk[] = { 'a', 'b' };

	(void)state;
	REQ(&guest, XS_READ, 0, "data");   /* no NUL */
	expect_error("EINVAL");
	REQ(&guest, XS_READ, 0, "data\0x"); /* bytes after the path */
	expect_error("EINVAL");
	REQ(&guest, XS_READ, 0, "");
	expect_error("EINVAL");
	REQ(&guest, XS_READ, 0, "data/\0");
	expect_error("EINVAL");
	REQ(&guest, XS_READ, 0, "data//x\0");
	expect_error("EINVAL");
	REQ(&guest, XS_READ, 0, "da ta\0");
	expect_error("EINVAL");
	REQ(&dom0, XS_READ, 0, "relative\0"); /* sockets have no base */
	expect_error("EINVAL");
	REQ(&guest, XS_READ, 0, "@releaseDomain\0");
	expect_error("EINVAL");
	REQ(&guest, XS_WRITE, 0, "nonul");
	expect_error("EINVAL");
	REQ(&guest, XS_READ, 42, "data\0");
	expect_error("ENOENT");
	REQ(&guest, XS_WATCH_EVENT, 0, "x\0y\0");
	expect_error("ENOSYS");
	REQ(&guest, XS_ERROR, 0, "EINVAL\0");
	expect_error("ENOSYS");
	REQ(&guest, 20, 0, "");
	expect_error("ENOSYS");
	request(&guest, 0xffffffff, 0, junk, sizeof(junk));
	expect_error("ENOSYS");
	REQ(&guest, XS_SET_TARGET, 0, "1\0");
	expect_error("ENOSYS");
	REQ(&dom0, XS_SET_TARGET, 0, "1\0");
	expect_error("ENOSYS");
	REQ(&guest, XS_DIRECTORY_PART, 0, "data\0x\0");
	expect_error("EINVAL");
	REQ(&guest, XS_GET_DOMAIN_PATH, 0, "-1\0");
	expect_error("EINVAL");
	assert_string_equal(xs_wire_errname(EWOULDBLOCK + 1000), "EINVAL");
}

static void framing(void **state)
{
	struct xsd_sockmsg h = { .type = XS_READ, .req_id = 1, .len = 5 };
	struct xsd_sockmsg big = { .type = XS_WRITE, .len = XENSTORE_PAYLOAD_MAX + 1 };
	uint8_t *buf;

	(void)state;
	/* A header cut short dispatches nothing. */
	feed(&guest, &h, 10, 3);
	assert_false(next(&guest));
	feed(&guest, (uint8_t *)&h + 10, sizeof(h) - 10, 100);
	feed(&guest, "data", 4, 1);
	assert_false(next(&guest));
	feed(&guest, "", 1, 1);
	assert_true(next(&guest));
	assert_int_equal(msg.h.type, XS_READ);
	/* A length over the maximum breaks the stream. */
	assert_int_equal(xs_conn_in_space(&guest, &buf), sizeof(big));
	memcpy(buf, &big, sizeof(big));
	assert_int_equal(xs_conn_in_done(&guest, sizeof(big)), -E2BIG);
	assert_int_equal(xs_conn_in_space(&guest, &buf), 0);
	xs_conn_clear(&guest);
	assert_int_equal(xs_conn_in_space(&guest, &buf), sizeof(h));
	/* The biggest allowed payload is fine. */
	big.len = XENSTORE_PAYLOAD_MAX;
	feed(&guest, &big, sizeof(big), 16);
	buf = calloc(1, XENSTORE_PAYLOAD_MAX);
	memcpy(buf, "data/big", 9);
	feed(&guest, buf, XENSTORE_PAYLOAD_MAX, 4096);
	free(buf);
	assert_true(next(&guest));
	expect_error("ENOSPC"); /* over the guest's value quota */
}

static void watches(void **state)
{
	(void)state;
	REQ(&guest, XS_WATCH, 0, "data\0tok\0");
	expect_ok(XS_WATCH);
	expect_event(&guest, "data", "tok");
	REQ(&dom0, XS_WATCH, 0, "/local/domain/1\0d0\0");
	expect_ok(XS_WATCH);
	expect_event(&dom0, "/local/domain/1", "d0");
	REQ(&dom0, XS_WRITE, 0, "/local/domain/1/data/a/b\0v");
	expect_ok(XS_WRITE);
	expect_event(&guest, "data/a/b", "tok");
	expect_event(&dom0, "/local/domain/1/data/a/b", "d0");
	assert_false(next(&guest));
	/* Removing a parent fires watches below it with their own path. */
	REQ(&guest, XS_WATCH, 0, "/local/domain/1/data/a/b/c\0deep\0");
	expect_ok(XS_WATCH);
	expect_event(&guest, "/local/domain/1/data/a/b/c", "deep");
	REQ(&guest, XS_RM, 0, "data/a\0");
	expect_ok(XS_RM);
	expect_event(&guest, "data/a", "tok");
	expect_event(&guest, "/local/domain/1/data/a/b/c", "deep");
	expect_event(&dom0, "/local/domain/1/data/a", "d0");
	/* Duplicates, unknown watches, the relative root itself. */
	REQ(&guest, XS_WATCH, 0, "data\0tok\0");
	expect_error("EEXIST");
	REQ(&guest, XS_WATCH, 0, "data\0tok2\0");
	expect_ok(XS_WATCH);
	expect_event(&guest, "data", "tok2");
	REQ(&guest, XS_UNWATCH, 0, "data\0nope\0");
	expect_error("ENOENT");
	REQ(&guest, XS_UNWATCH, 0, "/local/domain/1/data\0tok2\0");
	expect_ok(XS_UNWATCH);
	REQ(&guest, XS_WATCH, 0, "data\0");
	expect_error("EINVAL");
	/* tx_id is ignored by WATCH. */
	REQ(&guest, XS_WATCH, 99, "data/t\0t\0");
	expect_ok(XS_WATCH);
	expect_event(&guest, "data/t", "t");
}

static void watch_permissions(void **state)
{
	(void)state;
	REQ(&guest, XS_WATCH, 0, "/local/domain/0\0tok\0");
	expect_ok(XS_WATCH);
	expect_event(&guest, "/local/domain/0", "tok"); /* the first event always */
	REQ(&dom0, XS_WRITE, 0, "/local/domain/0/backend/x\0v");
	expect_ok(XS_WRITE);
	assert_false(next(&guest)); /* cannot read it: no event */
	REQ(&dom0, XS_SET_PERMS, 0, "/local/domain/0/backend/x\0n0\0r1\0");
	expect_ok(XS_SET_PERMS);
	expect_event(&guest, "/local/domain/0/backend/x", "tok");
	REQ(&dom0, XS_RM, 0, "/local/domain/0/backend/x\0");
	expect_ok(XS_RM);
	expect_event(&guest, "/local/domain/0/backend/x", "tok");
}

static void special_watches(void **state)
{
	(void)state;
	REQ(&guest, XS_WATCH, 0, "@releaseDomain\0g\0");
	expect_ok(XS_WATCH);
	expect_event(&guest, "@releaseDomain", "g");
	REQ(&dom0, XS_WATCH, 0, "@releaseDomain\0d\0");
	expect_ok(XS_WATCH);
	expect_event(&dom0, "@releaseDomain", "d");
	REQ(&dom0, XS_WATCH, 0, "@introduceDomain\0i\0");
	expect_ok(XS_WATCH);
	expect_event(&dom0, "@introduceDomain", "i");
	REQ(&dom0, XS_RELEASE, 0, "1\0");
	expect_ok(XS_RELEASE);
	expect_event(&dom0, "@releaseDomain", "d");
	assert_false(next(&guest)); /* not permitted, and released anyway */
	assert_int_equal(REQ(&dom0, XS_IS_DOMAIN_INTRODUCED, 0, "1\0"), XS_IS_DOMAIN_INTRODUCED);
	assert_string_equal(msg.data, "F");
	REQ(&dom0, XS_RELEASE, 0, "1\0");
	expect_error("ENOENT");
	REQ(&dom0, XS_RESUME, 0, "1\0");
	expect_error("ENOENT");
	REQ(&dom0, XS_INTRODUCE, 0, "1\0");
	expect_error("EINVAL");
	REQ(&dom0, XS_INTRODUCE, 0, "1\0" "1044477\0" "1\0");
	expect_ok(XS_INTRODUCE);
	expect_event(&dom0, "@introduceDomain", "i");
	REQ(&dom0, XS_INTRODUCE, 0, "1\0" "1044477\0" "1\0"); /* again: no event */
	expect_ok(XS_INTRODUCE);
	assert_false(next(&dom0));
	REQ(&dom0, XS_RESUME, 0, "1\0");
	expect_ok(XS_RESUME);
	REQ(&dom0, XS_SET_PERMS, 0, "@releaseDomain\0n0\0r1\0");
	expect_ok(XS_SET_PERMS);
	REQ(&guest, XS_WATCH, 0, "@releaseDomain\0g\0");
	expect_ok(XS_WATCH);
	expect_event(&guest, "@releaseDomain", "g");
	xs_watch_fire_special(&srv, XS_SPECIAL_RELEASE);
	expect_event(&guest, "@releaseDomain", "g");
	expect_event(&dom0, "@releaseDomain", "d");
	REQ(&dom0, XS_RELEASE, 0, "0\0");
	expect_error("EINVAL");
	REQ(&dom0, XS_INTRODUCE, 0, "7\0" "1\0" "1\0");
	expect_error("ENOENT");
}

static void domain_requests(void **state)
{
	(void)state;
	assert_int_equal(REQ(&guest, XS_GET_DOMAIN_PATH, 0, "7\0"), XS_GET_DOMAIN_PATH);
	assert_string_equal(msg.data, "/local/domain/7");
	REQ(&guest, XS_IS_DOMAIN_INTRODUCED, 0, "1\0");
	expect_error("EACCES");
	assert_int_equal(REQ(&dom0, XS_IS_DOMAIN_INTRODUCED, 0, "1\0"), XS_IS_DOMAIN_INTRODUCED);
	assert_string_equal(msg.data, "T");
	REQ(&dom0, XS_IS_DOMAIN_INTRODUCED, 0, "0\0");
	assert_string_equal(msg.data, "T");
	REQ(&dom0, XS_IS_DOMAIN_INTRODUCED, 0, "9\0");
	assert_string_equal(msg.data, "F");
	REQ(&guest, XS_INTRODUCE, 0, "1\0" "1\0" "1\0");
	expect_error("EACCES");
	REQ(&guest, XS_CONTROL, 0, "print\0hi\0");
	expect_error("EACCES");
	REQ(&dom0, XS_CONTROL, 0, "print\0hi\0");
	expect_ok(XS_CONTROL);
	REQ(&dom0, XS_CONTROL, 0, "check\0");
	expect_ok(XS_CONTROL);
	assert_int_equal(REQ(&dom0, XS_CONTROL, 0, "help\0"), XS_CONTROL);
	REQ(&dom0, XS_CONTROL, 0, "live-update\0");
	expect_error("EINVAL");
	REQ(&dom0, XS_CONTROL, 0, "");
	expect_error("EINVAL");
}

/* Starts a transaction on c; returns its id. */
static uint32_t start(struct xs_conn *c)
{
	assert_int_equal(REQ(c, XS_TRANSACTION_START, 0, "\0"), XS_TRANSACTION_START);
	return (uint32_t)strtoul(msg.data, NULL, 10);
}

static void transactions(void **state)
{
	uint32_t a, b;

	(void)state;
	REQ(&dom0, XS_WATCH, 0, "/local/domain/1/data\0w\0");
	expect_ok(XS_WATCH);
	expect_event(&dom0, "/local/domain/1/data", "w");
	a = start(&guest);
	assert_true(a != 0);
	REQ(&guest, XS_WRITE, a, "data/t\0in");
	expect_ok(XS_WRITE);
	assert_false(next(&dom0)); /* no event before the commit */
	REQ(&guest, XS_READ, 0, "data/t\0");
	expect_error("ENOENT");
	assert_int_equal(REQ(&guest, XS_READ, a, "data/t\0"), XS_READ);
	assert_string_equal(msg.data, "in");
	REQ(&guest, XS_TRANSACTION_START, a, "\0");
	expect_error("EBUSY");
	REQ(&guest, XS_TRANSACTION_END, a, "X\0");
	expect_error("EINVAL");
	REQ(&guest, XS_TRANSACTION_END, a, "T\0");
	expect_ok(XS_TRANSACTION_END);
	expect_event(&dom0, "/local/domain/1/data/t", "w");
	REQ(&guest, XS_TRANSACTION_END, a, "T\0"); /* gone */
	expect_error("ENOENT");
	REQ(&guest, XS_TRANSACTION_END, 0, "T\0");
	expect_error("ENOENT");
	/* A conflict: EAGAIN and nothing applied; an abort: nothing either. */
	a = start(&guest);
	b = start(&guest);
	assert_true(a != b);
	REQ(&guest, XS_READ, a, "data/t\0");
	REQ(&guest, XS_WRITE, a, "data/u\0a");
	REQ(&guest, XS_WRITE, b, "data/t\0b");
	REQ(&guest, XS_TRANSACTION_END, b, "T\0");
	expect_ok(XS_TRANSACTION_END);
	expect_event(&dom0, "/local/domain/1/data/t", "w");
	REQ(&guest, XS_TRANSACTION_END, a, "T\0");
	expect_error("EAGAIN");
	REQ(&guest, XS_READ, 0, "data/u\0");
	expect_error("ENOENT");
	a = start(&guest);
	REQ(&guest, XS_RM, a, "data/t\0");
	REQ(&guest, XS_TRANSACTION_END, a, "F\0");
	expect_ok(XS_TRANSACTION_END);
	assert_false(next(&dom0));
	assert_int_equal(REQ(&guest, XS_READ, 0, "data/t\0"), XS_READ);
}

static void transaction_quota_and_reset(void **state)
{
	(void)state;
	for (unsigned i = 0; i < srv.quota.transactions; i++)
		start(&guest);
	REQ(&guest, XS_TRANSACTION_START, 0, "\0");
	expect_error("ENOSPC");
	REQ(&guest, XS_WATCH, 0, "data\0x\0");
	next(&guest);
	REQ(&guest, XS_RESET_WATCHES, 0, "");
	expect_ok(XS_RESET_WATCHES);
	assert_int_equal(guest.nr_txns, 0);
	assert_int_equal(guest.nr_watches, 0);
	start(&guest);
}

static void watch_quota(void **state)
{
	char req[64];
	int len;

	(void)state;
	for (unsigned i = 0; i <= srv.quota.watches; i++) {
		len = snprintf(req, sizeof(req), "data%c%u", '\0', i);
		request(&guest, XS_WATCH, 0, req, (size_t)len + 1);
		if (i < srv.quota.watches) {
			expect_ok(XS_WATCH);
			next(&guest);
		}
	}
	expect_error("E2BIG");
}

static void directory_part(void **state)
{
	char name[64], req[64];
	size_t total = 0, got = 0;
	uint64_t gen = 0;

	(void)state;
	/* 300 children of 20 bytes: too many for one DIRECTORY reply. */
	for (unsigned i = 0; i < 300; i++) {
		int n = snprintf(name, sizeof(name), "/big/child-%012u", i);

		request(&dom0, XS_MKDIR, 0, name, (size_t)n + 1);
		total += strlen(name) - strlen("/big/") + 1;
	}
	REQ(&dom0, XS_DIRECTORY, 0, "/big\0");
	expect_error("E2BIG");
	for (;;) {
		int n = snprintf(req, sizeof(req), "/big%c%zu", '\0', got);
		size_t glen;

		assert_int_equal(request(&dom0, XS_DIRECTORY_PART, 0, req, (size_t)n + 1),
				 XS_DIRECTORY_PART);
		glen = strlen(msg.data) + 1;
		if (gen)
			assert_int_equal(strtoull(msg.data, NULL, 10), gen);
		gen = strtoull(msg.data, NULL, 10);
		assert_true(msg.h.len <= XENSTORE_PAYLOAD_MAX);
		if (msg.h.len >= glen + 1 && msg.data[msg.h.len - 1] == '\0' &&
		    msg.data[msg.h.len - 2] == '\0') {
			got += msg.h.len - glen - 1;
			break;
		}
		got += msg.h.len - glen;
	}
	assert_int_equal(got, total);
	REQ(&dom0, XS_DIRECTORY_PART, 0, "/big\0" "999999\0");
	assert_int_equal(msg.h.len, strlen(msg.data) + 2);
}

static void back_pressure(void **state)
{
	struct xs_change ch = { .changed = true, .guest_visible = true };
	uint8_t *buf;
	size_t bytes;

	(void)state;
	REQ(&guest, XS_WATCH, 0, "data\0t\0");
	/* While replies are not taken, requests stop being read. */
	while (guest.out_bytes <= XS_OUT_LIMIT)
		xs_watch_fire(&srv, "/local/domain/1/data/x", &ch);
	assert_int_equal(xs_conn_in_space(&guest, &buf), 0);
	/* Events beyond the event limit are dropped. */
	while (guest.out_bytes <= XS_EVENT_LIMIT)
		xs_watch_fire(&srv, "/local/domain/1/data/x", &ch);
	bytes = guest.out_bytes;
	xs_watch_fire(&srv, "/local/domain/1/data/x", &ch);
	assert_int_equal(guest.out_bytes, bytes);
	assert_true(guest.dropped_events);
	while (next(&guest))
		;
	assert_true(xs_conn_in_space(&guest, &buf) > 0);
}

static unsigned calls;
static char last_path[64];

static void callback(struct hv_domain *d, const char *path, void *opaque)
{
	(void)d;
	assert_ptr_equal(opaque, &calls);
	calls++;
	snprintf(last_path, sizeof(last_path), "%s", path);
}

/* Runs the queued in-process callbacks as the xenstore thread would. */
static void run_callbacks(void)
{
	while (srv.callbacks) {
		struct xs_callback *cb = srv.callbacks;

		srv.callbacks = cb->next;
		cb->fn(NULL, cb->path, cb->opaque);
		free(cb);
	}
	srv.callbacks_tail = &srv.callbacks;
}

static void in_process_watches(void **state)
{
	(void)state;
	calls = 0;
	assert_int_equal(xs_watch_add_fn(&srv, "/local/domain/1/data", callback, &calls), 0);
	assert_int_equal(xs_watch_add_fn(&srv, "/local/domain/1/data", callback, &calls),
			 -EEXIST);
	run_callbacks();
	assert_int_equal(calls, 1);
	assert_string_equal(last_path, "/local/domain/1/data");
	REQ(&guest, XS_WRITE, 0, "data/k\0v");
	run_callbacks();
	assert_int_equal(calls, 2);
	assert_string_equal(last_path, "/local/domain/1/data/k");
	REQ(&guest, XS_WRITE, 0, "data/k\0w");
	assert_int_equal(xs_watch_remove_fn(&srv, "/local/domain/1/data", callback, &calls), 0);
	run_callbacks(); /* the queued call was dropped */
	assert_int_equal(calls, 2);
	assert_int_equal(xs_watch_remove_fn(&srv, "/local/domain/1/data", callback, &calls),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(read_write_mkdir_rm, setup, teardown),
		cmocka_unit_test_setup_teardown(permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(framing, setup, teardown),
		cmocka_unit_test_setup_teardown(watches, setup, teardown),
		cmocka_unit_test_setup_teardown(watch_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(special_watches, setup, teardown),
		cmocka_unit_test_setup_teardown(domain_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(transaction_quota_and_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(watch_quota, setup, teardown),
		cmocka_unit_test_setup_teardown(directory_part, setup, teardown),
		cmocka_unit_test_setup_teardown(back_pressure, setup, teardown),
		cmocka_unit_test_setup_teardown(in_process_watches, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
