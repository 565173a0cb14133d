/*
 * A network frontend for tests on a fake domain with a vif: it lays out a
 * grant table, the two rings, transmit pages and receive buffers in guest
 * memory, connects to the backend through xenstore as netfront does, sends
 * frames (split in page-sized slots) and takes received ones.  Its indices
 * are the guest's: they go on across a save and a restore.
 */
#ifndef TESTS_FAKE_NETFRONT_H
#define TESTS_FAKE_NETFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/event_channel.h>
#include <xen/io/netif.h>

struct hv_domain;
struct fake_domain;

#define FAKE_NET_TABLE_GFN 0x20ULL /* grant frame 0 */
#define FAKE_NET_TX_RING_GFN 0x21ULL
#define FAKE_NET_RX_RING_GFN 0x22ULL
#define FAKE_NET_TX_GFN 0x30ULL    /* FAKE_NET_TX_PAGES pages */
#define FAKE_NET_RX_GFN 0x80ULL    /* FAKE_NET_RX_PAGES pages */
#define FAKE_NET_TX_RING_REF 1
#define FAKE_NET_RX_RING_REF 2
#define FAKE_NET_TX_REF 16         /* + page */
#define FAKE_NET_RX_REF 128        /* + buffer id */
#define FAKE_NET_TX_PAGES 32
#define FAKE_NET_RX_PAGES 64

struct fake_netfront {
	unsigned devid;
	evtchn_port_t port;
	RING_IDX tx_prod, tx_cons, rx_prod, rx_cons;
	unsigned tx_page; /* the next transmit page to fill */
};

/* Restarts f's network device with the one vif of spec.  0 or -errno. */
int fake_netfront_set_vif(struct fake_domain *f, const char *spec);

/*
 * Connects to vif devid of d (whose shared_info is placed): grants, port,
 * rings, the nodes netfront writes (request-rx-copy, feature-rx-notify,
 * feature-sg) and those in extra ("name=value" strings, NULL-terminated,
 * or NULL), Connected; waits up to 5 s for the backend to say Connected.
 * Returns 0 or -errno.
 */
int fake_netfront_connect(struct hv_domain *d, struct fake_netfront *fe, unsigned devid,
			  const char *const *extra);

/* Posts n receive buffers (n <= FAKE_NET_RX_PAGES) and notifies. */
void fake_netfront_post_rx(struct hv_domain *d, struct fake_netfront *fe, unsigned n);

/*
 * Puts one request slot on the transmit ring, unpublished.  Returns the
 * slot's index.
 */
RING_IDX fake_netfront_put_tx(struct hv_domain *d, struct fake_netfront *fe,
			      const netif_tx_request_t *req);

/* Publishes the slots put and notifies if asked. */
void fake_netfront_push_tx(struct hv_domain *d, struct fake_netfront *fe, bool notify);

/*
 * Sends frame (len bytes) in slots of at most a page, starting at offset
 * off in the first page, with flags (NETTXF_csum_blank, ...) on the first
 * slot; id is the first slot's, the others' follow.  Returns the slots used.
 */
unsigned fake_netfront_send(struct hv_domain *d, struct fake_netfront *fe, const void *frame,
			    size_t len, uint16_t off, uint16_t flags, uint16_t id);

/* Takes the next transmit response, waiting up to 5 s.  0 or -ETIMEDOUT. */
int fake_netfront_tx_response(struct hv_domain *d, struct fake_netfront *fe,
			      netif_tx_response_t *rsp);

/*
 * Takes the next received frame (its slots until one without
 * NETRXF_more_data) into buf (size bytes), waiting up to 5 s: its length,
 * and the first slot's flags.  Returns 0, -ETIMEDOUT, or -EIO if a slot
 * has an error status.
 */
int fake_netfront_recv(struct hv_domain *d, struct fake_netfront *fe, uint8_t *buf,
		       size_t size, size_t *len, uint16_t *flags);

/*
 * Moves the calling process (before it starts threads) into a network
 * namespace of its own with a bridge "tbr0" (up) and a tap "ttap0" made
 * as an operator would.  Returns 0, 77 (no privilege: skip) or 1 (CI=true
 * without the privilege, or the set-up failed), as a test's exit status.
 */
int fake_netfront_namespace(void);

/*
 * The host's side of tap ifname: a packet socket bound to it with
 * PACKET_VNET_HDR (every frame preceded by a struct virtio_net_hdr) and a
 * 5 s receive timeout.  Returns the socket or -errno.
 */
int fake_netfront_host_socket(const char *ifname);

#endif
