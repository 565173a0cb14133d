#include "fake_netfront.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "domain.h"
#include "fake_domain.h"
#include "fake_guest.h"
#include "netback.h"
#include "xenstore.h"

#define TX_RING (FAKE_NET_TX_RING_GFN << HV_PAGE_SHIFT)
#define RX_RING (FAKE_NET_RX_RING_GFN << HV_PAGE_SHIFT)
#define SLOTS 256u
#define TIMEOUT_MS 5000

int fake_netfront_set_vif(struct fake_domain *f, const char *spec)
{
	struct hv_strlist *l = &f->cfg.vifs;

	hv_netback_device.exit(&f->d);
	while (l->n)
		free(l->v[--l->n]);
	free(l->v);
	l->v = calloc(1, sizeof(*l->v));
	if (!l->v || !(l->v[0] = strdup(spec)))
		return -ENOMEM;
	l->n = 1;
	return hv_netback_device.init(&f->d);
}

static RING_IDX *idx(struct hv_domain *d, uint64_t ring, size_t off)
{
	return hv_gmem_map(&d->mem, ring + off, sizeof(RING_IDX), true);
}

static int fe_node(struct hv_domain *d, struct fake_netfront *fe, const char *name,
		   const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), "/local/domain/%u/device/vif/%u/%s", d->domid, fe->devid,
		 name);
	return hv_xs_write(d, path, value);
}

static int fe_num(struct hv_domain *d, struct fake_netfront *fe, const char *name, unsigned v)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", v);
	return fe_node(d, fe, name, num);
}

/* Sleeps a millisecond; false once TIMEOUT_MS of them have passed since *n was 0. */
static bool tick(int *n)
{
	struct timespec ms = { 0, 1000000 };

	nanosleep(&ms, NULL);
	return ++*n < TIMEOUT_MS;
}

static void grant_pages(struct hv_domain *d)
{
	fake_guest_grant(d, FAKE_NET_TABLE_GFN, FAKE_NET_TX_RING_REF, GTF_permit_access,
			 FAKE_NET_TX_RING_GFN);
	fake_guest_grant(d, FAKE_NET_TABLE_GFN, FAKE_NET_RX_RING_REF, GTF_permit_access,
			 FAKE_NET_RX_RING_GFN);
	for (unsigned i = 0; i < FAKE_NET_TX_PAGES; i++)
		fake_guest_grant(d, FAKE_NET_TABLE_GFN, FAKE_NET_TX_REF + i,
				 GTF_permit_access | GTF_readonly, (uint32_t)(FAKE_NET_TX_GFN + i));
	for (unsigned i = 0; i < FAKE_NET_RX_PAGES; i++)
		fake_guest_grant(d, FAKE_NET_TABLE_GFN, FAKE_NET_RX_REF + i, GTF_permit_access,
				 (uint32_t)(FAKE_NET_RX_GFN + i));
	hv_gmem_fill(&d->mem, TX_RING, 0, HV_PAGE_SIZE);
	hv_gmem_fill(&d->mem, RX_RING, 0, HV_PAGE_SIZE);
	*idx(d, TX_RING, offsetof(struct netif_tx_sring, rsp_event)) = 1;
	*idx(d, RX_RING, offsetof(struct netif_rx_sring, rsp_event)) = 1;
}

int fake_netfront_connect(struct hv_domain *d, struct fake_netfront *fe, unsigned devid,
			  const char *const *extra)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 0 };
	char path[128], *v = NULL;
	int err, n = 0;

	*fe = (struct fake_netfront){ .devid = devid };
	if (fake_guest_map_grant_frame(&d->vcpus[0], 0, FAKE_NET_TABLE_GFN) ||
	    fake_guest_evtchn(&d->vcpus[0], EVTCHNOP_alloc_unbound, &a, sizeof(a)))
		return -EINVAL;
	fe->port = a.port;
	grant_pages(d);
	err = fe_num(d, fe, "tx-ring-ref", FAKE_NET_TX_RING_REF);
	err = err ? err : fe_num(d, fe, "rx-ring-ref", FAKE_NET_RX_RING_REF);
	err = err ? err : fe_num(d, fe, "event-channel", fe->port);
	err = err ? err : fe_node(d, fe, "request-rx-copy", "1");
	err = err ? err : fe_node(d, fe, "feature-rx-notify", "1");
	err = err ? err : fe_node(d, fe, "feature-sg", "1");
	for (; !err && extra && *extra; extra++) {
		char name[64];
		const char *eq = strchr(*extra, '=');

		snprintf(name, sizeof(name), "%.*s", (int)(eq - *extra), *extra);
		err = fe_node(d, fe, name, eq + 1);
	}
	err = err ? err : fe_num(d, fe, "state", XenbusStateConnected);
	snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u/%u/state", d->domid, devid);
	while (!err) {
		bool up = !hv_xs_read(d, path, &v) && !strcmp(v, "4");

		free(v);
		v = NULL;
		if (up)
			return 0;
		if (!tick(&n))
			err = -ETIMEDOUT;
	}
	return err;
}

static void notify(struct hv_domain *d, struct fake_netfront *fe)
{
	struct evtchn_send s = { .port = fe->port };

	fake_guest_evtchn(&d->vcpus[0], EVTCHNOP_send, &s, sizeof(s));
}

void fake_netfront_post_rx(struct hv_domain *d, struct fake_netfront *fe, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint16_t id = (uint16_t)(fe->rx_prod % FAKE_NET_RX_PAGES);
		netif_rx_request_t r = { .id = id, .gref = FAKE_NET_RX_REF + id };

		hv_gmem_write(&d->mem, RX_RING + 64 + (fe->rx_prod++ % SLOTS) * sizeof(r), &r,
			      sizeof(r));
	}
	__atomic_store_n(idx(d, RX_RING, offsetof(struct netif_rx_sring, req_prod)), fe->rx_prod,
			 __ATOMIC_RELEASE);
	notify(d, fe);
}

RING_IDX fake_netfront_put_tx(struct hv_domain *d, struct fake_netfront *fe,
			      const netif_tx_request_t *req)
{
	hv_gmem_write(&d->mem, TX_RING + 64 + (fe->tx_prod % SLOTS) * sizeof(*req), req,
		      sizeof(*req));
	return fe->tx_prod++;
}

void fake_netfront_push_tx(struct hv_domain *d, struct fake_netfront *fe, bool notify_too)
{
	__atomic_store_n(idx(d, TX_RING, offsetof(struct netif_tx_sring, req_prod)), fe->tx_prod,
			 __ATOMIC_RELEASE);
	if (notify_too)
		notify(d, fe);
}

unsigned fake_netfront_send(struct hv_domain *d, struct fake_netfront *fe, const void *frame,
			    size_t len, uint16_t off, uint16_t flags, uint16_t id)
{
	const uint8_t *p = frame;
	unsigned n = 0;
	size_t pos = 0;

	do {
		unsigned page = fe->tx_page++ % FAKE_NET_TX_PAGES;
		size_t chunk = len - pos > HV_PAGE_SIZE - off ? HV_PAGE_SIZE - off : len - pos;
		netif_tx_request_t r = { .gref = FAKE_NET_TX_REF + page, .offset = off,
					 .id = (uint16_t)(id + n),
					 .size = (uint16_t)(n ? chunk : len) };

		if (pos + chunk < len)
			r.flags |= NETTXF_more_data;
		if (!n)
			r.flags |= flags;
		hv_gmem_write(&d->mem, ((FAKE_NET_TX_GFN + page) << HV_PAGE_SHIFT) + off, p + pos,
			      chunk);
		fake_netfront_put_tx(d, fe, &r);
		pos += chunk;
		off = 0;
		n++;
	} while (pos < len);
	fake_netfront_push_tx(d, fe, true);
	return n;
}

/* Waits for a response on the ring at ring after cons. */
static int wait_response(struct hv_domain *d, uint64_t ring, RING_IDX cons)
{
	int n = 0;

	while (__atomic_load_n(idx(d, ring, offsetof(struct netif_tx_sring, rsp_prod)),
			       __ATOMIC_ACQUIRE) == cons)
		if (!tick(&n))
			return -ETIMEDOUT;
	return 0;
}

int fake_netfront_tx_response(struct hv_domain *d, struct fake_netfront *fe,
			      netif_tx_response_t *rsp)
{
	int err = wait_response(d, TX_RING, fe->tx_cons);

	if (!err)
		hv_gmem_read(&d->mem, TX_RING + 64 + (fe->tx_cons++ % SLOTS) * 12, rsp,
			     sizeof(*rsp));
	return err;
}

int fake_netfront_recv(struct hv_domain *d, struct fake_netfront *fe, uint8_t *buf,
		       size_t size, size_t *len, uint16_t *flags)
{
	netif_rx_response_t r = { .flags = NETRXF_more_data };
	bool first = true, broken = false;

	*len = 0;
	while (r.flags & NETRXF_more_data) {
		int err = wait_response(d, RX_RING, fe->rx_cons);

		if (err)
			return err;
		hv_gmem_read(&d->mem, RX_RING + 64 + (fe->rx_cons++ % SLOTS) * sizeof(r), &r,
			     sizeof(r));
		if (first)
			*flags = r.flags;
		first = false;
		if (r.status < 0 || r.offset + (size_t)r.status > HV_PAGE_SIZE ||
		    *len + (size_t)r.status > size) {
			broken = true;
			continue;
		}
		hv_gmem_read(&d->mem, ((FAKE_NET_RX_GFN + r.id % FAKE_NET_RX_PAGES) << HV_PAGE_SHIFT) +
					      r.offset, buf + *len, (size_t)r.status);
		*len += (size_t)r.status;
	}
	return broken ? -EIO : 0;
}

int fake_netfront_namespace(void)
{
	const char *ci = getenv("CI");

	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "cannot make a network namespace (%s): skipped\n", strerror(errno));
		return ci && !strcmp(ci, "true") ? 1 : 77;
	}
	/* No IPv6: the kernel's own solicitations would reach the guests. */
	return system("echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 && "
		      "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 && "
		      "ip link add tbr0 type bridge && ip link set tbr0 up && "
		      "ip tuntap add ttap0 mode tap") ? 1 : 0;
}

int fake_netfront_host_socket(const char *ifname)
{
	struct timeval tv = { 5, 0 };
	struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				  .sll_ifindex = (int)if_nametoindex(ifname) };
	int one = 1, s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	if (s < 0)
		return -errno;
	if (setsockopt(s, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(s);
		return err;
	}
	return s;
}
