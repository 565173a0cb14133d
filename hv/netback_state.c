/*
 * The network backend's sub-record (docs/stream-format.md), and what its
 * pause (backend.c's) means for it.
 *
 * Pausing stops every vif's worker between packets, after it has answered
 * and published what it took: no packet is ever in flight in a saved
 * state.  A transmit chain the guest has only partly published is still
 * on the ring (guest memory), where the restored worker finds it; frames
 * waiting in the tap are the host's and stay with the source's tap.
 *
 * The record has, per vif of the configuration, what checks that the
 * restored domain has the same vif (devid, MTU) and the MAC address the
 * guest knows (a random one is taken over), the backend's xenbus state,
 * and for a connected vif what the backend holds: the two mapped ring
 * pages, the event channels, what the frontend said it takes and the
 * private indices.  The frontend's side of the negotiation is in
 * xenstore's record; the restored vif runs on the new tern-hv's tap.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device_state.h"
#include "domain.h"
#include "log.h"
#include "netback.h"

#define F_CSUM 1u /* struct hv_netback_fe, as bits */
#define F_IPV6 2u
#define F_SG 4u

struct wire_vif {
	uint32_t devid;
	uint32_t state;        /* the backend's XenbusState */
	uint8_t mac[6];
	uint8_t connected;     /* below: zero unless connected */
	uint8_t features;      /* F_* */
	uint32_t mtu;
	uint32_t tx_ref, rx_ref;
	uint32_t tx_port;
	uint64_t tx_gpa, rx_gpa;
	uint32_t rx_port;
	uint32_t tx_req_cons, tx_rsp_prod_pvt; /* equal: nothing is in flight */
	uint32_t rx_req_cons, rx_rsp_prod_pvt; /* equal too */
	uint32_t pad;
};
_Static_assert(sizeof(struct wire_vif) == 72, "netback state vif");
/* An entry (backend.h's record) is a wire_vif. */

/* The vif's entry (record save). */
static int save_vif(struct hv_backend *k, struct hv_state_buf *out)
{
	struct hv_netback *b = hv__netback_of(k);
	struct wire_vif w = { .devid = k->devid, .state = (uint32_t)atomic_load(&k->state),
			      .mtu = b->mtu };

	memcpy(w.mac, b->vif.mac, sizeof(w.mac));
	if (k->connected) {
		w.connected = 1;
		w.features = (b->feat.rx_csum_blank ? F_CSUM : 0) |
			     (b->feat.rx_ipv6_blank ? F_IPV6 : 0) | (b->feat.rx_sg ? F_SG : 0);
		w.tx_ref = b->tx_map.ref;
		w.rx_ref = b->rx_map.ref;
		w.tx_gpa = b->tx_map.gpa;
		w.rx_gpa = b->rx_map.gpa;
		w.tx_port = b->tx_port;
		w.rx_port = b->rx_port;
		w.tx_req_cons = b->ring.tx_req_cons;
		w.tx_rsp_prod_pvt = b->ring.tx_rsp_prod_pvt;
		w.rx_req_cons = b->ring.rx_req_cons;
		w.rx_rsp_prod_pvt = b->ring.rx_rsp_prod_pvt;
	}
	return hv_state_put(out, &w, sizeof(w));
}

/*
 * Checks one vif's record against b, the configuration's vif: 1 (it was
 * connected), 0 or -EINVAL.
 */
static int check_vif(const struct hv_netback *b, const struct wire_vif *w)
{
	struct wire_vif idle = { .devid = w->devid, .state = w->state, .mtu = w->mtu };

	memcpy(idle.mac, w->mac, sizeof(idle.mac));
	if (w->devid != b->bk.devid || w->mtu != b->mtu ||
	    (b->vif.mac_given && memcmp(w->mac, b->vif.mac, sizeof(w->mac)))) {
		log_warnx("vif %u: the saved domain had another vif here (%u, MTU %u)", b->bk.devid,
			  w->devid, w->mtu);
		return -EINVAL;
	}
	if (w->state > XenbusStateReconfigured || w->connected > 1 || w->pad || (w->mac[0] & 1))
		return -EINVAL;
	if (!w->connected)
		return memcmp(w, &idle, sizeof(idle)) ? -EINVAL : 0;
	if (w->features > (F_CSUM | F_IPV6 | F_SG) || w->tx_req_cons != w->tx_rsp_prod_pvt ||
	    w->rx_req_cons != w->rx_rsp_prod_pvt || !w->tx_port || !w->rx_port)
		return -EINVAL;
	return 1;
}

/* Reads the vif's entry and checks it (record read). */
static int read_vif(struct hv_backend *k, struct hv_state_in *in, void *w)
{
	if (hv_state_get(in, w, sizeof(struct wire_vif)))
		return -EINVAL;
	return check_vif(hv__netback_of(k), w);
}

/* Takes back the ring pages and the ports that b held (record reconnect). */
static int reconnect(struct hv_backend *k, const void *entry)
{
	struct hv_netback *b = hv__netback_of(k);
	const struct wire_vif *w = entry;
	struct hv_domain *d = k->d;
	int err = hv_gnttab_adopt(d, w->tx_ref, true, w->tx_gpa, &b->tx_map);

	if (!err && (err = hv_gnttab_adopt(d, w->rx_ref, true, w->rx_gpa, &b->rx_map)))
		hv_gnttab_unmap(d, &b->tx_map);
	if (err) {
		log_warnx("vif %u: its rings (refs %u and %u) cannot be mapped again", b->bk.devid,
			  w->tx_ref, w->rx_ref);
		return err;
	}
	err = hv_evtchn_restore_backend(d, w->tx_port, k->owner, hv_backend_kick, k);
	if (!err && w->rx_port != w->tx_port &&
	    (err = hv_evtchn_restore_backend(d, w->rx_port, b->owner_rx, hv_backend_kick, k)))
		hv_evtchn_unbind_backend(d, w->tx_port);
	if (err) {
		hv_gnttab_unmap(d, &b->rx_map);
		hv_gnttab_unmap(d, &b->tx_map);
		return err;
	}
	hv_netif_ring_init(&b->ring, b->tx_map.host, b->rx_map.host);
	b->ring.tx_req_cons = b->ring.tx_rsp_prod_pvt = b->ring.tx_rsp_pub = w->tx_req_cons;
	b->ring.rx_req_cons = b->ring.rx_rsp_prod_pvt = b->ring.rx_rsp_pub = w->rx_req_cons;
	b->tx_port = w->tx_port;
	b->rx_port = w->rx_port;
	b->feat = (struct hv_netback_fe){ .rx_csum_blank = w->features & F_CSUM,
					  .rx_ipv6_blank = w->features & F_IPV6,
					  .rx_sg = w->features & F_SG };
	hv__netback_offload(b);
	k->connected = true;
	return 0;
}

/* The nodes (state, mac) came back with xenstore's record (record adopt). */
static void adopt(struct hv_backend *k, const void *entry)
{
	const struct wire_vif *w = entry;

	atomic_store(&k->state, (int)w->state);
	memcpy(hv__netback_of(k)->vif.mac, w->mac, sizeof(w->mac));
}

const struct hv_backend_record hv__netback_record = {
	.size = sizeof(struct wire_vif), .save = save_vif, .read = read_vif,
	.reconnect = reconnect, .adopt = adopt,
};
