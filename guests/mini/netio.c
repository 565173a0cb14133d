/*
 * Network frontend: packets on the rings (see netfront.h).
 */
#include "evtchn.h"
#include "gnttab.h"
#include "lib.h"
#include "netfront.h"

uint8_t *net_tx_buffer(struct netfront *n, unsigned *slot)
{
	if (!n->tx_free)
		return NULL;
	*slot = n->tx_stack[n->tx_free - 1];
	return n->tx_pages[*slot];
}

void net_tx_queue(struct netfront *n, unsigned slot, unsigned len)
{
	netif_tx_request_t *req = RING_GET_REQUEST(&n->tx, n->tx.req_prod_pvt);

	n->tx_free--;
	n->tx_busy[slot] = true;
	gnttab_grant(n->tx_refs[slot], n->xb.backend_id, (uintptr_t)n->tx_pages[slot] / PAGE_SIZE,
		     true);
	/* Complete checksums, nothing offloaded: no flags. */
	*req = (netif_tx_request_t){ .gref = n->tx_refs[slot], .offset = 0, .flags = 0,
				     .id = (uint16_t)slot, .size = (uint16_t)len };
	n->tx.req_prod_pvt++;
	n->stats.tx_bytes += len;
}

void net_push(struct netfront *n)
{
	int tx, rx;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&n->tx, tx);
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&n->rx, rx);
	if (tx || rx)
		evtchn_send(n->port);
}

/* Reposts the buffer of the response at index i, at the ring's next index (the same page). */
static void repost(struct netfront *n, RING_IDX i)
{
	unsigned slot = i % NET_RX_SLOTS;
	netif_rx_request_t *req = RING_GET_REQUEST(&n->rx, n->rx.req_prod_pvt);

	if (!gnttab_revoke(n->rx_refs[slot]))
		n->stats.grants_kept++;
	gnttab_grant(n->rx_refs[slot], n->xb.backend_id, (uintptr_t)n->rx_pages[slot] / PAGE_SIZE,
		     false);
	*req = (netif_rx_request_t){ .id = (uint16_t)slot, .gref = n->rx_refs[slot] };
	n->rx.req_prod_pvt++;
}

/*
 * One response: a whole packet is handed to fn; an error, a response for
 * another buffer, or any slot of a multi-slot packet (not negotiated) is
 * counted and dropped.
 */
static void take_rx(struct netfront *n, RING_IDX i, net_rx_fn fn, void *arg)
{
	netif_rx_response_t rsp = *RING_GET_RESPONSE(&n->rx, i);
	unsigned slot = i % NET_RX_SLOTS;
	bool skip = n->rx_skip;

	n->rx_skip = (rsp.flags & (NETRXF_more_data | NETRXF_extra_info)) != 0;
	if (skip || n->rx_skip || rsp.id != slot || rsp.status <= 0 ||
	    rsp.offset + (unsigned)rsp.status > PAGE_SIZE) {
		n->stats.rx_errors++;
		return;
	}
	n->stats.rx_packets++;
	n->stats.rx_bytes += (unsigned)rsp.status;
	fn(arg, n->rx_pages[slot] + rsp.offset, (unsigned)rsp.status, rsp.flags);
}

long net_rx(struct netfront *n, unsigned max, net_rx_fn fn, void *arg)
{
	RING_IDX prod = n->rx.sring->rsp_prod;
	long taken = 0;

	if (prod - n->rx.rsp_cons > RING_SIZE(&n->rx))
		return -XEN_EIO; /* the backend's index is beyond the ring */
	xen_rmb(); /* the responses after the index that says they are there */
	for (; n->rx.rsp_cons != prod && (unsigned long)taken < max; n->rx.rsp_cons++, taken++) {
		take_rx(n, n->rx.rsp_cons, fn, arg);
		repost(n, n->rx.rsp_cons);
	}
	return taken;
}

/* Frees the slot a transmit response names. */
static void take_tx(struct netfront *n, const netif_tx_response_t *rsp)
{
	if (rsp->status == NETIF_RSP_NULL)
		return;
	if (rsp->id >= NET_TX_SLOTS || !n->tx_busy[rsp->id]) {
		n->stats.tx_errors++;
		return;
	}
	if (!gnttab_revoke(n->tx_refs[rsp->id]))
		n->stats.grants_kept++;
	n->tx_busy[rsp->id] = false;
	n->tx_stack[n->tx_free++] = rsp->id;
	if (rsp->status == NETIF_RSP_OKAY)
		n->stats.tx_packets++;
	else
		n->stats.tx_errors++;
}

long net_tx_reap(struct netfront *n)
{
	RING_IDX prod = n->tx.sring->rsp_prod;
	long taken = 0;

	if (prod - n->tx.rsp_cons > RING_SIZE(&n->tx))
		return -XEN_EIO;
	xen_rmb();
	for (; n->tx.rsp_cons != prod; n->tx.rsp_cons++, taken++) {
		netif_tx_response_t rsp = *RING_GET_RESPONSE(&n->tx, n->tx.rsp_cons);

		take_tx(n, &rsp);
	}
	return taken;
}

struct wait_for {
	struct netfront *n;
	bool rx;
};

static bool has_work(void *arg)
{
	const struct wait_for *w = arg;
	int tx, rx = 0;

	RING_FINAL_CHECK_FOR_RESPONSES(&w->n->tx, tx);
	if (w->rx)
		RING_FINAL_CHECK_FOR_RESPONSES(&w->n->rx, rx);
	return tx || rx;
}

bool net_wait(struct netfront *n, bool rx, uint64_t deadline)
{
	struct wait_for w = { n, rx };

	return evtchn_wait(n->port, has_work, &w, deadline);
}
