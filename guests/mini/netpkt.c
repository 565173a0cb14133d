/*
 * nettest's packets (see netpkt.h).  Every length is checked against the
 * frame's before the bytes it covers are read.
 */
#include <stddef.h>

#include "netpkt.h"

#define ETH_ALEN NETPKT_ETH_ALEN
#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ARP_LEN 28
#define ARP_REQUEST 1
#define ARP_REPLY 2
#define IP_HLEN 20
#define IP_TTL 64
#define IP_OFFSET_MASK 0x3fff /* more fragments, fragment offset */
#define IPPROTO_ICMP 1
#define IPPROTO_UDP 17
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO 8
#define L4_HLEN 8 /* the UDP header and ICMP echo header are both 8 bytes */
#define QUIT "quit"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Adds the big-endian 16-bit words of [p, p + len) to sum (an odd last byte padded with 0). */
static uint32_t sum16(const uint8_t *p, unsigned len, uint32_t sum)
{
	unsigned i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

/* The Internet checksum of a sum: its ones' complement, folded to 16 bits. */
static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The sum of UDP's pseudo-header for the IP header ip and a UDP length. */
static uint32_t pseudo_sum(const uint8_t *ip, unsigned udp_len)
{
	return sum16(ip + 12, 8, IPPROTO_UDP + udp_len);
}

/* A buffer with the Ethernet header of a reply to frame filled in, or NULL. */
static uint8_t *reply_frame(struct netpkt_host *h, const uint8_t *frame, uint16_t type,
			    unsigned *slot)
{
	uint8_t *out = h->buffer(h->arg, slot);

	if (!out)
		return NULL;
	__builtin_memcpy(out, frame + ETH_ALEN, ETH_ALEN);
	__builtin_memcpy(out + ETH_ALEN, h->mac, ETH_ALEN);
	put16(out + 2 * ETH_ALEN, type);
	return out;
}

/* Pads the reply to the Ethernet minimum and hands it back. */
static void send(struct netpkt_host *h, uint8_t *out, unsigned slot, unsigned len)
{
	if (len < NETPKT_ETH_ZLEN) {
		__builtin_memset(out + len, 0, NETPKT_ETH_ZLEN - len);
		len = NETPKT_ETH_ZLEN;
	}
	h->send(h->arg, slot, len);
}

static void arp(struct netpkt_host *h, const uint8_t *frame, unsigned len)
{
	const uint8_t *a = frame + ETH_HLEN;
	uint8_t *out, *r;
	unsigned slot;

	if (len < ETH_HLEN + ARP_LEN || get16(a) != 1 || get16(a + 2) != ETH_P_IP ||
	    a[4] != ETH_ALEN || a[5] != 4) {
		h->stats.bad++;
		return;
	}
	if (get16(a + 6) != ARP_REQUEST || __builtin_memcmp(a + 24, h->ip, 4) ||
	    !(out = reply_frame(h, frame, ETH_P_ARP, &slot))) {
		h->stats.ignored++;
		return;
	}
	r = out + ETH_HLEN;
	__builtin_memcpy(r, a, 6); /* hardware and protocol types and lengths */
	put16(r + 6, ARP_REPLY);
	__builtin_memcpy(r + 8, h->mac, ETH_ALEN);
	__builtin_memcpy(r + 14, h->ip, 4);
	__builtin_memcpy(r + 18, a + 8, ETH_ALEN + 4); /* the asker's addresses */
	send(h, out, slot, ETH_HLEN + ARP_LEN);
	h->stats.arp++;
}

/*
 * Starts an IPv4 reply to frame: a buffer with the Ethernet header and a
 * fresh 20-byte IP header (same protocol, type of service and
 * identification) for l4_len bytes after it.  Returns it, or NULL.
 */
static uint8_t *ip_reply(struct netpkt_host *h, const uint8_t *frame, unsigned l4_len,
			 unsigned *slot)
{
	const uint8_t *ip = frame + ETH_HLEN;
	uint8_t *out = reply_frame(h, frame, ETH_P_IP, slot), *r;

	if (!out)
		return NULL;
	r = out + ETH_HLEN;
	r[0] = 0x45; /* version 4, 5 words */
	r[1] = ip[1];
	put16(r + 2, (uint16_t)(IP_HLEN + l4_len));
	__builtin_memcpy(r + 4, ip + 4, 4); /* identification, flags */
	r[8] = IP_TTL;
	r[9] = ip[9];
	put16(r + 10, 0);
	__builtin_memcpy(r + 12, h->ip, 4);
	__builtin_memcpy(r + 16, ip + 12, 4);
	put16(r + 10, fold(sum16(r, IP_HLEN, 0)));
	return out;
}

static void icmp(struct netpkt_host *h, const uint8_t *frame, const uint8_t *l4, unsigned len,
		 bool validated)
{
	uint8_t *out, *r;
	unsigned slot;

	if (len < L4_HLEN || (!validated && fold(sum16(l4, len, 0)))) {
		h->stats.bad++;
		return;
	}
	if (l4[0] != ICMP_ECHO || !(out = ip_reply(h, frame, len, &slot))) {
		h->stats.ignored++;
		return;
	}
	r = out + ETH_HLEN + IP_HLEN;
	__builtin_memcpy(r, l4, len);
	r[0] = ICMP_ECHO_REPLY;
	put16(r + 2, 0);
	put16(r + 2, fold(sum16(r, len, 0)));
	send(h, out, slot, ETH_HLEN + IP_HLEN + len);
	h->stats.icmp++;
}

static void udp(struct netpkt_host *h, const uint8_t *frame, const uint8_t *l4, unsigned len,
		bool validated)
{
	const uint8_t *ip = frame + ETH_HLEN;
	unsigned ulen = len >= L4_HLEN ? get16(l4 + 4) : 0, slot;
	uint8_t *out, *r;
	uint16_t sum;

	if (ulen < L4_HLEN || ulen > len ||
	    (!validated && get16(l4 + 6) && fold(sum16(l4, ulen, pseudo_sum(ip, ulen))))) {
		h->stats.bad++;
		return;
	}
	if (!(out = ip_reply(h, frame, ulen, &slot))) {
		h->stats.ignored++;
		return;
	}
	r = out + ETH_HLEN + IP_HLEN;
	__builtin_memcpy(r, l4 + 2, 2);
	__builtin_memcpy(r + 2, l4, 2);
	put16(r + 4, (uint16_t)ulen);
	put16(r + 6, 0);
	__builtin_memcpy(r + L4_HLEN, l4 + L4_HLEN, ulen - L4_HLEN);
	sum = fold(sum16(r, ulen, pseudo_sum(out + ETH_HLEN, ulen)));
	put16(r + 6, sum ? sum : 0xffff);
	send(h, out, slot, ETH_HLEN + IP_HLEN + ulen);
	h->stats.udp++;
	h->stats.udp_bytes += ulen - L4_HLEN;
	if (ulen - L4_HLEN == sizeof(QUIT) - 1 &&
	    !__builtin_memcmp(l4 + L4_HLEN, QUIT, sizeof(QUIT) - 1))
		h->quit = true;
}

static void ipv4(struct netpkt_host *h, const uint8_t *frame, unsigned len, bool validated)
{
	const uint8_t *ip = frame + ETH_HLEN;
	unsigned hlen = len >= ETH_HLEN + IP_HLEN ? (ip[0] & 0xfu) * 4 : 0;
	unsigned total = hlen ? get16(ip + 2) : 0;

	if (!hlen || ip[0] >> 4 != 4 || hlen < IP_HLEN || total < hlen || ETH_HLEN + total > len ||
	    fold(sum16(ip, hlen, 0))) {
		h->stats.bad++;
		return;
	}
	if (__builtin_memcmp(ip + 16, h->ip, 4) || (get16(ip + 6) & IP_OFFSET_MASK))
		h->stats.ignored++;
	else if (ip[9] == IPPROTO_UDP)
		udp(h, frame, ip + hlen, total - hlen, validated);
	else if (ip[9] == IPPROTO_ICMP)
		icmp(h, frame, ip + hlen, total - hlen, validated);
	else
		h->stats.ignored++;
}

void netpkt_handle(struct netpkt_host *h, const uint8_t *frame, unsigned len, bool validated)
{
	uint16_t type = len >= ETH_HLEN ? get16(frame + 2 * ETH_ALEN) : 0;

	if (len < ETH_HLEN)
		h->stats.bad++;
	else if (h->quit)
		h->stats.ignored++;
	else if (type == ETH_P_ARP)
		arp(h, frame, len);
	else if (type == ETH_P_IP)
		ipv4(h, frame, len, validated);
	else
		h->stats.ignored++;
}
