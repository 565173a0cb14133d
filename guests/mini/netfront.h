/*
 * Network frontend (xen/io/netif.h): one virtual interface
 * (device/vif/<id>) with a transmit and a receive ring, one event channel
 * for both, receive by copy (request-rx-copy) and single-slot packets (no
 * feature-sg, no GSO, no checksum offload in either direction: mini
 * writes feature-no-csum-offload and sends complete checksums).
 *
 * Receive: every slot of the rx ring always holds a request for a page of
 * ours; request i of the ring uses page i mod NET_RX_SLOTS, so the
 * response at index i is in that page (the backend answers requests in
 * order).  Each page's grant is made when its request is posted and
 * revoked when its response is taken.
 *
 * Transmit: NET_TX_SLOTS pages, each with its own grant reference, granted
 * read-only for the length of one request.  A caller takes a free slot's
 * page, writes a frame into it and queues it.
 *
 * Connecting and disconnecting need xenstore (xs.h); the ring calls work
 * in ring 0 and ring 3 and are meant for ring 3.  One caller at a time.
 */
#ifndef MINI_NETFRONT_H
#define MINI_NETFRONT_H

#include <stdbool.h>
#include <stdint.h>

#include "xen_ring.h"

#include "layout.h"
#include "xenbus.h"

#define NET_RX_SLOTS __CONST_RING_SIZE(netif_rx, PAGE_SIZE)
/* Fewer than the ring holds, so that both rings' pages fit one grant-table frame. */
#define NET_TX_SLOTS 128
#define NET_MAC_LEN 6

struct net_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t rx_errors;   /* error responses, multi-slot packets, bad offsets */
	uint64_t tx_packets, tx_bytes;
	uint64_t tx_errors;   /* responses not NETIF_RSP_OKAY, or for no request */
	uint64_t grants_kept; /* grants the backend still held after responding */
};

struct netfront {
	struct xenbus_dev xb;
	uint8_t mac[NET_MAC_LEN];
	evtchn_port_t port;
	grant_ref_t tx_ring_ref, rx_ring_ref;
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	bool rx_skip;                    /* the previous slot said more_data or extra_info */
	unsigned tx_free;                /* free transmit slots: tx_stack[0, tx_free) */
	uint16_t tx_stack[NET_TX_SLOTS];
	bool tx_busy[NET_TX_SLOTS];
	grant_ref_t tx_refs[NET_TX_SLOTS];
	grant_ref_t rx_refs[NET_RX_SLOTS];
	struct net_stats stats;
	uint8_t tx_ring_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
	uint8_t rx_ring_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
	uint8_t tx_pages[NET_TX_SLOTS][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
	uint8_t rx_pages[NET_RX_SLOTS][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
};

/*
 * Finds the first device under device/vif (or returns -XEN_ENOENT), reads
 * its MAC address, and connects: rings, grants, every receive buffer
 * posted, event channel, the frontend's keys in one transaction, state
 * Connected, then waits for the backend to be Connected.  The port is
 * masked: waiting (net_wait) polls it.  There is one frontend; *out points
 * at it.  Returns 0 or a negative Xen errno, with a message saying which
 * step failed (none for -XEN_ENOENT).
 */
long net_connect(struct netfront **out);

/*
 * Closes the connection (states Closing and Closed, each after the backend
 * followed), then the channel, and revokes every grant; grants the backend
 * still holds are counted in stats.grants_kept.  Call with no transmit
 * request in flight.  Returns 0 or a negative Xen errno (with a message).
 */
long net_disconnect(struct netfront *n);

/*
 * A free transmit slot's page, to write a frame into (at offset 0), or
 * NULL if every slot is in flight.  *slot says which.
 */
uint8_t *net_tx_buffer(struct netfront *n, unsigned *slot);

/*
 * Queues the frame of len bytes (at most PAGE_SIZE) in slot's page, which
 * net_tx_buffer handed out.  The backend sees it after net_push.
 */
void net_tx_queue(struct netfront *n, unsigned slot, unsigned len);

/*
 * Publishes queued transmit requests and reposted receive buffers, and
 * notifies the backend (once) if either ring asked for it.
 */
void net_push(struct netfront *n);

/* Called for each packet received: its frame, its length and NETRXF_* flags. */
typedef void (*net_rx_fn)(void *arg, const uint8_t *frame, unsigned len, unsigned flags);

/*
 * Takes up to max receive responses, calls fn for each good packet and
 * reposts its buffer (published by net_push).  Returns the number of
 * responses taken, or -XEN_EIO if the backend's producer index is beyond
 * the ring.
 */
long net_rx(struct netfront *n, unsigned max, net_rx_fn fn, void *arg);

/*
 * Takes the transmit responses that have arrived and frees their slots.
 * Returns their number, or -XEN_EIO as net_rx.
 */
long net_tx_reap(struct netfront *n);

/*
 * Waits until transmit responses, or (if rx) receive responses, have
 * arrived, or system time passes deadline (0: no deadline).  Arms the
 * rings' response events first, so the backend notifies.  Returns false
 * on timeout.
 */
bool net_wait(struct netfront *n, bool rx, uint64_t deadline);

#endif
