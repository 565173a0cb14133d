/*
 * Unit tests for guests/mini/netpkt.c, the packet side of mini's nettest
 * mode: ARP replies, ICMP echo replies and UDP echoes checked byte by byte
 * (addresses, ports, payload, both checksums recomputed here), and every
 * kind of bad or foreign frame: truncated headers, lengths beyond the
 * frame, bad checksums, fragments, IP options, other addresses and
 * protocols, no free buffer, and what comes after "quit".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../../../guests/mini/netpkt.h"

#define FRAME_MAX 2048

static const uint8_t our_mac[6] = { 0x00, 0x16, 0x3e, 0x4d, 0x49, 0x4e };
static const uint8_t our_ip[4] = { 10, 77, 0, 2 };
static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t peer_ip[4] = { 10, 77, 0, 1 };

/* The replies netpkt hands back: the last one, and how many. */
static struct {
	uint8_t buf[FRAME_MAX];
	unsigned len, sent;
	bool no_buffer;
} out;

static uint8_t *buffer(void *arg, unsigned *slot)
{
	(void)arg;
	*slot = 7;
	return out.no_buffer ? NULL : out.buf;
}

static void send(void *arg, unsigned slot, unsigned len)
{
	(void)arg;
	assert_int_equal(slot, 7);
	out.len = len;
	out.sent++;
}

static struct netpkt_host host(void)
{
	struct netpkt_host h = { .buffer = buffer, .send = send };

	memcpy(h.mac, our_mac, 6);
	memcpy(h.ip, our_ip, 4);
	memset(&out, 0, sizeof(out));
	return h;
}

static uint16_t csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i < len; i++)
		sum += i % 2 ? p[i] : (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The UDP checksum of the datagram at ip + hlen, pseudo-header included. */
static uint16_t udp_csum(const uint8_t *ip, unsigned hlen)
{
	const uint8_t *u = ip + hlen;
	uint8_t pseudo[12];

	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 17;
	put16(pseudo + 10, get16(u + 4));
	return csum(u, get16(u + 4), (uint16_t)~csum(pseudo, 12, 0));
}

static void eth(uint8_t *f, const uint8_t *dst, unsigned type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, peer_mac, 6);
	put16(f + 12, type);
}

/*
 * An IPv4 packet from the peer to dst, with opt_words words of options
 * (zeros), protocol proto and l4_len bytes of l4 after its header.
 * Returns the frame's length.
 */
static unsigned ipv4(uint8_t *f, const uint8_t *dst, unsigned opt_words, uint8_t proto,
		     const uint8_t *l4, unsigned l4_len)
{
	uint8_t *ip = f + 14;
	unsigned hlen = 20 + 4 * opt_words;

	memset(f, 0, FRAME_MAX);
	eth(f, our_mac, 0x0800);
	ip[0] = (uint8_t)(0x40 | hlen / 4);
	put16(ip + 2, hlen + l4_len);
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000); /* don't fragment */
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, peer_ip, 4);
	memcpy(ip + 16, dst, 4);
	put16(ip + 10, csum(ip, hlen, 0));
	memcpy(ip + hlen, l4, l4_len);
	return 14 + hlen + l4_len;
}

/* A UDP datagram from port 4000 to 7777 with payload; its checksum if with_csum. */
static unsigned udp(uint8_t *f, unsigned opt_words, const void *payload, unsigned n,
		    bool with_csum)
{
	uint8_t l4[FRAME_MAX] = { 0 };
	unsigned len, hlen = 20 + 4 * opt_words;

	put16(l4, 4000);
	put16(l4 + 2, 7777);
	put16(l4 + 4, 8 + n);
	memcpy(l4 + 8, payload, n);
	len = ipv4(f, our_ip, opt_words, 17, l4, 8 + n);
	if (with_csum)
		put16(f + 14 + hlen + 6, udp_csum(f + 14, hlen));
	return len;
}

/* One reply was sent: len bytes (padded to 60), from us to the peer, of Ethernet type. */
static void check_reply(unsigned len, unsigned type)
{
	assert_int_equal(out.sent, 1);
	assert_int_equal(out.len, len < 60 ? 60 : len);
	assert_memory_equal(out.buf, peer_mac, 6);
	assert_memory_equal(out.buf + 6, our_mac, 6);
	assert_int_equal(get16(out.buf + 12), type);
}

/* The reply in out is a UDP echo of payload (n bytes), checked field by field. */
static void check_echo(const void *payload, unsigned n)
{
	const uint8_t *ip = out.buf + 14, *u = ip + 20;

	check_reply(14 + 20 + 8 + n, 0x0800);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(get16(ip + 2), 20 + 8 + n);
	assert_int_equal(get16(ip + 4), 0x1234);
	assert_int_equal(ip[9], 17);
	assert_memory_equal(ip + 12, our_ip, 4);
	assert_memory_equal(ip + 16, peer_ip, 4);
	assert_int_equal(csum(ip, 20, 0), 0);
	assert_int_equal(get16(u), 7777);
	assert_int_equal(get16(u + 2), 4000);
	assert_int_equal(get16(u + 4), 8 + n);
	assert_int_not_equal(get16(u + 6), 0);
	assert_int_equal(udp_csum(ip, 20), 0);
	assert_memory_equal(u + 8, payload, n);
}

static void udp_echoed(void **state)
{
	static const char odd[] = "hello";
	uint8_t f[FRAME_MAX], big[1400];
	struct netpkt_host h = host();

	(void)state;
	netpkt_handle(&h, f, udp(f, 0, odd, 5, true), false);
	check_echo(odd, 5);
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
	out.sent = 0;
	netpkt_handle(&h, f, udp(f, 0, big, sizeof(big), false), false);
	check_echo(big, sizeof(big));
	assert_int_equal(h.stats.udp, 2);
	assert_int_equal(h.stats.udp_bytes, 5 + sizeof(big));
	assert_false(h.quit);
}

/* IP options in the request; bytes after the IP packet (Ethernet padding). */
static void udp_options_and_padding(void **state)
{
	uint8_t f[FRAME_MAX];
	struct netpkt_host h = host();
	unsigned len = udp(f, 2, "abc", 3, true);

	(void)state;
	netpkt_handle(&h, f, len + 10, false);
	check_echo("abc", 3);
}

static void udp_bad(void **state)
{
	uint8_t f[FRAME_MAX];
	struct netpkt_host h = host();
	unsigned len;

	(void)state;
	len = udp(f, 0, "data", 4, true);
	f[14 + 28] ^= 1; /* the payload, under the checksum */
	netpkt_handle(&h, f, len, false);
	assert_int_equal(h.stats.bad, 1);
	netpkt_handle(&h, f, len, true); /* the backend vouched for it */
	assert_int_equal(h.stats.udp, 1);
	len = udp(f, 0, "data", 4, false);
	put16(f + 14 + 24, 13); /* UDP length beyond the IP packet */
	netpkt_handle(&h, f, len, false);
	put16(f + 14 + 24, 7); /* shorter than its header */
	netpkt_handle(&h, f, len, false);
	len = udp(f, 0, "data", 4, false);
	netpkt_handle(&h, f, len - 1, false); /* the frame is shorter than the IP packet */
	put16(f + 14 + 2, 27); /* IP total length shorter than the UDP header needs */
	put16(f + 14 + 10, 0);
	put16(f + 14 + 10, csum(f + 14, 20, 0));
	netpkt_handle(&h, f, len, false);
	assert_int_equal(h.stats.bad, 5);
	assert_int_equal(out.sent, 1);
}

static void ip_bad(void **state)
{
	uint8_t f[FRAME_MAX];
	struct netpkt_host h = host();
	unsigned len = udp(f, 0, "x", 1, true);

	(void)state;
	f[14 + 8] = 1; /* TTL changed under the header checksum */
	netpkt_handle(&h, f, len, false);
	len = udp(f, 0, "x", 1, true);
	f[14] = 0x44; /* header of 16 bytes */
	netpkt_handle(&h, f, len, false);
	f[14] = 0x65; /* version 6 */
	netpkt_handle(&h, f, len, false);
	f[14] = 0x4f; /* 60-byte header in a 43-byte packet */
	netpkt_handle(&h, f, len, false);
	netpkt_handle(&h, f, 14 + 19, false); /* not even an IP header */
	netpkt_handle(&h, f, 13, false);      /* not even an Ethernet header */
	assert_int_equal(h.stats.bad, 6);
	assert_int_equal(out.sent, 0);
}

static void ip_foreign(void **state)
{
	static const uint8_t other[4] = { 10, 77, 0, 3 };
	uint8_t f[FRAME_MAX], l4[8] = { 0 };
	struct netpkt_host h = host();
	unsigned len;

	(void)state;
	netpkt_handle(&h, f, ipv4(f, other, 0, 17, l4, 8), false);
	netpkt_handle(&h, f, ipv4(f, our_ip, 0, 6, l4, 8), false); /* TCP */
	len = udp(f, 0, "x", 1, false);
	put16(f + 14 + 6, 0x2000); /* more fragments */
	put16(f + 14 + 10, 0);
	put16(f + 14 + 10, csum(f + 14, 20, 0));
	netpkt_handle(&h, f, len, false);
	eth(f, our_mac, 0x86dd); /* IPv6 */
	netpkt_handle(&h, f, len, false);
	assert_int_equal(h.stats.ignored, 4);
	assert_int_equal(h.stats.bad, 0);
	assert_int_equal(out.sent, 0);
}

static void quit_ends(void **state)
{
	uint8_t f[FRAME_MAX];
	struct netpkt_host h = host();

	(void)state;
	netpkt_handle(&h, f, udp(f, 0, "quit!", 5, true), false);
	assert_false(h.quit);
	netpkt_handle(&h, f, udp(f, 0, "quit", 4, true), false);
	assert_true(h.quit);
	assert_int_equal(out.sent, 2);
	netpkt_handle(&h, f, udp(f, 0, "more", 4, true), false);
	assert_int_equal(out.sent, 2);
	assert_int_equal(h.stats.ignored, 1);
}

static void no_buffer(void **state)
{
	uint8_t f[FRAME_MAX];
	struct netpkt_host h = host();

	(void)state;
	out.no_buffer = true;
	netpkt_handle(&h, f, udp(f, 0, "x", 1, true), false);
	assert_int_equal(h.stats.ignored, 1);
	assert_int_equal(h.stats.udp, 0);
}

/* An ARP packet from the peer: operation op, asking about tpa. */
static unsigned arp(uint8_t *f, unsigned op, const uint8_t *tpa)
{
	uint8_t *a = f + 14;

	memset(f, 0, FRAME_MAX);
	eth(f, (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 0x0806);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, peer_mac, 6);
	memcpy(a + 14, peer_ip, 4);
	memcpy(a + 24, tpa, 4);
	return 14 + 28;
}

static void arp_answered(void **state)
{
	uint8_t f[FRAME_MAX];
	const uint8_t *a = out.buf + 14;
	struct netpkt_host h = host();

	(void)state;
	netpkt_handle(&h, f, arp(f, 1, our_ip), false);
	check_reply(42, 0x0806);
	assert_memory_equal(a, f + 14, 6);
	assert_int_equal(get16(a + 6), 2);
	assert_memory_equal(a + 8, our_mac, 6);
	assert_memory_equal(a + 14, our_ip, 4);
	assert_memory_equal(a + 18, peer_mac, 6);
	assert_memory_equal(a + 24, peer_ip, 4);
	for (unsigned i = 42; i < 60; i++)
		assert_int_equal(out.buf[i], 0);
	assert_int_equal(h.stats.arp, 1);
}

static void arp_other(void **state)
{
	uint8_t f[FRAME_MAX];
	struct netpkt_host h = host();
	unsigned len;

	(void)state;
	netpkt_handle(&h, f, arp(f, 1, peer_ip), false); /* not our address */
	netpkt_handle(&h, f, arp(f, 2, our_ip), false);  /* a reply */
	assert_int_equal(h.stats.ignored, 2);
	len = arp(f, 1, our_ip);
	netpkt_handle(&h, f, len - 1, false);
	f[14 + 4] = 8; /* hardware address length */
	netpkt_handle(&h, f, len, false);
	assert_int_equal(h.stats.bad, 2);
	assert_int_equal(out.sent, 0);
}

/* An ICMP message of type with 20 bytes of data; its checksum broken if broken. */
static unsigned icmp(uint8_t *f, uint8_t type, bool broken)
{
	uint8_t m[28] = { type, 0, 0, 0, 0x4d, 0x49, 0, 1 };

	for (unsigned i = 8; i < sizeof(m); i++)
		m[i] = (uint8_t)i;
	put16(m + 2, csum(m, sizeof(m), 0) ^ broken);
	return ipv4(f, our_ip, 0, 1, m, sizeof(m));
}

static void icmp_echo(void **state)
{
	struct netpkt_host h = host();
	const uint8_t *m = out.buf + 34;
	uint8_t f[FRAME_MAX];

	(void)state;
	netpkt_handle(&h, f, icmp(f, 8, false), false);
	check_reply(62, 0x0800);
	assert_int_equal(csum(out.buf + 14, 20, 0), 0);
	assert_int_equal(m[0], 0);
	assert_int_equal(csum(m, 28, 0), 0);
	assert_memory_equal(m + 4, f + 34 + 4, 24);
	netpkt_handle(&h, f, icmp(f, 0, false), false); /* a reply: nothing to answer */
	netpkt_handle(&h, f, icmp(f, 8, true), false);
	assert_int_equal(h.stats.icmp, 1);
	assert_int_equal(h.stats.ignored, 1);
	assert_int_equal(h.stats.bad, 1);
	assert_int_equal(out.sent, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(udp_echoed),
		cmocka_unit_test(udp_options_and_padding),
		cmocka_unit_test(udp_bad),
		cmocka_unit_test(ip_bad),
		cmocka_unit_test(ip_foreign),
		cmocka_unit_test(quit_ends),
		cmocka_unit_test(no_buffer),
		cmocka_unit_test(arp_answered),
		cmocka_unit_test(arp_other),
		cmocka_unit_test(icmp_echo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
