/*
 * libFuzzer target for guests/mini/netpkt.c, the packet side of mini's
 * nettest mode: the input is one received Ethernet frame (its first byte
 * says whether the backend marked it validated).  Checked: at most one
 * reply, never longer than the frame or the Ethernet minimum, every IPv4
 * reply with a correct header checksum and, for UDP, a correct checksum,
 * and every frame counted exactly once.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../guests/mini/netpkt.h"

#define FRAME_MAX 65536

static uint8_t frame[FRAME_MAX];
static uint8_t reply[FRAME_MAX + NETPKT_ETH_ZLEN];
static unsigned replies, reply_len;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *buffer(void *arg, unsigned *slot)
{
	(void)arg;
	*slot = 0;
	return reply;
}

static void send(void *arg, unsigned slot, unsigned len)
{
	(void)arg;
	(void)slot;
	replies++;
	reply_len = len;
}

static unsigned sum(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i < len; i++)
		s += i % 2 ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* An IPv4 reply: header checksum, and a UDP reply's checksum over its pseudo-header. */
static void check_ip(const uint8_t *ip, unsigned len)
{
	unsigned total = (unsigned)ip[2] << 8 | ip[3];
	uint8_t pseudo[12];

	if (len < 20 || ip[0] != 0x45 || total > len || sum(ip, 20, 0) != 0xffff)
		abort();
	if (ip[9] != 17)
		return;
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 17;
	memcpy(pseudo + 10, ip + 24, 2);
	if (total < 28 || ((unsigned)ip[24] << 8 | ip[25]) != total - 20 ||
	    sum(ip + 20, total - 20, sum(pseudo, 12, 0)) != 0xffff)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netpkt_host h = {
		.mac = { 0x00, 0x16, 0x3e, 0x4d, 0x49, 0x4e },
		.ip = { 10, 77, 0, 2 },
		.buffer = buffer,
		.send = send,
	};
	const struct netpkt_stats *s = &h.stats;
	unsigned len;
	uint8_t *f;

	if (size < 1 || size - 1 > FRAME_MAX)
		return 0;
	/* The frame at the end of its buffer, so that ASan catches reads beyond it. */
	len = (unsigned)(size - 1);
	f = frame + FRAME_MAX - len;
	memcpy(f, data + 1, len);
	replies = 0;
	netpkt_handle(&h, f, len, data[0] & 1);
	if (s->udp + s->arp + s->icmp + s->ignored + s->bad != 1 || replies > 1 ||
	    (replies && reply_len > (len > NETPKT_ETH_ZLEN ? len : NETPKT_ETH_ZLEN)))
		abort();
	if (replies && reply[12] == 0x08 && reply[13] == 0x00)
		check_ip(reply + 14, reply_len - 14);
	return 0;
}
