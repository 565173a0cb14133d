/*
 * Unit tests for hv/xs_ring.c: the guest's xenstore ring in a fake domain's
 * special page, driven by writing the page with hv_gmem_write as a guest
 * would: requests and replies, messages split across passes, wraparound of
 * the arrays and of the 32-bit indices, replies bigger than the ring, and
 * hostile indices and lengths (error indicator, then reconnection).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boot.h"
#include "fake_domain.h"
#include "xs_ring.h"

#define GPA (HV_XENSTORE_GFN << HV_PAGE_SHIFT)
#define OFF(field) offsetof(struct xenstore_domain_interface, field)

static struct fake_domain f;
static struct xs_server srv;
static struct xs_conn guest;
static struct xs_ring ring;

static uint32_t get(size_t off)
{
	uint32_t v = 0;

	assert_int_equal(hv_gmem_read(&f.d.mem, GPA + off, &v, sizeof(v)), 0);
	return v;
}

static void set(size_t off, uint32_t v)
{
	assert_int_equal(hv_gmem_write(&f.d.mem, GPA + off, &v, sizeof(v)), 0);
}

static int setup(void **state)
{
	struct xs_perms p;

	(void)state;
	if (fake_domain_init(&f, 16, 1) || hv_gmem_add_frame(&f.d.mem, HV_XENSTORE_GFN) ||
	    xs_server_init(&srv, &f.d, 1) || xs_perms_parse(&p, "n1", 1))
		return -1;
	xs_tree_put(&srv.tree, "/local/domain/1/data", "", 0, &p);
	free(p.v);
	xs_conn_init(&guest, &srv, &(struct xs_caller){ .domid = 1 });
	srv.guest = &guest;
	srv.guest_introduced = true;
	/* Whatever was on the page before, init leaves a clean ring. */
	hv_gmem_fill(&f.d.mem, GPA, 0xa5, HV_PAGE_SIZE);
	return xs_ring_init(&ring, &f.d.mem, GPA, &guest);
}

static int teardown(void **state)
{
	(void)state;
	xs_server_destroy(&srv);
	fake_domain_destroy(&f);
	return 0;
}

/* The guest puts bytes in the request queue and publishes them. */
static void guest_send(const void *data, size_t len)
{
	uint32_t prod = get(OFF(req_prod));
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++, prod++)
		hv_gmem_write(&f.d.mem, GPA + OFF(req) + MASK_XENSTORE_IDX(prod), &p[i], 1);
	set(OFF(req_prod), prod);
}

static void guest_request(uint32_t type, uint32_t req_id, const void *payload, size_t len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = req_id, .len = (uint32_t)len };

	guest_send(&h, sizeof(h));
	guest_send(payload, len);
}

/* The guest takes up to max reply bytes; returns how many it took. */
static size_t guest_recv(void *buf, size_t max)
{
	uint32_t cons = get(OFF(rsp_cons)), prod = get(OFF(rsp_prod));
	uint8_t *p = buf;
	size_t n = 0;

	for (; n < max && cons != prod; n++, cons++)
		hv_gmem_read(&f.d.mem, GPA + OFF(rsp) + MASK_XENSTORE_IDX(cons), &p[n], 1);
	set(OFF(rsp_cons), cons);
	return n;
}

/* Takes one whole reply (service the ring first); returns its type. */
static uint32_t guest_reply(char *payload, uint32_t *req_id)
{
	struct xsd_sockmsg h;

	assert_int_equal(guest_recv(&h, sizeof(h)), sizeof(h));
	assert_int_equal(guest_recv(payload, h.len), h.len);
	payload[h.len] = '\0';
	*req_id = h.req_id;
	return h.type;
}

static void clean_start(void **state)
{
	(void)state;
	assert_int_equal(get(OFF(server_features)),
			 XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR);
	assert_int_equal(get(OFF(connection)), XENSTORE_CONNECTED);
	assert_int_equal(get(OFF(error)), XENSTORE_ERROR_NONE);
	assert_int_equal(get(OFF(req_prod)) | get(OFF(rsp_prod)), 0);
	assert_int_equal(xs_ring_service(&ring), 0); /* nothing to do */
}

static void request_reply(void **state)
{
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	uint32_t id;

	(void)state;
	guest_request(XS_WRITE, 1, "data/k\0value", 12);
	guest_request(XS_READ, 2, "data/k", 7);
	assert_int_equal(xs_ring_service(&ring), XS_RING_NOTIFY);
	assert_int_equal(get(OFF(req_cons)), get(OFF(req_prod)));
	assert_int_equal(guest_reply(buf, &id), XS_WRITE);
	assert_int_equal(id, 1);
	assert_int_equal(guest_reply(buf, &id), XS_READ);
	assert_string_equal(buf, "value");
}

static void split_messages(void **state)
{
	struct xsd_sockmsg h = { .type = XS_READ, .req_id = 9, .len = 7 };
	char buf[64];
	uint32_t id;

	(void)state;
	guest_send(&h, 10);
	assert_int_equal(xs_ring_service(&ring), XS_RING_NOTIFY); /* consumed */
	assert_int_equal(get(OFF(rsp_prod)), 0);
	guest_send((uint8_t *)&h + 10, sizeof(h) - 10);
	guest_send("data", 4);
	xs_ring_service(&ring);
	assert_int_equal(get(OFF(rsp_prod)), 0);
	guest_send("/k", 3);
	xs_ring_service(&ring);
	assert_int_equal(guest_reply(buf, &id), XS_ERROR);
	assert_string_equal(buf, "ENOENT");
	assert_int_equal(id, 9);
}

static void wraparound(void **state)
{
	char buf[XENSTORE_PAYLOAD_MAX + 1], value[300];
	uint32_t id;

	(void)state;
	/* Indices close to 2^32, as a guest may leave them. */
	set(OFF(req_cons), 0xffffff00u);
	set(OFF(req_prod), 0xffffff00u);
	set(OFF(rsp_cons), 0xfffffe80u);
	set(OFF(rsp_prod), 0xfffffe80u);
	memset(value, 'w', sizeof(value));
	memcpy(value, "data/w", 7);
	for (uint32_t i = 0; i < 20; i++) {
		guest_request(XS_WRITE, i, value, sizeof(value));
		guest_request(XS_READ, 100 + i, "data/w", 7);
		xs_ring_service(&ring);
		assert_int_equal(guest_reply(buf, &id), XS_WRITE);
		assert_int_equal(id, i);
		assert_int_equal(guest_reply(buf, &id), XS_READ);
		assert_int_equal(id, 100 + i);
		assert_int_equal(strlen(buf), sizeof(value) - 7);
	}
	assert_true(get(OFF(req_prod)) < 0x10000u); /* the index wrapped */
	assert_true(get(OFF(rsp_prod)) < 0x10000u);
}

static void reply_bigger_than_ring(void **state)
{
	char value[3000], buf[XENSTORE_PAYLOAD_MAX + 1];
	struct xs_perms p;
	struct xsd_sockmsg h;
	size_t got = 0;

	(void)state;
	memset(value, 'b', sizeof(value));
	assert_int_equal(xs_perms_parse(&p, "n1", 1), 0);
	xs_tree_put(&srv.tree, "/local/domain/1/data/big", value, sizeof(value), &p);
	free(p.v);
	guest_request(XS_READ, 1, "data/big", 9);
	xs_ring_service(&ring);
	assert_int_equal(get(OFF(rsp_prod)) - get(OFF(rsp_cons)), XENSTORE_RING_SIZE);
	assert_int_equal(guest_recv(&h, sizeof(h)), sizeof(h));
	assert_int_equal(h.len, sizeof(value));
	while (got < sizeof(value)) {
		size_t n = guest_recv(buf, sizeof(buf));

		assert_true(n > 0);
		assert_memory_equal(buf, value, n);
		got += n;
		xs_ring_service(&ring);
	}
	assert_int_equal(got, sizeof(value));
}

/* The ring is broken with why; nothing moves until a reconnect. */
static void expect_broken(uint32_t why)
{
	uint32_t prod = get(OFF(req_prod)), rsp = get(OFF(rsp_prod));

	assert_int_equal(get(OFF(error)), why);
	guest_request(XS_READ, 1, "data", 5);
	assert_int_equal(xs_ring_service(&ring), 0);
	assert_int_equal(get(OFF(rsp_prod)), rsp);
	assert_int_equal(get(OFF(req_prod)), prod + 16 + 5);
	/* The guest asks for a reconnect: clean queues, served again. */
	set(OFF(connection), XENSTORE_RECONNECT);
	assert_int_equal(xs_ring_service(&ring), XS_RING_NOTIFY);
	assert_int_equal(get(OFF(connection)), XENSTORE_CONNECTED);
	assert_int_equal(get(OFF(error)), XENSTORE_ERROR_NONE);
	assert_int_equal(get(OFF(req_prod)) | get(OFF(req_cons)) | get(OFF(rsp_prod)) |
				 get(OFF(rsp_cons)),
			 0);
	request_reply(NULL);
}

static void hostile_request_indices(void **state)
{
	(void)state;
	set(OFF(req_prod), XENSTORE_RING_SIZE + 1);
	assert_int_equal(xs_ring_service(&ring), XS_RING_NOTIFY);
	expect_broken(XENSTORE_ERROR_RINGIDX);
	/* A consumer index moved ahead of the producer. */
	set(OFF(req_cons), get(OFF(req_prod)) + 1);
	xs_ring_service(&ring);
	expect_broken(XENSTORE_ERROR_RINGIDX);
}

static void hostile_reply_indices(void **state)
{
	(void)state;
	set(OFF(rsp_cons), 0x80000000u);
	guest_request(XS_READ, 1, "data", 5);
	assert_int_equal(xs_ring_service(&ring), XS_RING_NOTIFY);
	expect_broken(XENSTORE_ERROR_RINGIDX);
}

static void oversized_message(void **state)
{
	struct xsd_sockmsg h = { .type = XS_WRITE, .len = XENSTORE_PAYLOAD_MAX + 1 };

	(void)state;
	guest_send(&h, sizeof(h));
	assert_int_equal(xs_ring_service(&ring), XS_RING_NOTIFY);
	expect_broken(XENSTORE_ERROR_PROTO);
}

static void released_guest_is_ignored(void **state)
{
	(void)state;
	srv.guest_introduced = false;
	guest_request(XS_READ, 1, "data", 5);
	assert_int_equal(xs_ring_service(&ring), 0);
	assert_int_equal(get(OFF(req_cons)), 0);
	srv.guest_introduced = true;
	assert_int_equal(xs_ring_service(&ring), XS_RING_NOTIFY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(clean_start, setup, teardown),
		cmocka_unit_test_setup_teardown(request_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(split_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(wraparound, setup, teardown),
		cmocka_unit_test_setup_teardown(reply_bigger_than_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_request_indices, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_reply_indices, setup, teardown),
		cmocka_unit_test_setup_teardown(oversized_message, setup, teardown),
		cmocka_unit_test_setup_teardown(released_guest_is_ignored, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
