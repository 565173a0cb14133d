/*
 * The network backend's side of one netif connection's two rings
 * (xen/io/netif.h): taking transmit packets (chains of request slots) and
 * receive buffers from the shared pages, checking every field, and putting
 * responses back.
 *
 * The pages are shared with a guest that may change them at any time:
 * every slot is copied out once before anything in it is looked at, and
 * the producer indices are checked against the rings' size, so that a
 * hostile frontend gets errors or a broken ring, never a loop or an
 * overrun.
 */
#ifndef HV_NETBACK_RING_H
#define HV_NETBACK_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/netif.h>

/* Slots in either ring (one page each). */
#define HV_NETIF_RING_SIZE 256u

/*
 * The most data slots one transmitted packet may take: what every backend
 * must accept (XEN_NETIF_NR_SLOTS_MIN), enough for a 64 KiB frame in
 * page-sized pieces.
 */
#define HV_NETIF_MAX_TX_SLOTS XEN_NETIF_NR_SLOTS_MIN

/* Bytes of an Ethernet header; no frame is shorter. */
#define HV_NETIF_ETH_HLEN 14u

/* The backend's private indices into the two mapped ring pages. */
struct hv_netif_ring {
	void *tx, *rx;
	RING_IDX tx_req_cons, tx_rsp_prod_pvt, tx_rsp_pub; /* pub: as last pushed */
	RING_IDX rx_req_cons, rx_rsp_prod_pvt, rx_rsp_pub;
};

/*
 * One transmitted packet as taken off the ring: every slot it took, in
 * order (data requests and extra-info slots), each copied out once.  A
 * packet whose chain is longer than the limits is still taken whole
 * (up to a ring's worth) so that every slot gets its answer.
 */
struct hv_netif_tx_pkt {
	unsigned nr_slots;
	bool complete;                               /* the chain ended (else: a full ring) */
	bool extra[HV_NETIF_RING_SIZE];              /* slot i is an extra-info slot */
	netif_tx_request_t slot[HV_NETIF_RING_SIZE]; /* extras: netif_extra_info_t bytes */
};

/* A checked packet: its frame's length and flags, and where its bytes are. */
struct hv_netif_seg {
	grant_ref_t gref;
	uint16_t offset, len;
};

struct hv_netif_tx_frame {
	size_t len;
	uint16_t flags; /* NETTXF_* of the first request */
	unsigned nr_segs;
	struct hv_netif_seg seg[HV_NETIF_MAX_TX_SLOTS];
};

/* Starts r on freshly connected pages: nothing consumed, nothing answered. */
void hv_netif_ring_init(struct hv_netif_ring *r, void *tx, void *rx);

/*
 * Takes the next whole packet off the transmit ring into pkt.  Returns 1;
 * 0 when there is none or only part of one (and then asks the frontend to
 * notify when more comes, checking once more afterwards); or -EIO when the
 * indices are impossible (more unanswered requests than the ring holds):
 * the ring is broken and must not be used again.
 */
int hv_netif_tx_next(struct hv_netif_ring *r, struct hv_netif_tx_pkt *pkt);

/*
 * Checks pkt: sizes and offsets of its data slots (the first slot's size is
 * the frame's, the others' are their own), the extra-info types (GSO is
 * refused: not offered; multicast and hash are accepted and ignored).
 * Returns NETIF_RSP_OKAY with the frame described in f, or NETIF_RSP_ERROR.
 */
int hv_netif_tx_check(const struct hv_netif_tx_pkt *pkt, struct hv_netif_tx_frame *f);

/*
 * Answers every slot of pkt (status for its data slots, NETIF_RSP_NULL for
 * its extra-info slots).  The responses are published by hv_netif_tx_push.
 */
void hv_netif_tx_respond(struct hv_netif_ring *r, const struct hv_netif_tx_pkt *pkt,
			 int16_t status);

/*
 * Publishes the responses put since the last push.  Returns true if the
 * frontend asked to be notified of one of them.
 */
bool hv_netif_tx_push(struct hv_netif_ring *r);
bool hv_netif_rx_push(struct hv_netif_ring *r);

/*
 * Receive buffers the frontend has posted and the backend has not taken,
 * at least want of them or fewer; when fewer than want, asks the frontend
 * to notify once it has posted want (checking once more afterwards).
 * Returns the count, or -EIO when the indices are impossible.
 */
int hv_netif_rx_available(struct hv_netif_ring *r, unsigned want);

/* Takes the next receive buffer (there must be one: hv_netif_rx_available). */
void hv_netif_rx_take(struct hv_netif_ring *r, netif_rx_request_t *req);

/* Puts the response for a receive buffer (published by hv_netif_rx_push). */
void hv_netif_rx_respond(struct hv_netif_ring *r, uint16_t id, uint16_t flags, int16_t status);

/*
 * Where the checksum of an IPv4 TCP or UDP frame (len bytes, an optional
 * 802.1Q tag) starts and where in it the checksum field is, for a frame
 * sent with NETTXF_csum_blank.  Returns 0, or -EINVAL for any other frame
 * (IPv6, fragments, other protocols, truncated headers).
 */
int hv_netif_csum_offsets(const uint8_t *frame, size_t len, uint16_t *start, uint16_t *offset);

/*
 * Completes a partial checksum in place: the ones' complement sum of
 * frame[start..len), whose field at start + offset holds the pseudo-header
 * sum, is folded into that field.  Returns 0, or -EINVAL if the field is
 * not inside the frame.
 */
int hv_netif_csum_complete(uint8_t *frame, size_t len, uint16_t start, uint16_t offset);

#endif
