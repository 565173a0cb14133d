/*
 * The xenstore ring transport.  The server is told about requests by
 * xs_ring_notify (and when the request queue is full), and about room in
 * the reply queue only when it was full (it may then be waiting for it).
 */
#include "evtchn.h"
#include "lib.h"
#include "xs_ring.h"

static volatile struct xenstore_domain_interface *intf;
static evtchn_port_t port;

void xs_ring_attach(struct xenstore_domain_interface *ring, evtchn_port_t p)
{
	intf = ring;
	port = p;
}

/* Bytes queued between cons and prod, or more than the ring holds if broken. */
static uint32_t used(const volatile XENSTORE_RING_IDX *cons, const volatile XENSTORE_RING_IDX *prod)
{
	return __atomic_load_n(prod, __ATOMIC_ACQUIRE) - __atomic_load_n(cons, __ATOMIC_ACQUIRE);
}

static bool req_room(void *arg)
{
	(void)arg;
	return used(&intf->req_cons, &intf->req_prod) != XENSTORE_RING_SIZE;
}

static bool rsp_data(void *arg)
{
	(void)arg;
	return used(&intf->rsp_cons, &intf->rsp_prod) != 0;
}

/*
 * Moves len bytes between p and the request queue (put) or the reply
 * queue, a contiguous piece at a time, waiting for room or data.
 */
static bool move(bool put, char *p, size_t len, uint64_t deadline)
{
	volatile XENSTORE_RING_IDX *ours = put ? &intf->req_prod : &intf->rsp_cons;
	volatile char *queue = put ? intf->req : intf->rsp;

	while (len) {
		XENSTORE_RING_IDX at = *ours;
		uint32_t queued = put ? used(&intf->req_cons, ours) : used(ours, &intf->rsp_prod);
		uint32_t ready = put ? XENSTORE_RING_SIZE - queued : queued;
		size_t n = MIN(MIN(len, ready), XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(at));

		if (queued > XENSTORE_RING_SIZE)
			return false;
		if (!n) {
			if (put)
				evtchn_send(port); /* the server may not have seen the requests */
			if (!evtchn_wait(port, put ? req_room : rsp_data, NULL, deadline))
				return false;
			continue;
		}
		if (put)
			memcpy((char *)queue + MASK_XENSTORE_IDX(at), p, n);
		else
			memcpy(p, (const char *)queue + MASK_XENSTORE_IDX(at), n);
		__atomic_store_n(ours, at + (XENSTORE_RING_IDX)n, __ATOMIC_RELEASE);
		if (!put && queued == XENSTORE_RING_SIZE)
			evtchn_send(port); /* the server may be waiting for room */
		p += n;
		len -= n;
	}
	return true;
}

bool xs_ring_put(const void *data, size_t len, uint64_t deadline)
{
	return move(true, (char *)(uintptr_t)data, len, deadline);
}

void xs_ring_notify(void)
{
	evtchn_send(port);
}

bool xs_ring_get(void *data, size_t len, uint64_t deadline)
{
	return move(false, data, len, deadline);
}
