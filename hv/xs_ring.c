#include "xs_ring.h"

#include <errno.h>
#include <string.h>

#include "log.h"

/* Passes over the ring before xs_ring_service lets other clients run. */
#define MAX_PASSES 16

_Static_assert(sizeof(struct xenstore_domain_interface) <= HV_PAGE_SIZE,
	       "the xenstore interface fits in a page");

/* The indices are shared with the guest: one access each, ordered. */
static uint32_t load_idx(const XENSTORE_RING_IDX *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_idx(XENSTORE_RING_IDX *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static struct xenstore_domain_interface *map(struct xs_ring *r)
{
	return hv_gmem_map(r->mem, r->gpa, HV_PAGE_SIZE, true);
}

int xs_ring_init(struct xs_ring *r, struct hv_gmem *mem, uint64_t gpa, struct xs_conn *c)
{
	struct xenstore_domain_interface *intf;

	r->mem = mem;
	r->gpa = gpa;
	r->conn = c;
	r->broken = false;
	r->warned = false;
	intf = map(r);
	if (!intf)
		return -EFAULT;
	memset(intf, 0, HV_PAGE_SIZE);
	intf->server_features =
		XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR;
	store_idx(&intf->connection, XENSTORE_CONNECTED);
	return 0;
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

/* Moves request bytes into the connection.  Returns 0 or an XENSTORE_ERROR_*. */
static uint32_t take_requests(struct xs_ring *r, struct xenstore_domain_interface *intf,
			      bool *moved)
{
	uint32_t prod = load_idx(&intf->req_prod), cons = load_idx(&intf->req_cons);
	uint8_t *buf;
	size_t want;

	if (prod - cons > XENSTORE_RING_SIZE)
		return XENSTORE_ERROR_RINGIDX;
	while (prod != cons && (want = xs_conn_in_space(r->conn, &buf))) {
		size_t n = min3(want, prod - cons, XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons));

		memcpy(buf, intf->req + MASK_XENSTORE_IDX(cons), n);
		cons += (uint32_t)n;
		store_idx(&intf->req_cons, cons);
		*moved = true;
		if (xs_conn_in_done(r->conn, n))
			return XENSTORE_ERROR_PROTO;
	}
	return 0;
}

/* Moves queued output into the reply queue.  Returns 0 or an XENSTORE_ERROR_*. */
static uint32_t put_replies(struct xs_ring *r, struct xenstore_domain_interface *intf,
			    bool *moved)
{
	uint32_t cons = load_idx(&intf->rsp_cons), prod = load_idx(&intf->rsp_prod);
	const uint8_t *buf;
	size_t have;

	if (prod - cons > XENSTORE_RING_SIZE)
		return XENSTORE_ERROR_RINGIDX;
	while (prod - cons < XENSTORE_RING_SIZE && (have = xs_conn_out_peek(r->conn, &buf))) {
		size_t n = min3(have, XENSTORE_RING_SIZE - (prod - cons),
				XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod));

		memcpy(intf->rsp + MASK_XENSTORE_IDX(prod), buf, n);
		prod += (uint32_t)n;
		store_idx(&intf->rsp_prod, prod);
		xs_conn_out_done(r->conn, n);
		*moved = true;
	}
	return 0;
}

/* The guest asked for a reconnect: a fresh connection on empty queues. */
static void reconnect(struct xs_ring *r, struct xenstore_domain_interface *intf)
{
	xs_conn_clear(r->conn);
	store_idx(&intf->req_cons, 0);
	store_idx(&intf->req_prod, 0);
	store_idx(&intf->rsp_cons, 0);
	store_idx(&intf->rsp_prod, 0);
	store_idx(&intf->error, XENSTORE_ERROR_NONE);
	store_idx(&intf->connection, XENSTORE_CONNECTED);
	r->broken = false;
}

/* Stops serving a guest that broke the protocol, and tells it why. */
static void fail(struct xs_ring *r, struct xenstore_domain_interface *intf, uint32_t why)
{
	if (!r->warned)
		log_warnx("xenstore: the guest broke its ring (%s): ignoring it until it "
			  "reconnects",
			  why == XENSTORE_ERROR_RINGIDX ? "bad indices" : "message too long");
	r->warned = true;
	xs_conn_clear(r->conn);
	store_idx(&intf->error, why);
	r->broken = true;
}

unsigned xs_ring_service(struct xs_ring *r)
{
	struct xenstore_domain_interface *intf;
	unsigned flags = 0, pass;
	bool moved = true;
	uint32_t err = 0;

	if (!r->conn->srv->guest_introduced || !(intf = map(r)))
		return 0;
	if (load_idx(&intf->connection) == XENSTORE_RECONNECT) {
		reconnect(r, intf);
		flags |= XS_RING_NOTIFY;
	}
	if (r->broken)
		return flags;
	for (pass = 0; moved && !err && pass < MAX_PASSES; pass++) {
		moved = false;
		err = take_requests(r, intf, &moved);
		if (!err)
			err = put_replies(r, intf, &moved);
		if (moved)
			flags |= XS_RING_NOTIFY;
	}
	if (err) {
		fail(r, intf, err);
		return flags | XS_RING_NOTIFY;
	}
	return moved ? flags | XS_RING_AGAIN : flags;
}
