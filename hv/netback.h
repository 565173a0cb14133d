/*
 * The network backend: one struct hv_netback per vif of the configuration
 * (d->vifs), joining the guest's netfront to a tap device on the host.
 *
 * netback.c is the device and the xenbus side: the taps, the xenstore
 * nodes, connecting and disconnecting the rings (on the xenstore thread);
 * the state machine, the worker thread and the list of vifs are
 * backend.c's.  netback_io.c is the data side: the worker's body, which
 * moves frames between the rings and the tap.  netback_ring.c reads and
 * writes the shared rings; netback_state.c is the device-state record.
 * This header is what they share, and what tests use to look inside.
 */
#ifndef HV_NETBACK_H
#define HV_NETBACK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/event_channel.h>
#include <xen/io/xenbus.h>

#include "backend.h"
#include "device.h"
#include "evtchn.h"
#include "gnttab.h"
#include "netback_ring.h"
#include "vif.h"

struct hv_domain;

/*
 * The device, registered with HV_BACKEND_DEVICE: one instance serves every
 * vif of the domain's configuration.  A test that refers to it gets it
 * linked in, and may restart it (exit, then init) after changing
 * cfg->vifs.
 */
extern const struct hv_device hv_netback_device;

/* The MTU when the spec gives none. */
#define HV_NETBACK_DEFAULT_MTU 1500u

/* Bytes of the frame buffer: a virtio_net_hdr and the largest frame. */
#define HV_NETBACK_BUF (16u + 65536u)

/* What the frontend said it can take, read when it connects. */
struct hv_netback_fe {
	bool rx_csum_blank; /* no feature-no-csum-offload: partial IPv4 checksums */
	bool rx_ipv6_blank; /* feature-ipv6-csum-offload */
	bool rx_sg;         /* feature-sg: a received frame may take several buffers */
};

/* Counters, for tests and the log; only the worker writes them. */
struct hv_netback_stats {
	atomic_uint_fast64_t tx_packets, tx_errors, tx_dropped;
	atomic_uint_fast64_t rx_packets, rx_dropped;
};

struct hv_netback {
	struct hv_backend bk;       /* what d->vifs holds; bk.owner is the tx channel's */
	struct hv_vif vif;          /* its mac is filled in (given or random) */
	unsigned mtu;
	char ifname[HV_VIF_NAME_MAX]; /* the tap's name, as the kernel gave it */
	int tap_fd;                 /* -1 while an existing tap is busy: the worker retries */
	char owner_rx[HV_EVTCHN_OWNER_MAX];
	struct hv_netback_stats stats;
	atomic_bool warned;         /* a bad request was logged (once per connection) */

	/* The connection: set up before the worker starts, torn down after it ends. */
	struct hv_grant_map tx_map, rx_map;
	struct hv_netif_ring ring;
	evtchn_port_t tx_port, rx_port; /* equal for a single event channel */
	struct hv_netback_fe feat;
	uint8_t *buf;               /* HV_NETBACK_BUF bytes: one frame */
	struct hv_netif_tx_pkt *pkt; /* the transmit packet in hand */
};

_Static_assert(offsetof(struct hv_netback, bk) == 0, "backend.c allocates it");

/* The vif of one of d->vifs. */
static inline struct hv_netback *hv__netback_of(struct hv_backend *b)
{
	return (struct hv_netback *)((char *)b - offsetof(struct hv_netback, bk));
}

/*
 * The worker (ops work; b is a vif's bk): moves frames between the rings
 * and the tap until told to stop, which it sees between packets, so that
 * nothing is in flight afterwards.
 */
void hv__netback_work(struct hv_backend *b);

/*
 * Checks one transmit packet, copies its frame out of the guest's granted
 * pages and writes it to the tap (the worker's body for a packet; the
 * fuzzer calls it directly).  Returns the status for its data slots:
 * NETIF_RSP_OKAY (also when the host dropped the frame, as a wire would),
 * or NETIF_RSP_ERROR for a bad packet (logged once per connection).
 */
int16_t hv__netback_transmit(struct hv_netback *b, const struct hv_netif_tx_pkt *pkt);

/*
 * Puts a frame read from the tap (hdr: its virtio_net_hdr; frame: len
 * bytes, which may be changed: a checksum is completed in place when the
 * frontend cannot take a partial one) into the guest's posted receive
 * buffers, nr of which the caller has made sure are there.  Returns the
 * buffers used (0: the frame was dropped).
 */
unsigned hv__netback_deliver(struct hv_netback *b, const void *hdr, uint8_t *frame, size_t len,
			     unsigned nr);

/* Receive buffers a frame of the vif's MTU needs at most. */
unsigned hv__netback_rx_need(const struct hv_netback *b);

/*
 * Sets the tap's checksum offload for what the frontend can take (after a
 * connect or a restore).  Nothing while the tap is not attached.
 */
void hv__netback_offload(struct hv_netback *b);

/* The vifs' part of the device-state record (netback_state.c, docs/stream-format.md). */
extern const struct hv_backend_record hv__netback_record;

#endif
