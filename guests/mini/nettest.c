/*
 * "nettest[=A.B.C.D]": a small IPv4 host on the first virtual network
 * interface, with the address given (10.77.0.2 by default).  It answers
 * ARP requests for its address and ICMP echo requests, and sends every
 * UDP datagram addressed to it back to where it came from (addresses and
 * ports swapped, the payload unchanged, IP and UDP checksums computed
 * afresh).  A datagram whose payload is "quit" is echoed too, and then
 * mini closes the interface, prints its summary and powers off.
 *
 * Lines: "nettest: MAC ... ip ... ready" once connected (senders wait for
 * it), "nettest: N datagrams echoed" at most once a second while the count
 * grows, and at the end "nettest: N datagrams echoed (B bytes), A ARP
 * replies, I ICMP echo replies, X ignored, Y bad" and the frontend's
 * counters.  Packets that are not for this host, or not ARP, ICMP echo or
 * UDP, are ignored; malformed ones or bad checksums count as bad.  Ring
 * errors, or grants the backend keeps, print "nettest: FAIL" and crash.
 *
 * The packet work runs in ring 3 (full speed on kvm_pvm hosts); the event
 * channel is masked and polled, so waiting runs no ring-0 C code.
 */
#include "console.h"
#include "kernel.h"
#include "lib.h"
#include "modes.h"
#include "netfront.h"
#include "netpkt.h"
#include "power.h"
#include "pv.h"
#include "pvclock.h"
#include "user.h"

#define DEFAULT_IP "10.77.0.2"
#define REPORT_NS 1000000000ULL

struct nettest {
	struct netfront *n;
	struct netpkt_host h;
	uint64_t reported;
};

/* netpkt's buffers are the transmit slots' pages. */
static uint8_t *buffer(void *arg, unsigned *slot)
{
	return net_tx_buffer(arg, slot);
}

static void send(void *arg, unsigned slot, unsigned len)
{
	net_tx_queue(arg, slot, len);
}

/* net_rx callback: one received frame. */
static void handle(void *arg, const uint8_t *frame, unsigned len, unsigned flags)
{
	struct nettest *j = arg;

	netpkt_handle(&j->h, frame, len, flags & (NETRXF_csum_blank | NETRXF_data_validated));
}

/*
 * Ring 3: answers packets until a "quit" datagram has been echoed and every
 * transmit request has completed.  Each received packet needs at most one
 * transmit slot, so no more packets are taken than slots are free.
 * Returns 0, or 1 after a FAIL line.
 */
static uint64_t serve(void *arg)
{
	struct nettest *j = arg;
	struct netfront *n = j->n;
	uint64_t report = xen_time_ns() + REPORT_NS;

	while (!j->h.quit || n->tx_free < NET_TX_SLOTS) {
		long rx = j->h.quit ? 0 : net_rx(n, n->tx_free, handle, j);
		long tx = net_tx_reap(n);

		if (rx < 0 || tx < 0) {
			kprintf("nettest: FAIL the backend's %s index is beyond the ring\n",
				rx < 0 ? "rx" : "tx");
			return 1;
		}
		net_push(n);
		if (xen_time_ns() >= report) {
			if (j->h.stats.udp != j->reported)
				kprintf("nettest: %lu datagrams echoed\n", j->h.stats.udp);
			j->reported = j->h.stats.udp;
			report = xen_time_ns() + REPORT_NS;
		}
		if (!rx && !tx)
			net_wait(n, !j->h.quit && n->tx_free, report);
	}
	return 0;
}

/* Parses "A.B.C.D". */
static bool parse_ip(const char *s, uint8_t ip[4])
{
	for (unsigned i = 0; i < 4; i++) {
		uint64_t v;

		if ((i && *s++ != '.') || !parse_u64(&s, &v) || v > 255)
			return false;
		ip[i] = (uint8_t)v;
	}
	return *s == '\0';
}

__attribute__((noreturn)) static void fail(const char *why, long rc)
{
	kprintf("nettest: FAIL %s (%ld)\n", why, rc);
	power_crash();
}

static void summary(const struct nettest *j)
{
	const struct net_stats *s = &j->n->stats;
	const struct netpkt_stats *p = &j->h.stats;

	kprintf("nettest: rx %lu packets (%lu bytes), %lu errors; tx %lu packets (%lu bytes), "
		"%lu errors; %lu grants kept\n", s->rx_packets, s->rx_bytes, s->rx_errors,
		s->tx_packets, s->tx_bytes, s->tx_errors, s->grants_kept);
	kprintf("nettest: %lu datagrams echoed (%lu bytes), %lu ARP replies, %lu ICMP echo "
		"replies, %lu ignored, %lu bad\n", p->udp, p->udp_bytes, p->arp, p->icmp, p->ignored,
		p->bad);
}

void nettest_main(struct kernel *k, const char *args)
{
	struct nettest j = { .n = NULL };
	const uint8_t *m;
	long rc;

	if (!parse_ip(*args ? args : DEFAULT_IP, j.h.ip))
		fail("usage: nettest[=A.B.C.D]", 0);
	pv_init(k);
	rc = net_connect(&j.n);
	if (rc)
		fail(rc == -XEN_ENOENT ? "no virtual network interface" : "connecting", rc);
	m = j.n->mac;
	memcpy(j.h.mac, m, NET_MAC_LEN);
	j.h.buffer = buffer;
	j.h.send = send;
	j.h.arg = j.n;
	kprintf("nettest: %s mac %02x:%02x:%02x:%02x:%02x:%02x ip %u.%u.%u.%u ready\n",
		j.n->xb.back, m[0], m[1], m[2], m[3], m[4], m[5], j.h.ip[0], j.h.ip[1],
		j.h.ip[2], j.h.ip[3]);
	if (user_call(k->bsp, serve, &j))
		fail("see above", 0);
	rc = net_disconnect(j.n);
	summary(&j);
	if (rc || j.n->stats.grants_kept || j.n->stats.rx_errors || j.n->stats.tx_errors)
		fail("disconnecting, or ring errors (see above)", rc);
	power_off();
}
