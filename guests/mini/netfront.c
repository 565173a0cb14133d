/*
 * Network frontend: the xenbus side (see netfront.h).  The handshake
 * follows xen/io/netif.h as Linux's netfront does it: wait for the backend
 * to reach InitWait, publish the rings, the event channel and the features
 * in one transaction, go Connected, wait for the backend to be Connected.
 */
#include "evtchn.h"
#include "gnttab.h"
#include "lib.h"
#include "netfront.h"
#include "xs.h"

#define MAC_TEXT_MAX 32

static struct netfront vif;

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parses "xx:xx:xx:xx:xx:xx" (hex digits, either case).  Returns false if it is not one. */
static bool parse_mac(const char *s, uint8_t mac[NET_MAC_LEN])
{
	for (unsigned i = 0; i < NET_MAC_LEN; i++, s += 3) {
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

		if (lo < 0 || s[2] != (i == NET_MAC_LEN - 1 ? '\0' : ':'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* The frontend's mac node (the toolstack writes it there and in the backend's directory). */
static long read_mac(struct netfront *n)
{
	char path[XENBUS_PATH_MAX], text[MAC_TEXT_MAX];
	long rc;

	fmt_snprintf(path, sizeof(path), "%s/mac", n->xb.front);
	rc = xs_read(XBT_NIL, path, text, sizeof(text));
	if (rc == -XEN_ENOENT) {
		fmt_snprintf(path, sizeof(path), "%s/mac", n->xb.back);
		rc = xs_read(XBT_NIL, path, text, sizeof(text));
	}
	if (rc >= 0 && !parse_mac(text, n->mac))
		rc = -XEN_EINVAL;
	return rc < 0 ? xenbus_fail(&n->xb, path, rc) : 0;
}

/* Posts the request at the rx ring's next index, for the page that index uses. */
static void post_rx(struct netfront *n)
{
	RING_IDX i = n->rx.req_prod_pvt++;
	unsigned slot = i % NET_RX_SLOTS;
	netif_rx_request_t *req = RING_GET_REQUEST(&n->rx, i);

	gnttab_grant(n->rx_refs[slot], n->xb.backend_id, (uintptr_t)n->rx_pages[slot] / PAGE_SIZE,
		     false);
	*req = (netif_rx_request_t){ .id = (uint16_t)slot, .gref = n->rx_refs[slot] };
}

/* Both ring pages, every buffer's reference, the rx buffers posted, the event channel. */
static long setup_rings(struct netfront *n)
{
	netif_tx_sring_t *txs = (netif_tx_sring_t *)n->tx_ring_page;
	netif_rx_sring_t *rxs = (netif_rx_sring_t *)n->rx_ring_page;
	grant_ref_t ref;
	long rc = gnttab_alloc(2 + NET_TX_SLOTS + NET_RX_SLOTS, &ref);

	if (rc)
		return xenbus_fail(&n->xb, "grant references", rc);
	memset(n->tx_ring_page, 0, PAGE_SIZE);
	memset(n->rx_ring_page, 0, PAGE_SIZE);
	SHARED_RING_INIT(txs);
	SHARED_RING_INIT(rxs);
	FRONT_RING_INIT(&n->tx, txs, PAGE_SIZE);
	FRONT_RING_INIT(&n->rx, rxs, PAGE_SIZE);
	n->tx_ring_ref = ref++;
	n->rx_ring_ref = ref++;
	gnttab_grant(n->tx_ring_ref, n->xb.backend_id, (uintptr_t)txs / PAGE_SIZE, false);
	gnttab_grant(n->rx_ring_ref, n->xb.backend_id, (uintptr_t)rxs / PAGE_SIZE, false);
	for (unsigned s = 0; s < NET_TX_SLOTS; s++) {
		n->tx_refs[s] = ref++;
		n->tx_stack[s] = (uint16_t)s;
	}
	n->tx_free = NET_TX_SLOTS;
	for (unsigned s = 0; s < NET_RX_SLOTS; s++)
		n->rx_refs[s] = ref++;
	while (n->rx.req_prod_pvt < NET_RX_SLOTS)
		post_rx(n);
	RING_PUSH_REQUESTS(&n->rx);
	rc = evtchn_alloc_unbound(n->xb.backend_id, &n->port);
	if (!rc && !evtchn_bind(n->port, 0, NULL, NULL))
		rc = -XEN_ENOSPC;
	if (rc)
		return xenbus_fail(&n->xb, "event channel", rc);
	evtchn_mask(n->port);
	return 0;
}

/* xenbus_publish callback: the rings, the channel and what this frontend can do. */
static long publish(void *arg, uint32_t tx)
{
	struct netfront *n = arg;
	const struct {
		const char *node;
		unsigned value;
	} keys[] = {
		{ "tx-ring-ref", n->tx_ring_ref },
		{ "rx-ring-ref", n->rx_ring_ref },
		{ "event-channel", n->port },
		{ "request-rx-copy", 1 },
		{ "feature-rx-notify", 1 },
		{ "feature-no-csum-offload", 1 },
	};
	long rc = 0;

	for (size_t i = 0; i < ARRAY_SIZE(keys) && !rc; i++)
		rc = xenbus_printf(&n->xb, tx, keys[i].node, "%u", keys[i].value);
	return rc;
}

static long find(struct netfront *n)
{
	return xenbus_find(&n->xb, "vif");
}

/* Waits for the backend's InitWait, then checks that it copies into our buffers. */
static long backend_ready(struct netfront *n)
{
	uint64_t copy;
	long rc = xenbus_wait_backend(&n->xb, XenbusStateInitWait);

	if (!rc)
		rc = xenbus_read_u64(&n->xb, n->xb.back, "feature-rx-copy", &copy, 0);
	if (!rc && !copy)
		rc = xenbus_fail(&n->xb, "feature-rx-copy (the backend does not offer it)",
				 -XEN_EOPNOTSUPP);
	return rc;
}

static long publish_all(struct netfront *n)
{
	return xenbus_publish(&n->xb, publish, n);
}

/* Goes Connected, waits for the backend to follow, then kicks it: rx buffers are posted. */
static long go_connected(struct netfront *n)
{
	long rc = xenbus_set_state(&n->xb, XenbusStateConnected);

	if (!rc)
		rc = xenbus_wait_backend(&n->xb, XenbusStateConnected);
	if (!rc)
		evtchn_send(n->port);
	return rc;
}

long net_connect(struct netfront **out)
{
	static long (*const steps[])(struct netfront *) = {
		find, read_mac, backend_ready, setup_rings, publish_all, go_connected,
	};
	struct netfront *n = &vif;
	long rc = 0;

	n->xb.name = "netfront";
	*out = n;
	for (size_t i = 0; i < ARRAY_SIZE(steps) && !rc; i++)
		rc = steps[i](n);
	return rc;
}

/* Revokes ref; a grant the backend still holds is counted. */
static void revoke(struct netfront *n, grant_ref_t ref)
{
	if (!gnttab_revoke(ref))
		n->stats.grants_kept++;
}

long net_disconnect(struct netfront *n)
{
	long rc = xenbus_close(&n->xb, n->port);

	if (rc)
		return rc;
	revoke(n, n->tx_ring_ref);
	revoke(n, n->rx_ring_ref);
	for (unsigned s = 0; s < NET_RX_SLOTS; s++)
		revoke(n, n->rx_refs[s]);
	return 0;
}
