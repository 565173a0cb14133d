/*
 * netif rings (see netback_ring.h).
 *
 * Each page starts with four indices (req_prod, req_event, rsp_prod,
 * rsp_event) and padding to 64 bytes; then come 256 slots, each a union of
 * a request and a response: 12 bytes on the transmit ring (a request, or
 * an extra-info slot that follows one), 8 on the receive ring.
 *
 * A transmitted packet is a chain: its first request carries the frame's
 * whole size and NETTXF_more_data if data slots follow, and
 * NETTXF_extra_info if extra-info slots follow it first (each saying with
 * XEN_NETIF_EXTRA_FLAG_MORE whether another comes); each following data
 * slot says with NETTXF_more_data whether the chain goes on.  Every slot
 * gets a response in its own position: the request's id and status for a
 * data slot, NETIF_RSP_NULL for an extra-info slot.
 */
#include "netback_ring.h"

#include <errno.h>
#include <string.h>

#define HEADER 64u
#define PAGE 4096u
#define TX_SLOT 12u
#define RX_SLOT 8u

_Static_assert(offsetof(struct netif_tx_sring, ring) == HEADER &&
		       offsetof(struct netif_rx_sring, ring) == HEADER,
	       "the ring header is 64 bytes");
_Static_assert(sizeof(union netif_tx_sring_entry) == TX_SLOT &&
		       sizeof(union netif_rx_sring_entry) == RX_SLOT,
	       "slot sizes");
_Static_assert(sizeof(netif_extra_info_t) <= TX_SLOT, "an extra-info slot fits a slot");
_Static_assert(HEADER + HV_NETIF_RING_SIZE * TX_SLOT <= PAGE &&
		       HEADER + 2 * HV_NETIF_RING_SIZE * TX_SLOT > PAGE,
	       "256 slots in a page (the size is a power of two)");

/* The shared indices, which the guest may change at any time. */
#define REQ_PROD offsetof(struct netif_tx_sring, req_prod)
#define REQ_EVENT offsetof(struct netif_tx_sring, req_event)
#define RSP_PROD offsetof(struct netif_tx_sring, rsp_prod)
#define RSP_EVENT offsetof(struct netif_tx_sring, rsp_event)

static RING_IDX *shared(void *page, size_t off)
{
	return (RING_IDX *)((uint8_t *)page + off);
}

static uint8_t *slot(void *page, size_t size, RING_IDX i)
{
	return (uint8_t *)page + HEADER + (i % HV_NETIF_RING_SIZE) * size;
}

void hv_netif_ring_init(struct hv_netif_ring *r, void *tx, void *rx)
{
	*r = (struct hv_netif_ring){ .tx = tx, .rx = rx };
}

/* Unconsumed requests, or -EIO if the producer is further than a ring ahead. */
static int unconsumed(void *page, RING_IDX cons)
{
	RING_IDX n = __atomic_load_n(shared(page, REQ_PROD), __ATOMIC_ACQUIRE) - cons;

	return n > HV_NETIF_RING_SIZE ? -EIO : (int)n;
}

/*
 * Copies the chain that starts at the consumer index into pkt, from the
 * avail published slots.  Returns 1, or 0 if the chain goes on past them
 * (unless they fill the ring: then they are the packet, incomplete).
 */
static int gather(struct hv_netif_ring *r, struct hv_netif_tx_pkt *pkt, unsigned avail)
{
	bool more = false, extra_next = false;
	unsigned i = 0;

	do {
		if (i == avail) {
			if (avail < HV_NETIF_RING_SIZE)
				return 0;
			break;
		}
		memcpy(&pkt->slot[i], slot(r->tx, TX_SLOT, r->tx_req_cons + i), TX_SLOT);
		pkt->extra[i] = extra_next;
		if (extra_next) {
			netif_extra_info_t e;

			memcpy(&e, &pkt->slot[i], sizeof(e));
			extra_next = e.flags & XEN_NETIF_EXTRA_FLAG_MORE;
		} else {
			extra_next = i == 0 && (pkt->slot[i].flags & NETTXF_extra_info);
			more = pkt->slot[i].flags & NETTXF_more_data;
		}
		i++;
	} while (more || extra_next);
	pkt->complete = !more && !extra_next;
	pkt->nr_slots = i;
	r->tx_req_cons += i;
	return 1;
}

int hv_netif_tx_next(struct hv_netif_ring *r, struct hv_netif_tx_pkt *pkt)
{
	int n = unconsumed(r->tx, r->tx_req_cons), again;

	if (n < 0)
		return -EIO;
	if (n && gather(r, pkt, (unsigned)n))
		return 1;
	/* Nothing whole yet: ask for a notification when the next slot comes. */
	__atomic_store_n(shared(r->tx, REQ_EVENT), r->tx_req_cons + (RING_IDX)n + 1,
			 __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	again = unconsumed(r->tx, r->tx_req_cons);
	if (again < 0)
		return -EIO;
	return again != n ? gather(r, pkt, (unsigned)again) : 0;
}

/* An extra-info slot: accepted (ignored) or not. */
static bool extra_ok(const netif_tx_request_t *s)
{
	netif_extra_info_t e;

	memcpy(&e, s, sizeof(e));
	return e.type == XEN_NETIF_EXTRA_TYPE_MCAST_ADD || e.type == XEN_NETIF_EXTRA_TYPE_MCAST_DEL ||
	       e.type == XEN_NETIF_EXTRA_TYPE_HASH;
}

int hv_netif_tx_check(const struct hv_netif_tx_pkt *pkt, struct hv_netif_tx_frame *f)
{
	size_t rest = 0;
	unsigned extras = 0;

	f->nr_segs = 0;
	if (!pkt->complete || !pkt->nr_slots)
		return NETIF_RSP_ERROR;
	f->len = pkt->slot[0].size;
	f->flags = pkt->slot[0].flags;
	for (unsigned i = 0; i < pkt->nr_slots; i++) {
		const netif_tx_request_t *s = &pkt->slot[i];

		if (pkt->extra[i]) {
			if (!extra_ok(s) || ++extras >= XEN_NETIF_EXTRA_TYPE_MAX)
				return NETIF_RSP_ERROR;
			continue;
		}
		if (f->nr_segs == HV_NETIF_MAX_TX_SLOTS)
			return NETIF_RSP_ERROR;
		f->seg[f->nr_segs++] = (struct hv_netif_seg){ s->gref, s->offset, s->size };
		rest += f->nr_segs > 1 ? s->size : 0;
	}
	if (f->len < HV_NETIF_ETH_HLEN || rest > f->len)
		return NETIF_RSP_ERROR;
	f->seg[0].len = (uint16_t)(f->len - rest);
	for (unsigned i = 0; i < f->nr_segs; i++)
		if ((size_t)f->seg[i].offset + f->seg[i].len > PAGE)
			return NETIF_RSP_ERROR;
	return NETIF_RSP_OKAY;
}

void hv_netif_tx_respond(struct hv_netif_ring *r, const struct hv_netif_tx_pkt *pkt,
			 int16_t status)
{
	for (unsigned i = 0; i < pkt->nr_slots; i++) {
		netif_tx_response_t rsp = { .id = pkt->extra[i] ? 0 : pkt->slot[i].id,
					    .status = pkt->extra[i] ? NETIF_RSP_NULL : status };

		memcpy(slot(r->tx, TX_SLOT, r->tx_rsp_prod_pvt++), &rsp, sizeof(rsp));
	}
}

/* RING_PUSH_RESPONSES_AND_CHECK_NOTIFY on one page. */
static bool push(void *page, RING_IDX *published, RING_IDX pvt)
{
	RING_IDX old = *published;

	if (old == pvt)
		return false;
	*published = pvt;
	__atomic_store_n(shared(page, RSP_PROD), pvt, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return (RING_IDX)(pvt - __atomic_load_n(shared(page, RSP_EVENT), __ATOMIC_ACQUIRE)) <
	       (RING_IDX)(pvt - old);
}

bool hv_netif_tx_push(struct hv_netif_ring *r)
{
	return push(r->tx, &r->tx_rsp_pub, r->tx_rsp_prod_pvt);
}

bool hv_netif_rx_push(struct hv_netif_ring *r)
{
	return push(r->rx, &r->rx_rsp_pub, r->rx_rsp_prod_pvt);
}

int hv_netif_rx_available(struct hv_netif_ring *r, unsigned want)
{
	int n = unconsumed(r->rx, r->rx_req_cons);

	if (n < 0 || (unsigned)n >= want)
		return n;
	__atomic_store_n(shared(r->rx, REQ_EVENT), r->rx_req_cons + want, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return unconsumed(r->rx, r->rx_req_cons);
}

void hv_netif_rx_take(struct hv_netif_ring *r, netif_rx_request_t *req)
{
	memcpy(req, slot(r->rx, RX_SLOT, r->rx_req_cons++), sizeof(*req));
}

void hv_netif_rx_respond(struct hv_netif_ring *r, uint16_t id, uint16_t flags, int16_t status)
{
	netif_rx_response_t rsp = { .id = id, .offset = 0, .flags = flags, .status = status };

	memcpy(slot(r->rx, RX_SLOT, r->rx_rsp_prod_pvt++), &rsp, sizeof(rsp));
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int hv_netif_csum_offsets(const uint8_t *frame, size_t len, uint16_t *start, uint16_t *offset)
{
	size_t ip = HV_NETIF_ETH_HLEN, l4;

	if (len >= ip + 4 && be16(frame + 12) == 0x8100) /* one 802.1Q tag */
		ip += 4;
	if (len < ip + 20 || be16(frame + ip - 2) != 0x0800 || frame[ip] >> 4 != 4 ||
	    (frame[ip] & 15) < 5 || (be16(frame + ip + 6) & 0x3fff)) /* no fragments */
		return -EINVAL;
	l4 = ip + (frame[ip] & 15u) * 4;
	if (frame[ip + 9] == 6 && len >= l4 + 20)
		*offset = 16;
	else if (frame[ip + 9] == 17 && len >= l4 + 8)
		*offset = 6;
	else
		return -EINVAL;
	*start = (uint16_t)l4;
	return 0;
}

int hv_netif_csum_complete(uint8_t *frame, size_t len, uint16_t start, uint16_t offset)
{
	uint32_t sum = 0;
	uint16_t folded;

	if ((size_t)start + offset + 2 > len)
		return -EINVAL;
	for (size_t i = start; i < len; i += 2)
		sum += (uint32_t)(frame[i] << 8 | (i + 1 < len ? frame[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	folded = (uint16_t)~sum;
	if (!folded)
		folded = 0xffff; /* 0 means "no checksum" to UDP; the same number to TCP */
	frame[start + offset] = (uint8_t)(folded >> 8);
	frame[start + offset + 1] = (uint8_t)folded;
	return 0;
}
