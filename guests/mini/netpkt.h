/*
 * The packet side of nettest: a small IPv4 host that answers ARP requests
 * for its address and ICMP echo requests, and echoes UDP datagrams.  It
 * reads frames the network hands it, so it is written to take any bytes:
 * plain C with no dependency on the rest of mini, which lets the host's
 * unit tests and fuzzer (tests/unit/guests/mini/netpkt.c,
 * tests/fuzz/mini_netpkt.c) run it.
 *
 * Replies are built in buffers the caller lends (through buffer) and given
 * back to it (through send) with their length: at most the length of the
 * frame answered or NETPKT_ETH_ZLEN, whichever is more.
 */
#ifndef MINI_NETPKT_H
#define MINI_NETPKT_H

#include <stdbool.h>
#include <stdint.h>

#define NETPKT_ETH_ALEN 6
#define NETPKT_ETH_ZLEN 60 /* the shortest frame, without its FCS; replies are padded to it */

struct netpkt_stats {
	uint64_t udp;       /* datagrams echoed */
	uint64_t udp_bytes; /* their payload bytes */
	uint64_t arp;       /* ARP replies sent */
	uint64_t icmp;      /* ICMP echo replies sent */
	uint64_t ignored;   /* not for this host, or nothing to answer, or no buffer */
	uint64_t bad;       /* malformed, or a checksum is wrong */
};

struct netpkt_host {
	uint8_t mac[NETPKT_ETH_ALEN];
	uint8_t ip[4];
	bool quit; /* set once a datagram whose payload is "quit" has been echoed */
	struct netpkt_stats stats;
	/*
	 * Lends a buffer for a reply (see above for its size), naming it in
	 * *slot, or returns NULL if none is free.
	 */
	uint8_t *(*buffer)(void *arg, unsigned *slot);
	/* Takes back the buffer of slot, holding a reply of len bytes to send. */
	void (*send)(void *arg, unsigned slot, unsigned len);
	void *arg;
};

/*
 * Answers the Ethernet frame of len bytes, if it asks for an answer, and
 * counts it.  validated: whoever delivered it checked its UDP or ICMP
 * checksum already (or left it blank), so it is not checked again.
 */
void netpkt_handle(struct netpkt_host *h, const uint8_t *frame, unsigned len, bool validated);

#endif
