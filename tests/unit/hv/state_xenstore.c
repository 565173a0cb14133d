/*
 * Unit tests for xenstore's pause and state (hv/xs_state*.c): a guest that
 * was busy on its ring (watches with tokens, two open transactions, events
 * queued beyond the ring, a request half sent) is saved and restored; the
 * restored store saves to the same bytes, the half-sent request is
 * answered, every queued event arrives once, watches fire, one transaction
 * commits and the other conflicts.  Bodies with bad bytes are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "boot.h"
#include "device_state.h"
#include "fake_guest.h"
#include "fake_state.h"
#include "xenstore.h"

#define SHINFO_GFN 0x10
#define HOME "/local/domain/1"
#define NR_EVENTS 40 /* more than the ring holds */

static struct fake_domain src, dst;
static struct hv_state_buf blob;
static uint32_t t1, t2;      /* the guest's open transactions */
static uint32_t next_req = 1;

/* Sends a request of the guest on f's ring; returns its id. */
static uint32_t request(struct fake_domain *f, uint32_t type, uint32_t tx, const void *p,
			size_t len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = next_req++, .tx_id = tx,
				 .len = (uint32_t)len };

	assert_int_equal(fake_guest_xs_send(&f->d, &h, p), 0);
	return h.req_id;
}

/* Takes the next message: a reply to req (of type, with payload want) or an event. */
static void expect(struct fake_domain *f, uint32_t type, uint32_t req, const char *want,
		   size_t len)
{
	struct xsd_sockmsg h;
	char buf[4096];

	assert_int_equal(fake_guest_xs_recv(&f->d, &h, buf, sizeof(buf)), 0);
	assert_int_equal(h.type, type);
	assert_int_equal(h.req_id, req);
	assert_int_equal(h.len, len);
	assert_memory_equal(buf, want, len);
}

static void expect_ok(struct fake_domain *f, uint32_t type, uint32_t req)
{
	expect(f, type, req, "OK", 3);
}

static void expect_event(struct fake_domain *f, const char *path, const char *token)
{
	char want[256];
	size_t n = (size_t)snprintf(want, sizeof(want), "%s%c%s", path, 0, token) + 1;

	expect(f, XS_WATCH_EVENT, 0, want, n);
}

static void guest_write(struct fake_domain *f, uint32_t tx, const char *path, const char *v)
{
	char p[256];
	size_t n = (size_t)snprintf(p, sizeof(p), "%s%c%s", path, 0, v);

	expect_ok(f, XS_WRITE, request(f, XS_WRITE, tx, p, n));
}

static uint32_t guest_start(struct fake_domain *f)
{
	uint32_t req = request(f, XS_TRANSACTION_START, 0, "", 1);
	struct xsd_sockmsg h;
	char buf[32];

	assert_int_equal(fake_guest_xs_recv(&f->d, &h, buf, sizeof(buf)), 0);
	assert_int_equal(h.req_id, req);
	return (uint32_t)strtoul(buf, NULL, 10);
}

static void guest_watch(struct fake_domain *f, const char *path, const char *token)
{
	char p[256];
	size_t n = (size_t)snprintf(p, sizeof(p), "%s%c%s", path, 0, token) + 1;

	expect_ok(f, XS_WATCH, request(f, XS_WATCH, 0, p, n));
	expect_event(f, path, token);
}

/* Waits until the xenstore thread took every request byte. */
static void wait_consumed(struct fake_domain *f)
{
	const size_t prod = offsetof(struct xenstore_domain_interface, req_prod);
	const size_t cons = offsetof(struct xenstore_domain_interface, req_cons);
	uint32_t *p = hv_gmem_map(&f->d.mem, (HV_XENSTORE_GFN << 12) + prod, 4, false);
	uint32_t *c = hv_gmem_map(&f->d.mem, (HV_XENSTORE_GFN << 12) + cons, 4, false);

	for (int i = 0; i < 2000 && __atomic_load_n(c, __ATOMIC_ACQUIRE) != *p; i++)
		usleep(1000);
	assert_int_equal(*c, *p);
}

/* The guest's busy store, in src. */
static void make_busy(void)
{
	struct xsd_sockmsg h = { .type = XS_READ, .req_id = 999, .len = 7 };
	char path[64];

	guest_write(&src, 0, "data/x", "1");
	guest_watch(&src, "data", "rel");
	guest_watch(&src, HOME "/device", "abs");
	t1 = guest_start(&src);
	guest_write(&src, t1, "data/t", "in-txn");
	t2 = guest_start(&src);
	guest_write(&src, t2, "data/y", "2");
	/* Events the guest does not read: more than its ring holds. */
	for (int i = 0; i < NR_EVENTS; i++) {
		snprintf(path, sizeof(path), HOME "/device/e%d", i);
		assert_int_equal(hv_xs_write(&src.d, path, "v"), 0);
	}
	/* A request half sent: the header and three bytes of "data/x". */
	assert_int_equal(fake_guest_xs_put(&src.d, &h, sizeof(h)), 0);
	assert_int_equal(fake_guest_xs_put(&src.d, "dat", 3), 0);
	fake_guest_evtchn(&src.d.vcpus[0], EVTCHNOP_send,
			  &(struct evtchn_send){ .port = (evtchn_port_t)
							src.d.hvm_params[HVM_PARAM_STORE_EVTCHN] },
			  sizeof(struct evtchn_send));
	wait_consumed(&src);
}

static int setup(void **state)
{
	(void)state;
	blob = (struct hv_state_buf){ 0 };
	if (fake_domain_init(&src, 16, 1) || fake_domain_init(&dst, 16, 1) ||
	    fake_guest_map_shared_info(&src.d.vcpus[0], SHINFO_GFN))
		return -1;
	make_busy();
	return fake_state_save(&src, &blob, &dst);
}

static int teardown(void **state)
{
	(void)state;
	fake_domain_destroy(&src);
	fake_domain_destroy(&dst);
	free(blob.data);
	return 0;
}

/* The xenstore record of blob b. */
static void record(const struct hv_state_buf *b, const uint8_t **body, uint32_t *len)
{
	size_t off;

	assert_int_equal(fake_state_find(b->data, b->len, HV_STATE_XENSTORE, &off, len), 0);
	*body = b->data + off;
}

static void restored_saves_the_same(void **state)
{
	struct hv_state_buf again = { 0 };
	const uint8_t *a, *b;
	uint32_t alen, blen;

	(void)state;
	hv_domain_pause(&dst.d);
	assert_int_equal(hv_devices_restore(&dst.d, blob.data, blob.len), 0);
	assert_int_equal(hv_devices_save(&dst.d, &again), 0);
	hv_domain_unpause(&dst.d);
	record(&blob, &a, &alen);
	record(&again, &b, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(again.data);
}

/* The rest of the half-sent request, and the events queued before it. */
static void finish_request(void)
{
	char path[64];

	assert_int_equal(fake_guest_xs_put(&dst.d, "a/x", 4), 0);
	for (int i = 0; i < NR_EVENTS; i++) {
		snprintf(path, sizeof(path), HOME "/device/e%d", i);
		expect_event(&dst, path, "abs");
	}
	expect(&dst, XS_READ, 999, "1", 1);
}

static void busy_guest_carries_on(void **state)
{
	(void)state;
	assert_int_equal(fake_state_restore(&dst, blob.data, blob.len), 0);
	finish_request();
	expect(&dst, XS_ERROR, request(&dst, XS_CONTROL, 0, "x", 2), "EACCES", 7);
	/* t1 commits; t2, which also created a node in data, then conflicts. */
	request(&dst, XS_TRANSACTION_END, t1, "T", 2);
	expect_event(&dst, "data/t", "rel"); /* the commit's events come before its reply */
	expect_ok(&dst, XS_TRANSACTION_END, next_req - 1);
	expect(&dst, XS_READ, request(&dst, XS_READ, 0, "data/t", 7), "in-txn", 6);
	expect(&dst, XS_ERROR, request(&dst, XS_TRANSACTION_END, t2, "T", 2), "EAGAIN", 7);
	/* Watches fire, relative and absolute. */
	assert_int_equal(hv_xs_write(&dst.d, HOME "/data/z", "3"), 0);
	expect_event(&dst, "data/z", "rel");
	assert_int_equal(hv_xs_write(&dst.d, HOME "/device/vif", ""), 0);
	expect_event(&dst, HOME "/device/vif", "abs");
}

static void other_transaction_commits(void **state)
{
	(void)state;
	assert_int_equal(fake_state_restore(&dst, blob.data, blob.len), 0);
	finish_request();
	request(&dst, XS_TRANSACTION_END, t2, "T", 2);
	expect_event(&dst, "data/y", "rel");
	expect_ok(&dst, XS_TRANSACTION_END, next_req - 1);
	expect(&dst, XS_ERROR, request(&dst, XS_TRANSACTION_END, t1, "T", 2), "EAGAIN", 7);
}

/* Bodies written by hand, from the layout in docs/stream-format.md */

/* What build() breaks in an otherwise good body. */
enum bad {
	GOOD, NO_PORT, FLAG, HDR_PAD, PERM_DOMID, PERM_ACCESS, NO_PERMS, NODE_GEN, NODE_NAME,
	ROOT_NAME, SIBLINGS, STORE_MARKS, TOO_DEEP, BIG_VALUE, IN_LEN, IN_WHOLE, OUT_SHORT,
	OUT_OFF, OUT_LEN, WATCH_OUTSIDE, WATCH_TWICE, WATCH_PATH, WATCH_SPECIAL_REL, TXN_ID,
	TXN_TWICE, TXN_START, TXN_GEN, REMOVED_PATH, CHANGE_FLAGS, TRAILING, NR_BAD,
};

static void put(struct hv_state_buf *b, const void *p, size_t n)
{
	assert_int_equal(hv_state_put(b, p, n), 0);
}

static void put32(struct hv_state_buf *b, uint32_t v)
{
	put(b, &v, sizeof(v));
}

static void put_str(struct hv_state_buf *b, const char *s)
{
	assert_int_equal(hv_state_put_str(b, s), 0);
}

static void put_perm(struct hv_state_buf *b, uint16_t domid, uint8_t access)
{
	uint8_t w[4] = { (uint8_t)domid, (uint8_t)(domid >> 8), access, 0 };

	put(b, w, sizeof(w));
}

/* A node with one permission entry (n0 unless bad). */
static void put_node(struct hv_state_buf *b, enum bad bad, uint64_t gen, const char *name,
		     uint32_t vlen, uint32_t children, uint8_t marks)
{
	uint16_t name_len = (uint16_t)strlen(name), nr_perms = bad == NO_PERMS ? 0 : 1;
	uint8_t pad[3] = { 0 };
	static const uint8_t value[70000];

	put(b, &gen, 8);
	put32(b, vlen);
	put32(b, children);
	put(b, &name_len, 2);
	put(b, &nr_perms, 2);
	put(b, &marks, 1);
	put(b, pad, 3);
	put(b, name, name_len);
	put(b, value, vlen);
	if (nr_perms)
		put_perm(b, bad == PERM_DOMID ? 0x7ff0 : 0, bad == PERM_ACCESS ? 4 : 0);
}

/* A tree of generation 10: "/" with "a" (and "b" below it). */
static void put_tree(struct hv_state_buf *b, enum bad bad, bool txn)
{
	uint64_t gen = txn && bad == TXN_GEN ? 4 : 10;

	put(b, &gen, 8);
	put_node(b, bad, 1, bad == ROOT_NAME ? "r" : "", 0, bad == SIBLINGS ? 2 : 1, 0);
	put_node(b, bad, bad == NODE_GEN ? 11 : 2, bad == NODE_NAME ? "a.b" : "a",
		 bad == BIG_VALUE ? 65537 : 1, 1, txn || bad == STORE_MARKS ? 3 : 0);
	put_node(b, bad, 3, "b", 0, bad == TOO_DEEP ? 1 : 0, 0);
	for (int i = 0; bad == TOO_DEEP && i < 1600; i++)
		put_node(b, bad, 3, "c", 0, i < 1599, 0);
	if (bad == SIBLINGS)
		put_node(b, bad, 3, "a", 0, 0, 0);
}

static void put_hdr(struct hv_state_buf *b, enum bad bad, uint32_t port)
{
	uint8_t flags[4] = { bad == FLAG ? 2 : 1, 0, 0, 0 };
	uint32_t in = bad == IN_LEN || bad == IN_WHOLE ? 16 + (bad == IN_WHOLE) : 0;
	uint32_t txns = bad == TXN_TWICE ? 2 : 1;

	put32(b, bad == NO_PORT ? 0 : port);
	put(b, flags, 4);
	put32(b, 1);                      /* next_txid */
	put32(b, in);
	put32(b, 1);                      /* nr_out */
	put32(b, 1 + (bad == WATCH_TWICE));
	put32(b, txns);
	put32(b, bad == HDR_PAD);
}

static void put_in_out(struct hv_state_buf *b, enum bad bad)
{
	struct xsd_sockmsg h = { .type = XS_READ, .len = bad == IN_LEN ? 4097 : 1 };
	uint32_t out[2] = { 20, bad == OUT_OFF ? 20 : 3 };
	struct xsd_sockmsg e = { .type = XS_WATCH_EVENT, .len = bad == OUT_LEN ? 5 : 4 };

	if (bad == IN_LEN || bad == IN_WHOLE)
		put(b, &h, sizeof(h));
	if (bad == IN_WHOLE) /* a whole message is never left half received */
		put(b, "x", 1);
	if (bad == OUT_SHORT)
		out[0] = 15;
	put(b, out, sizeof(out));
	put(b, &e, sizeof(e));
	put(b, "a\0t", out[0] - sizeof(e) > 4 ? 4 : out[0] - sizeof(e));
}

static void put_watches(struct hv_state_buf *b, enum bad bad)
{
	static const uint8_t rel[4] = { 1 }, abs[4] = { 0 };
	const char *path = bad == WATCH_OUTSIDE ? "/local/domain/2/x" :
			   bad == WATCH_PATH ? "/a/" :
			   bad == WATCH_SPECIAL_REL ? "@releaseDomain" : HOME "/a";

	put(b, bad == WATCH_OUTSIDE || bad == WATCH_SPECIAL_REL ? rel : abs, 4);
	put_str(b, path);
	put_str(b, "t");
	if (bad == WATCH_TWICE) {
		put(b, abs, 4);
		put_str(b, path);
		put_str(b, "t");
	}
}

static void put_txn(struct hv_state_buf *b, enum bad bad, uint32_t id)
{
	uint64_t start = bad == TXN_START ? 11 : 5;

	put32(b, bad == TXN_ID ? 0 : id);
	put32(b, 0);
	put(b, &start, 8);
	put32(b, 1);
	put32(b, 1);
	put_tree(b, bad, true);
	put_str(b, bad == REMOVED_PATH ? "a/b" : "/a/b");
	put32(b, bad == CHANGE_FLAGS ? 2 : 1);
	put_str(b, "/a");
}

static void build(struct hv_state_buf *b, enum bad bad, uint32_t port)
{
	b->len = 0;
	put_hdr(b, bad, port);
	for (int i = 0; i < 2; i++) {
		put32(b, 1);
		put_perm(b, 0, 0);
	}
	put_tree(b, bad, false);
	put_in_out(b, bad);
	put_watches(b, bad);
	put_txn(b, bad, 7);
	if (bad == TXN_TWICE)
		put_txn(b, bad, 7);
	if (bad == TRAILING)
		put32(b, 0);
}

static void bad_bodies(void **state)
{
	const struct hv_device *dev = fake_state_device(&dst, HV_STATE_XENSTORE);
	uint32_t port = (uint32_t)src.d.hvm_params[HVM_PARAM_STORE_EVTCHN];
	struct hv_state_buf b = { 0 };
	const uint8_t *body;
	uint32_t len;
	char *v;

	(void)state;
	hv_domain_pause(&dst.d);
	assert_int_equal(fake_state_restore_before(&dst, blob.data, blob.len, HV_STATE_XENSTORE),
			 0);
	record(&blob, &body, &len);
	assert_int_equal(dev->restore(&dst.d, 2, body, len), -ENOTSUP);
	for (uint32_t n = 0; n < len; n++)
		assert_int_equal(dev->restore(&dst.d, 1, body, n), -EINVAL);
	for (int bad = GOOD + 1; bad < NR_BAD; bad++) {
		build(&b, (enum bad)bad, port);
		if (dev->restore(&dst.d, 1, b.data, b.len) != -EINVAL)
			fail_msg("bad body %d not refused", bad);
	}
	/* Nothing changed: the store is still the fresh one, then the good body goes in. */
	assert_int_equal(hv_xs_read(&dst.d, HOME "/data/x", &v), -ENOENT);
	build(&b, GOOD, port);
	assert_int_equal(dev->restore(&dst.d, 1, b.data, b.len), 0);
	assert_int_equal(hv_xs_read(&dst.d, "/a", &v), 0);
	free(v);
	hv_domain_unpause(&dst.d);
	free(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(restored_saves_the_same, setup, teardown),
		cmocka_unit_test_setup_teardown(busy_guest_carries_on, setup, teardown),
		cmocka_unit_test_setup_teardown(other_transaction_commits, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_bodies, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
