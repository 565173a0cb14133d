/*
 * Unit tests for the network backend's pause and state
 * (hv/netback_state.c): a vif connected through its rings, saved while
 * the guest has frames queued, sends every frame exactly once between the
 * two domains' taps and goes on serving both rings after the restore; bad
 * bodies are refused.  Runs in a network namespace of its own (root).
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks.h"
#include "device_state.h"
#include "fake_guest.h"
#include "fake_netfront.h"
#include "fake_state.h"
#include "netback.h"

#define SHINFO_GFN 0x10
#define NR_QUEUED 24
#define SPEC "mac=00:16:3e:00:00:02, bridge=tbr0"

static struct fake_domain src, dst;
static struct fake_netfront fe;
static int host_src = -1, host_dst = -1;

static int setup(void **state)
{
	(void)state;
	if (fake_domain_init(&src, 16, 1) || fake_domain_init(&dst, 16, 1) ||
	    fake_netfront_set_vif(&src, SPEC) || fake_netfront_set_vif(&dst, SPEC) ||
	    fake_guest_map_shared_info(&src.d.vcpus[0], SHINFO_GFN))
		return -1;
	host_src = fake_netfront_host_socket(hv__netback_of(src.d.vifs.v[0])->ifname);
	host_dst = fake_netfront_host_socket(hv__netback_of(dst.d.vifs.v[0])->ifname);
	if (host_src < 0 || host_dst < 0)
		return -1;
	return fake_netfront_connect(&src.d, &fe, 0, NULL);
}

static int teardown(void **state)
{
	(void)state;
	close(host_src);
	close(host_dst);
	fake_domain_destroy(&src);
	fake_domain_destroy(&dst);
	return 0;
}

static void make_frame(uint8_t *p, size_t len, uint8_t seq)
{
	memcpy(p, "\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x02\x88\xb5", 14);
	memset(p + 14, seq, len - 14);
}

/*
 * Counts the test's frames that came in from the guest on a host socket
 * (not those the bridge sends out of it), until 100 ms of silence.
 */
static void count_frames(int s, uint8_t seen[NR_QUEUED])
{
	uint8_t raw[2048];
	struct timeval tv = { 0, 100000 };
	struct sockaddr_ll from;
	socklen_t size = sizeof(from);
	ssize_t n;

	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((n = recvfrom(s, raw, sizeof(raw), 0, (struct sockaddr *)&from, &size)) > 0) {
		uint8_t seq = raw[sizeof(struct virtio_net_hdr) + 14];

		if (n == 10 + 100 && raw[22] == 0x88 && seq < NR_QUEUED &&
		    from.sll_pkttype != PACKET_OUTGOING)
			seen[seq]++;
		size = sizeof(from);
	}
}

static void every_frame_once(void **state)
{
	uint8_t seen[NR_QUEUED] = { 0 }, frame[100], got[4096];
	struct hv_state_buf b = { 0 };
	netif_tx_response_t r;
	uint16_t flags;
	size_t len;

	(void)state;
	for (unsigned i = 0; i < NR_QUEUED; i++) {
		if (i == NR_QUEUED / 2)
			hv_domain_pause(&src.d); /* never unpaused: it is the domain saved */
		make_frame(frame, sizeof(frame), (uint8_t)i);
		fake_netfront_send(&src.d, &fe, frame, sizeof(frame), 0, 0, (uint16_t)(100 + i));
	}
	assert_int_equal(hv_devices_save(&src.d, &b), 0);
	assert_int_equal(fake_state_copy_memory(&dst, &src), 0);
	assert_int_equal(fake_state_restore(&dst, b.data, b.len), 0);
	free(b.data);
	for (unsigned i = 0; i < NR_QUEUED; i++) {
		assert_int_equal(fake_netfront_tx_response(&dst.d, &fe, &r), 0);
		assert_int_equal(r.id, 100 + i);
		assert_int_equal(r.status, NETIF_RSP_OKAY);
	}
	count_frames(host_src, seen);
	count_frames(host_dst, seen);
	for (unsigned i = 0; i < NR_QUEUED; i++)
		assert_int_equal(seen[i], 1);
	/* Both rings go on, on the new tap. */
	fake_netfront_post_rx(&dst.d, &fe, 4);
	make_frame(frame, sizeof(frame), 77);
	memcpy(frame, "\x00\x16\x3e\x00\x00\x02", 6);
	memmove(got + 10, frame, sizeof(frame));
	memset(got, 0, 10);
	assert_int_equal(send(host_dst, got, 10 + sizeof(frame), 0), 10 + sizeof(frame));
	/* Skips the kernel's own multicast, posting its buffer again. */
	while (!fake_netfront_recv(&dst.d, &fe, got, sizeof(got), &len, &flags) && (got[0] & 1))
		fake_netfront_post_rx(&dst.d, &fe, 1);
	assert_int_equal(len, sizeof(frame));
	assert_memory_equal(got, frame, sizeof(frame));
}

static void bad_bodies(void **state)
{
	struct check_body c;
	uint32_t zero = 0, other = fe.port + 5;

	(void)state;
	check_body_start(&c, &src, &dst, HV_STATE_NETBACK);
	assert_int_equal(c.len, 8 + 72);
	check_body_refused(&c, -8, &(uint32_t){ 2 }, 4);    /* two vifs */
	check_body_refused(&c, -4, "x", 1);                 /* padding */
	check_body_refused(&c, 0, &(uint32_t){ 1 }, 4);     /* another devid */
	check_body_refused(&c, 4, &(uint32_t){ 9 }, 4);     /* no such xenbus state */
	check_body_refused(&c, 8, "\x02", 1);               /* another MAC than configured */
	check_body_refused(&c, 14, "\x02", 1);              /* connected twice */
	check_body_refused(&c, 15, "\x08", 1);              /* unknown feature */
	check_body_refused(&c, 16, &(uint32_t){ 9000 }, 4); /* another MTU */
	check_body_refused(&c, 20, &(uint32_t){ 4096 }, 4); /* tx ring outside the table */
	check_body_refused(&c, 28, &zero, 4);               /* no port */
	check_body_refused(&c, 28, &other, 4);              /* not the vif's port */
	check_body_refused(&c, 40, &(uint64_t){ 0x3000ULL << 12 }, 8); /* rx ring not in memory */
	check_body_refused(&c, 52, &(uint32_t){ 5 }, 4);    /* a packet in flight */
	check_body_refused(&c, 60, &(uint32_t){ 5 }, 4);    /* a buffer in flight */
	check_body_refused(&c, 68, "x", 1);                 /* padding */
	check_body_end(&c, dst.d.vifs.v[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_frame_once, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_bodies, setup, teardown),
	};
	int r = fake_netfront_namespace();

	return r ? r : cmocka_run_group_tests(tests, NULL, NULL);
}
