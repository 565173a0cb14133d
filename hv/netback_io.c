/*
 * The network backend's data side (see netback.h): one worker thread per
 * connected vif, which serves both rings and the tap.
 *
 * The event-channel callback (backend.c's) only writes the vif's eventfd,
 * so a vCPU never waits for the network.  The worker sleeps in poll() on that
 * eventfd and, when the guest has posted receive buffers, on the tap; when
 * it has posted none, the tap is left alone and its queue holds the frames
 * (the kernel's, as for any slow reader) until buffers come.
 *
 * Copies: a transmitted frame is copied once, by grant copies from the
 * guest's pages into the frame buffer, then written to the tap with its
 * virtio_net_hdr in one writev (the kernel's copy).  A received frame is
 * read from the tap into the frame buffer (the kernel's copy) and copied
 * once, by grant copies, into the guest's buffers.
 */
#include <errno.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "domain.h"
#include "log.h"
#include "netback.h"
#include "tap.h"

_Static_assert(sizeof(struct virtio_net_hdr) == HV_TAP_VNET_HDR, "the tap's header");

/* Packets or frames one turn of the worker handles before looking at the other ring. */
#define BUDGET 64

#define PAGE 4096u

/* A bad request from the guest: logged once per connection. */
static void bad(struct hv_netback *b, const char *what, unsigned value)
{
	if (!atomic_exchange(&b->warned, true))
		log_warnx("vif %u: %s (%u); further bad requests are answered without a message",
			  b->bk.devid, what, value);
}

/* The frame's bytes out of its granted pages.  0 or -errno, logged. */
static int copy_frame(struct hv_netback *b, const struct hv_netif_tx_frame *f)
{
	size_t pos = 0;

	for (unsigned i = 0; i < f->nr_segs; i++) {
		const struct hv_netif_seg *s = &f->seg[i];
		int err = hv_gnttab_copy_from(b->bk.d, s->gref, s->offset, b->buf + pos, s->len);

		if (err) {
			bad(b, "a transmit request names a page not granted to dom0", s->gref);
			return err;
		}
		pos += s->len;
	}
	return 0;
}

int16_t hv__netback_transmit(struct hv_netback *b, const struct hv_netif_tx_pkt *pkt)
{
	struct virtio_net_hdr h = { 0 };
	struct hv_netif_tx_frame f;
	struct iovec iov[2] = { { &h, sizeof(h) }, { b->buf, 0 } };

	if (hv_netif_tx_check(pkt, &f) != NETIF_RSP_OKAY) {
		bad(b, "malformed transmit request", pkt->slot[0].id);
		atomic_fetch_add(&b->stats.tx_errors, 1);
		return NETIF_RSP_ERROR;
	}
	if (copy_frame(b, &f)) {
		atomic_fetch_add(&b->stats.tx_errors, 1);
		return NETIF_RSP_ERROR;
	}
	if (f.flags & NETTXF_csum_blank) {
		if (hv_netif_csum_offsets(b->buf, f.len, &h.csum_start, &h.csum_offset)) {
			bad(b, "NETTXF_csum_blank on a frame that is not IPv4 TCP or UDP",
			    pkt->slot[0].id);
			atomic_fetch_add(&b->stats.tx_errors, 1);
			return NETIF_RSP_ERROR;
		}
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	} else if (f.flags & NETTXF_data_validated) {
		h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	}
	iov[1].iov_len = f.len;
	/* A frame the host does not take is lost as on a wire: the guest did nothing wrong. */
	if (writev(b->tap_fd, iov, 2) != (ssize_t)(sizeof(h) + f.len)) {
		log_debug("vif %u: tap %s: a frame is dropped: %s", b->bk.devid, b->ifname,
			  strerror(errno));
		atomic_fetch_add(&b->stats.tx_dropped, 1);
		return NETIF_RSP_OKAY;
	}
	atomic_fetch_add(&b->stats.tx_packets, 1);
	return NETIF_RSP_OKAY;
}

unsigned hv__netback_rx_need(const struct hv_netback *b)
{
	unsigned max = b->mtu + HV_NETIF_ETH_HLEN + 4; /* and an 802.1Q tag */

	return b->feat.rx_sg ? (max + PAGE - 1) / PAGE : 1;
}

static bool is_ipv6(const uint8_t *frame, size_t len)
{
	size_t type = len >= 18 && frame[12] == 0x81 && frame[13] == 0 ? 16 : 12;

	return len >= type + 2 && frame[type] == 0x86 && frame[type + 1] == 0xdd;
}

/* The NETRXF_ checksum flags for a frame; completes its checksum if needed (else -EINVAL). */
static int rx_csum(struct hv_netback *b, const struct virtio_net_hdr *h, uint8_t *frame,
		   size_t len, uint16_t *flags)
{
	*flags = 0;
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (b->feat.rx_csum_blank && (b->feat.rx_ipv6_blank || !is_ipv6(frame, len))) {
			*flags = NETRXF_csum_blank | NETRXF_data_validated;
			return 0;
		}
		if (hv_netif_csum_complete(frame, len, h->csum_start, h->csum_offset))
			return -EINVAL;
		*flags = NETRXF_data_validated;
	} else if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		*flags = NETRXF_data_validated;
	}
	return 0;
}

unsigned hv__netback_deliver(struct hv_netback *b, const void *hdr, uint8_t *frame, size_t len,
			     unsigned nr)
{
	unsigned slots = (unsigned)((len + PAGE - 1) / PAGE);
	uint16_t flags;
	size_t pos = 0;

	if (!len || slots > nr || (slots > 1 && !b->feat.rx_sg) ||
	    rx_csum(b, hdr, frame, len, &flags)) {
		log_debug("vif %u: a received frame of %zu bytes is dropped", b->bk.devid, len);
		atomic_fetch_add(&b->stats.rx_dropped, 1);
		return 0;
	}
	for (unsigned i = 0; i < slots; i++, flags = 0) {
		size_t chunk = len - pos > PAGE ? PAGE : len - pos;
		netif_rx_request_t req;
		int err;

		hv_netif_rx_take(&b->ring, &req);
		err = hv_gnttab_copy_to(b->bk.d, req.gref, 0, frame + pos, chunk);
		if (err)
			bad(b, "a receive buffer is not a page granted to dom0 for writing",
			    req.gref);
		if (i + 1 < slots)
			flags |= NETRXF_more_data;
		hv_netif_rx_respond(&b->ring, req.id, flags,
				    err ? NETIF_RSP_ERROR : (int16_t)chunk);
		pos += chunk;
	}
	atomic_fetch_add(&b->stats.rx_packets, 1);
	return slots;
}

/* Transmits up to BUDGET packets.  Returns how many, or -EIO (broken ring). */
static int do_tx(struct hv_netback *b)
{
	int n = 0, got = 0;

	while (n < BUDGET && (got = hv_netif_tx_next(&b->ring, b->pkt)) > 0) {
		hv_netif_tx_respond(&b->ring, b->pkt, hv__netback_transmit(b, b->pkt));
		n++;
	}
	if (hv_netif_tx_push(&b->ring))
		hv_evtchn_notify(b->bk.d, b->tx_port);
	return got < 0 ? -EIO : n;
}

/*
 * Delivers up to BUDGET frames from the tap.  Returns how many, or -EIO;
 * *wait_tap says whether the tap is worth waiting for (buffers are posted
 * and it is empty).
 */
static int do_rx(struct hv_netback *b, bool *wait_tap)
{
	unsigned need = hv__netback_rx_need(b);
	struct virtio_net_hdr h;
	struct iovec iov[2] = { { &h, sizeof(h) }, { b->buf, HV_NETBACK_BUF } };
	int n = 0, avail = 0;
	ssize_t got;

	*wait_tap = false;
	while (n < BUDGET && (avail = hv_netif_rx_available(&b->ring, need)) >= (int)need) {
		got = readv(b->tap_fd, iov, 2);
		if (got < 0) {
			*wait_tap = errno == EAGAIN || errno == EINTR;
			if (!*wait_tap)
				log_warn("vif %u: reading tap %s", b->bk.devid, b->ifname);
			break;
		}
		if (got > (ssize_t)sizeof(h))
			hv__netback_deliver(b, &h, b->buf, (size_t)got - sizeof(h), (unsigned)avail);
		n++;
	}
	if (hv_netif_rx_push(&b->ring))
		hv_evtchn_notify(b->bk.d, b->rx_port);
	return avail < 0 ? -EIO : n;
}

/* An existing tap that was busy: tries to take it.  True once it is attached. */
static bool attach_tap(struct hv_netback *b)
{
	int fd = hv_tap_attach(b->ifname, b->vif.mtu);

	if (fd < 0)
		return false;
	b->tap_fd = fd;
	hv__netback_offload(b);
	log_info("vif %u: attached to tap %s", b->bk.devid, b->ifname);
	return true;
}

void hv__netback_work(struct hv_backend *k)
{
	struct hv_netback *b = hv__netback_of(k);

	while (!atomic_load(&k->stop)) {
		bool wait_tap = false;
		int tx, rx = 0;

		if (b->tap_fd < 0 && !attach_tap(b)) {
			hv_backend_wait(k, -1, 100);
			continue;
		}
		tx = do_tx(b);
		if (tx >= 0)
			rx = do_rx(b, &wait_tap);
		if (tx < 0 || rx < 0) {
			log_warnx("vif %u: the guest's %s ring indices are impossible; the vif is "
				  "stopped", k->devid, tx < 0 ? "transmit" : "receive");
			hv_backend_set_state(k, XenbusStateClosing);
			break;
		}
		if (!tx && !rx)
			hv_backend_wait(k, wait_tap ? b->tap_fd : -1, -1);
	}
}

void hv__netback_offload(struct hv_netback *b)
{
	int err = b->tap_fd >= 0 ? hv_tap_set_offload(b->tap_fd, b->feat.rx_csum_blank) : 0;

	if (err)
		log_warnx("vif %u: tap %s: cannot set its offloads: %s", b->bk.devid, b->ifname,
			  strerror(-err));
}
