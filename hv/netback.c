/*
 * The network backend device (see netback.h): the vifs of cfg->vifs, their
 * taps, their xenstore nodes and the xenbus state machine.
 *
 * For vif <devid> of domain <id> (devid: the spec's, else the vif's index):
 *
 *   /local/domain/<id>/device/vif/<devid>     the guest's ("n<id> r0"):
 *     backend, backend-id = 0, handle, mac, state; the frontend adds
 *     tx-ring-ref, rx-ring-ref, event-channel (or event-channel-tx and
 *     event-channel-rx), request-rx-copy, feature-rx-notify, feature-sg,
 *     feature-no-csum-offload, feature-ipv6-csum-offload
 *   /local/domain/0/backend/vif/<id>/<devid>  dom0's ("n0 r<id>"):
 *     frontend, frontend-id, online, handle, mac, type = vif, bridge,
 *     vifname (the tap), mtu, feature-rx-copy = 1, feature-rx-flip = 0,
 *     feature-sg = 1, feature-split-event-channels = 1, state
 *
 * Checksums: the tap carries a virtio_net_hdr, so a frame the guest sends
 * with NETTXF_csum_blank goes to the host with VIRTIO_NET_HDR_F_NEEDS_CSUM
 * (IPv4 TCP and UDP; feature-no-csum-offload is absent, and IPv6 offload is
 * not offered), and a partial checksum from the host reaches the guest as
 * NETRXF_csum_blank | NETRXF_data_validated when it said it takes them,
 * else completed here.  Not offered: GSO, multicast control, multiple
 * queues, the control ring, receive-side flipping.
 *
 * The state machine is blkback's (backend.c): InitWait with everything
 * written; Initialised or Connected from the frontend connects (refused
 * with Closing when a node is missing or malformed, or request-rx-copy or
 * feature-rx-notify is not 1); Closing is echoed; Closed disconnects and
 * says Closed; Initialising after Closed says InitWait again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "device_state.h"
#include "domain.h"
#include "log.h"
#include "netback.h"
#include "tap.h"

/* A frontend flag: 1 if the node says 1, 0 if absent or 0; -EINVAL else. */
static int fe_flag(struct hv_netback *b, const char *name)
{
	uint32_t v = 0;
	int err = hv_backend_fe_u32(&b->bk, name, &v);

	if (err == -ENOENT)
		return 0;
	return err || v > 1 ? -EINVAL : (int)v;
}

/* The vif's own nodes (ops nodes) in dir, the backend's or the frontend's. */
static int nodes(struct hv_backend *k, const char *dir)
{
	static const char *const features[][2] = {
		{ "type", "vif" }, { "feature-rx-copy", "1" }, { "feature-rx-flip", "0" },
		{ "feature-sg", "1" }, { "feature-split-event-channels", "1" },
	};
	struct hv_netback *b = hv__netback_of(k);
	char mac[18];
	int err;

	hv_vif_mac_string(b->vif.mac, mac);
	err = hv_backend_put(k, dir, "handle", "%u", k->devid);
	err = err ? err : hv_backend_put(k, dir, "mac", "%s", mac);
	if (dir == k->fe)
		return err;
	err = err ? err : hv_backend_put(k, dir, "vifname", "%s", b->ifname);
	err = err ? err : hv_backend_put(k, dir, "mtu", "%u", b->mtu);
	if (!err && b->vif.bridge[0])
		err = hv_backend_put(k, dir, "bridge", "%s", b->vif.bridge);
	for (size_t i = 0; !err && i < sizeof(features) / sizeof(features[0]); i++)
		err = hv_backend_put(k, dir, features[i][0], "%s", features[i][1]);
	return err;
}

/* The frontend's ring references, ports and features.  -EINVAL if unusable. */
static int read_frontend(struct hv_netback *b, uint32_t ref[2], uint32_t port[2])
{
	struct hv_backend *k = &b->bk;
	int err = hv_backend_fe_u32(k, "tx-ring-ref", &ref[0]);
	int copy = fe_flag(b, "request-rx-copy"), notify = fe_flag(b, "feature-rx-notify");
	int sg = fe_flag(b, "feature-sg"), no_csum = fe_flag(b, "feature-no-csum-offload");
	int v6 = fe_flag(b, "feature-ipv6-csum-offload");
	uint32_t queues = 1;

	err = err ? err : hv_backend_fe_u32(k, "rx-ring-ref", &ref[1]);
	if (!err && hv_backend_fe_u32(k, "event-channel", &port[0]) == 0)
		port[1] = port[0];
	else if (!err && !(err = hv_backend_fe_u32(k, "event-channel-tx", &port[0])))
		err = hv_backend_fe_u32(k, "event-channel-rx", &port[1]);
	if (!err && hv_backend_fe_u32(k, "multi-queue-num-queues", &queues) != -ENOENT &&
	    queues != 1)
		err = -EINVAL;
	if (err || copy != 1 || notify != 1 || sg < 0 || no_csum < 0 || v6 < 0) {
		log_warnx("vif %u: the frontend's rings, event channels or features are missing "
			  "or malformed (request-rx-copy and feature-rx-notify must be 1, one "
			  "queue)", k->devid);
		return -EINVAL;
	}
	b->feat = (struct hv_netback_fe){ .rx_csum_blank = !no_csum, .rx_ipv6_blank = !no_csum && v6,
					  .rx_sg = sg };
	return 0;
}

/* Lets go of the rings and the first nr ports bound. */
static void release_ports(struct hv_netback *b, unsigned nr_ports)
{
	struct hv_domain *d = b->bk.d;

	if (nr_ports > 1)
		hv_evtchn_unbind_backend(d, b->rx_port);
	if (nr_ports)
		hv_evtchn_unbind_backend(d, b->tx_port);
	if (b->rx_map.host)
		hv_gnttab_unmap(d, &b->rx_map);
	if (b->tx_map.host)
		hv_gnttab_unmap(d, &b->tx_map);
	b->rx_map.host = b->tx_map.host = NULL;
}

/* Lets go of the rings and the ports (ops release). */
static void release(struct hv_backend *k)
{
	struct hv_netback *b = hv__netback_of(k);

	release_ports(b, b->tx_port == b->rx_port ? 1 : 2);
}

/* Maps the rings and binds the ports (ops connect). */
static int connect_rings(struct hv_backend *k)
{
	struct hv_netback *b = hv__netback_of(k);
	uint32_t ref[2] = { 0 }, port[2] = { 0 };
	unsigned bound = 0;
	int err = read_frontend(b, ref, port);

	if (!err && ((err = hv_gnttab_map(k->d, ref[0], true, &b->tx_map)) ||
		     (err = hv_gnttab_map(k->d, ref[1], true, &b->rx_map))))
		log_warnx("vif %u: tx-ring-ref %u or rx-ring-ref %u is not a page granted for "
			  "writing", k->devid, ref[0], ref[1]);
	b->tx_port = port[0];
	b->rx_port = port[1];
	if (!err && !(err = hv_evtchn_bind_backend(k->d, port[0], k->owner, hv_backend_kick, k)))
		bound++;
	if (!err && port[1] != port[0] &&
	    !(err = hv_evtchn_bind_backend(k->d, port[1], b->owner_rx, hv_backend_kick, k)))
		bound++;
	if (err == -EINVAL && b->rx_map.host)
		log_warnx("vif %u: event channel %u or %u is not a port for dom0", k->devid,
			  port[0], port[1]);
	if (err) {
		release_ports(b, bound);
		return err;
	}
	hv_netif_ring_init(&b->ring, b->tx_map.host, b->rx_map.host);
	hv__netback_offload(b);
	atomic_store(&b->warned, false);
	log_info("vif %u: connected to tap %s (%s event channel%s)", k->devid, b->ifname,
		 port[0] == port[1] ? "one" : "split", b->feat.rx_sg ? ", scatter-gather" : "");
	return 0;
}

/* Makes or attaches the tap of b's spec.  Returns 0 or -errno, logged. */
static int open_tap(struct hv_netback *b)
{
	char name[HV_VIF_NAME_MAX];
	int fd;

	if (!b->vif.bridge[0]) {
		snprintf(b->ifname, sizeof(b->ifname), "%s", b->vif.vifname);
		fd = hv_tap_attach(b->ifname, b->vif.mtu);
		if (fd == -EBUSY)
			log_info("vif %u: tap %s is in use; waiting for it", b->bk.devid,
				 b->ifname);
		b->tap_fd = fd < 0 ? -1 : fd;
		return fd == -EBUSY || fd >= 0 ? 0 : fd;
	}
	if (b->vif.vifname[0])
		snprintf(name, sizeof(name), "%s", b->vif.vifname);
	else
		snprintf(name, sizeof(name), "tern%u.%u", b->bk.d->domid, b->bk.devid);
	fd = hv_tap_create(name, b->vif.bridge, b->vif.mtu, b->ifname);
	if (fd == -EBUSY) { /* a tap of that name is in use (the domain's source?) */
		log_info("vif %u: %s is in use; the kernel names the tap", b->bk.devid, name);
		fd = hv_tap_create("tern%d", b->vif.bridge, b->vif.mtu, b->ifname);
	}
	b->tap_fd = fd < 0 ? -1 : fd;
	return fd < 0 ? fd : 0;
}

/* Lets go of the vif's own resources (ops fini). */
static void fini(struct hv_backend *k)
{
	struct hv_netback *b = hv__netback_of(k);

	if (b->tap_fd >= 0)
		close(b->tap_fd);
	free(b->buf);
	free(b->pkt);
}

/* Its MTU and MAC address, names and buffers.  Returns 0 or -errno. */
static int set_up(struct hv_netback *b, unsigned devid)
{
	char label[16];
	int err = 0;

	b->mtu = b->vif.mtu ? b->vif.mtu : HV_NETBACK_DEFAULT_MTU;
	if (!b->vif.mac_given && getrandom(b->vif.mac + 3, 3, 0) != 3)
		err = -errno;
	if (!b->vif.mac_given)
		memcpy(b->vif.mac, "\x00\x16\x3e", 3); /* Xen's OUI, as xl picks */
	snprintf(label, sizeof(label), "%u", devid);
	snprintf(b->owner_rx, sizeof(b->owner_rx), "vif/%u-rx", devid);
	err = err ? err : hv_backend_setup(&b->bk, devid, label);
	if (!err && (!(b->buf = malloc(HV_NETBACK_BUF)) || !(b->pkt = malloc(sizeof(*b->pkt)))))
		err = -ENOMEM;
	return err;
}

/* A vif of spec, nothing open yet (ops init). */
static int init(struct hv_backend *k, const char *spec, char *msg, size_t len)
{
	hv__netback_of(k)->tap_fd = -1;
	return hv_vif_parse(&hv__netback_of(k)->vif, spec, msg, len);
}

/* The parsed vif, the index-th (ops open): its names, buffers and tap. */
static int open_vif(struct hv_backend *k, unsigned index)
{
	struct hv_netback *b = hv__netback_of(k);
	unsigned devid = b->vif.devid >= 0 ? (unsigned)b->vif.devid : index;
	int err = set_up(b, devid);

	if (err)
		log_warnx("vif %u: cannot set it up: %s", devid, strerror(-err));
	return err ? err : open_tap(b);
}

static const struct hv_backend_ops ops = {
	.type = "vif", .noun = "vif", .thread = "net", .size = sizeof(struct hv_netback),
	.init = init, .open = open_vif, .nodes = nodes, .fini = fini, .connect = connect_rings,
	.release = release, .work = hv__netback_work, .record = &hv__netback_record,
};

HV_BACKEND_DEVICE(netback, vifs, HV_STATE_NETBACK, ops);
