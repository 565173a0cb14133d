/*
 * Unit tests for the network backend (hv/netback*.c, hv/tap.c) on a fake
 * domain whose frontend is tests/lib/fake_netfront, joined to real tap
 * devices in a network namespace this test makes for itself (root only:
 * without the privilege it is skipped, unless CI=true).  The host's side
 * is a packet socket on the tap with PACKET_VNET_HDR, so that frames are
 * checked byte for byte both ways, with their checksum offload.  Also: bad
 * requests, a broken ring, closing and reconnecting, an existing tap, and
 * configurations the device refuses.  Prints a throughput figure.
 */
#include <errno.h>
#include <linux/virtio_net.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks.h"
#include "fake_domain.h"
#include "fake_guest.h"
#include "fake_netfront.h"
#include "netback.h"
#include "xenstore.h"

#define SHINFO_GFN 0x10
#define FE "/local/domain/1/device/vif/0"
#define BE "/local/domain/0/backend/vif/1/0"
#define ETHERTYPE 0x88b5 /* local experimental */

static struct fake_domain f;
static struct fake_netfront fe;
static int pkt = -1; /* the host's packet socket on the tap */

/* The domain's vif. */
static struct hv_netback *vif(void)
{
	return hv__netback_of(f.d.vifs.v[0]);
}

static void open_packet_socket(void)
{
	if (pkt >= 0)
		close(pkt);
	pkt = fake_netfront_host_socket(vif()->ifname);
	assert_true(pkt >= 0);
}

static int setup_spec(const char *spec, const char *const *extra)
{
	if (fake_domain_init(&f, 16, 1) || fake_guest_map_shared_info(&f.d.vcpus[0], SHINFO_GFN) ||
	    fake_netfront_set_vif(&f, spec))
		return -1;
	open_packet_socket();
	return fake_netfront_connect(&f.d, &fe, 0, extra);
}

static int setup(void **state)
{
	(void)state;
	return setup_spec("mac=00:16:3e:00:00:01, bridge=tbr0", NULL);
}

static int setup_no_csum(void **state)
{
	static const char *const extra[] = { "feature-no-csum-offload=1", "feature-sg=0", NULL };

	(void)state;
	return setup_spec("bridge=tbr0, vifname=tnocsum", extra);
}

static int teardown(void **state)
{
	(void)state;
	close(pkt);
	pkt = -1;
	fake_domain_destroy(&f);
	return 0;
}

/* A frame to the guest's MAC of len bytes (>= 14), its payload from seed. */
static void make_frame(uint8_t *p, size_t len, unsigned seed)
{
	static const uint8_t head[14] = { 0x00, 0x16, 0x3e, 0, 0, 1, 0x02, 0, 0, 0, 0, 2,
					  ETHERTYPE >> 8, ETHERTYPE & 0xff };

	memcpy(p, head, sizeof(head));
	for (size_t i = sizeof(head); i < len; i++)
		p[i] = (uint8_t)(i * 13 + seed);
}

/*
 * The next unicast frame on the host's side with our ethertype (or IPv4):
 * its vnet header too.  The kernel's own multicast is skipped.
 */
static size_t host_recv(struct virtio_net_hdr *h, uint8_t *buf, size_t size)
{
	static uint8_t raw[70000];

	for (;;) {
		ssize_t n = recv(pkt, raw, sizeof(raw), 0);

		assert_true(n >= (ssize_t)sizeof(*h) + 14);
		memcpy(h, raw, sizeof(*h));
		n -= (ssize_t)sizeof(*h);
		if ((size_t)n <= size && !(raw[sizeof(*h)] & 1) &&
		    (raw[22] == (ETHERTYPE >> 8) || raw[22] == 0x08)) {
			memcpy(buf, raw + sizeof(*h), (size_t)n);
			return (size_t)n;
		}
	}
}

static void host_send(const struct virtio_net_hdr *h, const uint8_t *frame, size_t len)
{
	static uint8_t raw[70000];

	memcpy(raw, h, sizeof(*h));
	memcpy(raw + sizeof(*h), frame, len);
	assert_int_equal(send(pkt, raw, sizeof(*h) + len, 0), (ssize_t)(sizeof(*h) + len));
}

/*
 * The guest's next frame that is not multicast: the kernel's own (IGMP
 * reports on a tap that comes up) are skipped, and their buffers posted
 * again.
 */
static int guest_recv(uint8_t *buf, size_t size, size_t *len, uint16_t *flags)
{
	int err;

	while (!(err = fake_netfront_recv(&f.d, &fe, buf, size, len, flags)) && (buf[0] & 1))
		fake_netfront_post_rx(&f.d, &fe, 1);
	return err;
}

static int16_t tx_status(uint16_t id)
{
	netif_tx_response_t r;

	assert_int_equal(fake_netfront_tx_response(&f.d, &fe, &r), 0);
	assert_int_equal(r.id, id);
	return r.status;
}

static void nodes(void **state)
{
	(void)state;
	assert_string_equal(check_xs_value(&f.d, FE "/backend"), BE);
	assert_string_equal(check_xs_value(&f.d, FE "/backend-id"), "0");
	assert_string_equal(check_xs_value(&f.d, FE "/handle"), "0");
	assert_string_equal(check_xs_value(&f.d, FE "/mac"), "00:16:3e:00:00:01");
	assert_string_equal(check_xs_value(&f.d, BE "/frontend"), FE);
	assert_string_equal(check_xs_value(&f.d, BE "/frontend-id"), "1");
	assert_string_equal(check_xs_value(&f.d, BE "/mac"), "00:16:3e:00:00:01");
	assert_string_equal(check_xs_value(&f.d, BE "/bridge"), "tbr0");
	assert_string_equal(check_xs_value(&f.d, BE "/vifname"), "tern1.0");
	assert_string_equal(check_xs_value(&f.d, BE "/mtu"), "1500");
	assert_string_equal(check_xs_value(&f.d, BE "/feature-rx-copy"), "1");
	assert_string_equal(check_xs_value(&f.d, BE "/feature-rx-flip"), "0");
	assert_string_equal(check_xs_value(&f.d, BE "/feature-sg"), "1");
	assert_null(check_xs_value(&f.d, BE "/feature-no-csum-offload"));
	assert_null(check_xs_value(&f.d, BE "/feature-gso-tcpv4"));
	assert_string_equal(check_xs_value(&f.d, BE "/state"), "4");
	assert_string_equal(vif()->ifname, "tern1.0");
	assert_int_equal(system("ip -o link show tern1.0 | grep -q 'master tbr0'"), 0);
}

static void both_ways(void **state)
{
	static const size_t sizes[] = { 60, 1514, 5000, 14 };
	static uint8_t frame[9000], got[9000];
	struct virtio_net_hdr h = { 0 };
	uint16_t flags;
	size_t len;

	(void)state;
	for (unsigned i = 0; i < 4; i++) { /* the 1514 one straddles a page */
		make_frame(frame, sizes[i], i);
		fake_netfront_send(&f.d, &fe, frame, sizes[i], i == 1 ? 3000 : 0, 0,
				   (uint16_t)(10 * i));
		assert_int_equal(host_recv(&h, got, sizeof(got)), sizes[i]);
		assert_memory_equal(got, frame, sizes[i]);
		assert_int_equal(h.flags, 0);
		for (unsigned s = 0; s < (i == 2 || i == 1 ? 2u : 1u); s++)
			assert_int_equal(tx_status((uint16_t)(10 * i + s)), NETIF_RSP_OKAY);
	}
	fake_netfront_post_rx(&f.d, &fe, 8);
	for (unsigned i = 0; i < 2; i++) {
		make_frame(frame, sizes[i], 100 + i);
		host_send(&h, frame, sizes[i]);
		assert_int_equal(guest_recv(got, sizeof(got), &len, &flags), 0);
		assert_int_equal(len, sizes[i]);
		assert_memory_equal(got, frame, len);
		assert_int_equal(flags, 0);
	}
}

/* Without receive buffers the backend leaves frames in the tap; none is lost. */
static void rx_waits_for_buffers(void **state)
{
	static uint8_t frame[1514], got[4096];
	struct virtio_net_hdr h = { 0 };
	struct timespec pause = { 0, 200000000 };
	uint16_t flags;
	size_t len;

	(void)state;
	for (unsigned i = 0; i < 20; i++) {
		make_frame(frame, sizeof(frame), i);
		host_send(&h, frame, sizeof(frame));
	}
	nanosleep(&pause, NULL);
	assert_int_equal(vif()->ring.rx_rsp_prod_pvt, 0);
	for (unsigned i = 0; i < 20; i++) {
		if (i % 5 == 0)
			fake_netfront_post_rx(&f.d, &fe, 5);
		make_frame(frame, sizeof(frame), i);
		assert_int_equal(guest_recv(got, sizeof(got), &len, &flags), 0);
		assert_int_equal(len, sizeof(frame));
		assert_memory_equal(got, frame, len);
	}
	assert_int_equal(atomic_load(&vif()->stats.rx_dropped), 0);
}

/* An IPv4 UDP frame to the guest whose checksum field holds the pseudo-header sum. */
static size_t udp_frame(uint8_t *p, size_t payload)
{
	size_t len = 14 + 20 + 8 + payload;
	uint32_t sum = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 17 + 8 + payload;

	make_frame(p, len, 7);
	p[12] = 0x08;
	p[13] = 0x00;
	memcpy(p + 14, "\x45\x00\x00\x00\x00\x01\x40\x00\x40\x11\x00\x00\x0a\x00\x00\x01"
		       "\x0a\x00\x00\x02", 20);
	p[16] = (uint8_t)((20 + 8 + payload) >> 8);
	p[17] = (uint8_t)(20 + 8 + payload);
	memcpy(p + 34, "\x30\x39\x30\x3a", 4);
	p[38] = (uint8_t)((8 + payload) >> 8);
	p[39] = (uint8_t)(8 + payload);
	sum = (sum & 0xffff) + (sum >> 16);
	p[40] = (uint8_t)(sum >> 8);
	p[41] = (uint8_t)sum;
	return len;
}

/* True if the UDP checksum of an udp_frame verifies. */
static bool udp_ok(const uint8_t *p, size_t len)
{
	uint32_t sum = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 17 + (uint32_t)(len - 34);

	for (size_t i = 34; i < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | (i + 1 < len ? p[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static void checksums(void **state)
{
	static uint8_t frame[1514], got[4096];
	struct virtio_net_hdr h = { 0 };
	size_t len = udp_frame(frame, 1000), n;
	uint16_t flags;

	(void)state;
	fake_netfront_send(&f.d, &fe, frame, len, 0, NETTXF_csum_blank | NETTXF_data_validated, 1);
	assert_int_equal(tx_status(1), NETIF_RSP_OKAY);
	assert_int_equal(host_recv(&h, got, sizeof(got)), len);
	assert_memory_equal(got, frame, len);
	assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(h.csum_start, 34);
	assert_int_equal(h.csum_offset, 6);
	/* csum_blank on a frame that is not IPv4 TCP or UDP */
	make_frame(got, 100, 0);
	fake_netfront_send(&f.d, &fe, got, 100, 0, NETTXF_csum_blank, 2);
	assert_int_equal(tx_status(2), NETIF_RSP_ERROR);
	/* a partial checksum from the host reaches the guest as it is */
	fake_netfront_post_rx(&f.d, &fe, 4);
	h = (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34,
				     .csum_offset = 6 };
	host_send(&h, frame, len);
	assert_int_equal(guest_recv(got, sizeof(got), &n, &flags), 0);
	assert_int_equal(n, len);
	assert_memory_equal(got, frame, len);
	assert_int_equal(flags, NETRXF_csum_blank | NETRXF_data_validated);
}

/* A frontend that takes no partial checksums gets complete ones. */
static void checksums_completed(void **state)
{
	static uint8_t frame[1514], got[4096];
	struct virtio_net_hdr h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34,
				    .csum_offset = 6 };
	size_t len = udp_frame(frame, 1001), n;
	uint16_t flags;

	(void)state;
	assert_false(vif()->feat.rx_csum_blank);
	assert_false(vif()->feat.rx_sg);
	fake_netfront_post_rx(&f.d, &fe, 4);
	host_send(&h, frame, len);
	assert_int_equal(guest_recv(got, sizeof(got), &n, &flags), 0);
	assert_int_equal(n, len);
	assert_false(flags & NETRXF_csum_blank);
	assert_true(udp_ok(got, n));
	assert_memory_equal(got, frame, 40); /* all but the checksum and payload */
	assert_memory_equal(got + 42, frame + 42, len - 42);
}

static netif_tx_request_t req(uint16_t id, uint16_t size, uint16_t flags)
{
	return (netif_tx_request_t){ .gref = FAKE_NET_TX_REF, .id = id, .size = size,
				     .flags = flags };
}

static void put_extra(uint8_t type, uint8_t flags)
{
	netif_extra_info_t e = { .type = type, .flags = flags };
	netif_tx_request_t r;

	memset(&r, 0, sizeof(r));
	memcpy(&r, &e, sizeof(e));
	fake_netfront_put_tx(&f.d, &fe, &r);
}

static void bad_requests(void **state)
{
	netif_tx_request_t r = req(1, 4000, 0);
	uint8_t frame[100];
	struct virtio_net_hdr h;

	(void)state;
	r.offset = 100; /* past the page */
	fake_netfront_put_tx(&f.d, &fe, &r);
	r = req(2, 13, 0); /* shorter than an Ethernet header */
	fake_netfront_put_tx(&f.d, &fe, &r);
	r = req(3, 60, 0);
	r.gref = 999; /* not granted */
	fake_netfront_put_tx(&f.d, &fe, &r);
	r = req(4, 60, NETTXF_more_data); /* the next slot is larger than the frame */
	fake_netfront_put_tx(&f.d, &fe, &r);
	r = req(5, 61, 0);
	fake_netfront_put_tx(&f.d, &fe, &r);
	r = req(6, 60, NETTXF_extra_info); /* GSO: not offered */
	fake_netfront_put_tx(&f.d, &fe, &r);
	put_extra(XEN_NETIF_EXTRA_TYPE_GSO, 0);
	fake_netfront_push_tx(&f.d, &fe, true);
	for (uint16_t id = 1; id <= 4; id++)
		assert_int_equal(tx_status(id), NETIF_RSP_ERROR);
	assert_int_equal(tx_status(5), NETIF_RSP_ERROR); /* the chain's second slot */
	assert_int_equal(tx_status(6), NETIF_RSP_ERROR);
	assert_int_equal(tx_status(0), NETIF_RSP_NULL);
	/* 19 data slots: one more than a backend must take */
	for (uint16_t i = 0; i < 19; i++) {
		r = req((uint16_t)(20 + i), i ? 10 : 190 + 14, i < 18 ? NETTXF_more_data : 0);
		fake_netfront_put_tx(&f.d, &fe, &r);
	}
	fake_netfront_push_tx(&f.d, &fe, true);
	for (uint16_t i = 0; i < 19; i++)
		assert_int_equal(tx_status((uint16_t)(20 + i)), NETIF_RSP_ERROR);
	/* a multicast extra is accepted (and ignored); the frame goes through */
	make_frame(frame, sizeof(frame), 3);
	hv_gmem_write(&f.d.mem, FAKE_NET_TX_GFN << 12, frame, sizeof(frame));
	r = req(40, sizeof(frame), NETTXF_extra_info);
	fake_netfront_put_tx(&f.d, &fe, &r);
	put_extra(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 0);
	fake_netfront_push_tx(&f.d, &fe, true);
	assert_int_equal(tx_status(40), NETIF_RSP_OKAY);
	assert_int_equal(tx_status(0), NETIF_RSP_NULL);
	assert_int_equal(host_recv(&h, frame, sizeof(frame)), sizeof(frame));
	assert_int_equal(atomic_load(&vif()->stats.tx_errors), 6);
}

/* A receive buffer that is not granted gets an error status; the next is fine. */
static void bad_rx_buffer(void **state)
{
	static uint8_t frame[200], got[4096];
	struct virtio_net_hdr h = { 0 };
	uint16_t flags;
	size_t len;

	(void)state;
	fake_guest_grant(&f.d, FAKE_NET_TABLE_GFN, FAKE_NET_RX_REF, GTF_permit_access | GTF_readonly,
			 FAKE_NET_RX_GFN);
	fake_netfront_post_rx(&f.d, &fe, 2);
	make_frame(frame, sizeof(frame), 1);
	host_send(&h, frame, sizeof(frame));
	host_send(&h, frame, sizeof(frame));
	assert_int_equal(guest_recv(got, sizeof(got), &len, &flags), -EIO);
	assert_int_equal(guest_recv(got, sizeof(got), &len, &flags), 0);
	assert_memory_equal(got, frame, sizeof(frame));
}

static void broken_ring(void **state)
{
	(void)state;
	fe.tx_prod += 300;
	fake_netfront_push_tx(&f.d, &fe, true);
	check_xs_becomes(&f.d, BE "/state", "5");
	check_xs_write(&f.d, FE, "state", "6");
	check_xs_becomes(&f.d, BE "/state", "6");
}

/* The frontend, closing, says Closed then Initialising: the backend follows to InitWait. */
static void restart(void)
{
	check_xs_write(&f.d, FE, "state", "6");
	check_xs_becomes(&f.d, BE "/state", "6");
	check_xs_write(&f.d, FE, "state", "1");
	check_xs_becomes(&f.d, BE "/state", "2");
}

/* Connects the frontend and checks that a frame of len bytes reaches the host. */
static void connect_and_send(size_t len, unsigned seed)
{
	static uint8_t frame[4096], got[4096];
	struct virtio_net_hdr h;

	assert_int_equal(fake_netfront_connect(&f.d, &fe, 0, NULL), 0);
	make_frame(frame, len, seed);
	fake_netfront_send(&f.d, &fe, frame, len, 0, 0, 1);
	assert_int_equal(tx_status(1), NETIF_RSP_OKAY);
	assert_int_equal(host_recv(&h, got, sizeof(got)), len);
	assert_memory_equal(got, frame, len);
}

static void reconnect(void **state)
{
	(void)state;
	check_xs_write(&f.d, FE, "state", "5");
	check_xs_becomes(&f.d, BE "/state", "5");
	restart();
	check_xs_write(&f.d, FE, "request-rx-copy", "0"); /* flipping: refused */
	check_xs_write(&f.d, FE, "state", "4");
	check_xs_becomes(&f.d, BE "/state", "5");
	restart();
	connect_and_send(300, 9);
}

/* vifname= without bridge=: an existing tap, made by the operator. */
static void existing_tap(void **state)
{
	char mac[18];

	(void)state;
	assert_int_equal(fake_domain_init(&f, 16, 1), 0);
	assert_int_equal(fake_guest_map_shared_info(&f.d.vcpus[0], SHINFO_GFN), 0);
	assert_int_equal(fake_netfront_set_vif(&f, "vifname=nosuchtap"), -ENODEV);
	assert_int_equal(fake_netfront_set_vif(&f, "bridge=nosuchbr"), -ENODEV);
	assert_int_equal(fake_netfront_set_vif(&f, "vifname=ttap0, mtu=4000"), 0);
	assert_string_equal(vif()->ifname, "ttap0");
	assert_string_equal(check_xs_value(&f.d, BE "/mtu"), "4000");
	snprintf(mac, sizeof(mac), "%s", check_xs_value(&f.d, BE "/mac"));
	assert_string_equal(check_xs_value(&f.d, FE "/mac"), mac);
	assert_memory_equal(mac, "00:16:3e:", 9); /* random, in Xen's OUI */
	open_packet_socket();
	connect_and_send(600, 4);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One sent frame of 1514 bytes answered and arrived. */
static void sent_one(void)
{
	static uint8_t got[4096];
	struct virtio_net_hdr h;
	netif_tx_response_t r;

	assert_int_equal(fake_netfront_tx_response(&f.d, &fe, &r), 0);
	assert_int_equal(host_recv(&h, got, sizeof(got)), 1514);
}

/* Guest to host, 1514-byte frames: a figure for docs/network.md, not a check. */
static void throughput(void **state)
{
	static uint8_t frame[1514];
	enum { N = 20000, WINDOW = 64 };
	double t0 = now(), dt;

	(void)state;
	make_frame(frame, sizeof(frame), 0);
	for (unsigned i = 0; i < N + WINDOW; i++) {
		if (i >= WINDOW)
			sent_one();
		if (i < N)
			fake_netfront_send(&f.d, &fe, frame, sizeof(frame), 0, 0, (uint16_t)i);
	}
	dt = now() - t0;
	printf("netback: guest to tap, %d frames of 1514 bytes in %.3f s: %.0f frames/s, "
	       "%.1f MB/s\n", N, dt, N / dt, N * 1514.0 / dt / 1e6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(rx_waits_for_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(checksums, setup, teardown),
		cmocka_unit_test_setup_teardown(checksums_completed, setup_no_csum, teardown),
		cmocka_unit_test_setup_teardown(bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_rx_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(broken_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(reconnect, setup, teardown),
		cmocka_unit_test_teardown(existing_tap, teardown),
		cmocka_unit_test_setup_teardown(throughput, setup, teardown),
	};
	int r = fake_netfront_namespace();

	return r ? r : cmocka_run_group_tests(tests, NULL, NULL);
}
