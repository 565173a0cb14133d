/*
 * libFuzzer target for the netif rings: the input is a frontend's two
 * shared ring pages (indices, transmit chains with extra-info slots,
 * receive buffers) and the grant entries they name; the backend takes
 * every whole packet off the transmit ring, checks it, copies its frame
 * through grant copies and writes it to its "tap" (/dev/null), and fills
 * the receive buffers with a frame (with a partial checksum, completed or
 * passed on as the input's flags say), as its worker does.  Checked: no
 * more is taken than a ring holds, every slot taken is answered once, and
 * the indices never pass the producer's.
 *
 * Input: flags (1 byte: bit 0 feature-sg, bit 1 partial checksums to the
 * guest, bit 2 the frame has one), a count N (1 byte), N grant entries (8
 * bytes each), then the transmit page and the receive page (4096 bytes
 * each, zero-filled when short).
 */
#include <fcntl.h>
#include <linux/virtio_net.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "fake_domain.h"
#include "fake_guest.h"
#include "log.h"
#include "netback.h"

#define TABLE_GFN 0x20ULL
#define TX_GFN 0x21ULL
#define RX_GFN 0x22ULL
#define DATA_GFN 0x30ULL
#define NR_DATA 16

static struct fake_domain f;
static struct hv_netback b;
static struct hv_netif_tx_pkt pkt;
static uint8_t frame[9000];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static uint8_t buf[HV_NETBACK_BUF];

	(void)argc;
	(void)argv;
	if (fake_domain_init(&f, 16, 1) || hv_gnttab_add_frame(&f.d, 0, TABLE_GFN))
		fatal("cannot build the fuzzing domain");
	b.bk.d = &f.d;
	b.buf = buf;
	b.mtu = 8000;
	b.tap_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (b.tap_fd < 0)
		fatal("cannot open /dev/null");
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7);
	memcpy(frame + 12, "\x08\x00\x45\x00", 4); /* IPv4, for the checksum paths */
	frame[23] = 17;
	return 0;
}

static void transmit_all(void)
{
	unsigned taken = 0;
	int got;

	while ((got = hv_netif_tx_next(&b.ring, &pkt)) > 0) {
		taken += pkt.nr_slots;
		if (taken > HV_NETIF_RING_SIZE || !pkt.nr_slots)
			__builtin_trap();
		hv_netif_tx_respond(&b.ring, &pkt, hv__netback_transmit(&b, &pkt));
	}
	hv_netif_tx_push(&b.ring);
	if (b.ring.tx_rsp_prod_pvt != taken || b.ring.tx_req_cons != taken)
		__builtin_trap();
}

static void receive_all(uint8_t flags)
{
	struct virtio_net_hdr h = { .flags = flags & 4 ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0,
				    .csum_start = 34, .csum_offset = 6 };
	unsigned need = hv__netback_rx_need(&b), used = 0;
	int avail;

	for (size_t len = 60; (avail = hv_netif_rx_available(&b.ring, need)) >= (int)need;
	     len = len * 3 % sizeof(frame)) {
		unsigned n = hv__netback_deliver(&b, &h, frame, len, (unsigned)avail);

		used += n;
		if (n > (unsigned)avail || used > HV_NETIF_RING_SIZE)
			__builtin_trap();
		if (!n)
			break;
	}
	hv_netif_rx_push(&b.ring);
	if (b.ring.rx_rsp_prod_pvt != used || b.ring.rx_req_cons != used)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size >= 2 ? data[1] : 0, off = 2 + n * 8;
	uint8_t *tx = hv_gmem_map(&f.d.mem, TX_GFN << 12, 4096, true);
	uint8_t *rx = hv_gmem_map(&f.d.mem, RX_GFN << 12, 4096, true);

	if (size < off || !tx || !rx)
		return 0;
	b.feat = (struct hv_netback_fe){ .rx_sg = data[0] & 1, .rx_csum_blank = data[0] & 2 };
	fake_guest_fuzz_grants(&f.d, TABLE_GFN, data + 2, n, DATA_GFN, NR_DATA);
	memset(tx, 0, 4096);
	memset(rx, 0, 4096);
	memcpy(tx, data + off, size - off > 4096 ? 4096 : size - off);
	if (size - off > 4096)
		memcpy(rx, data + off + 4096, size - off - 4096 > 4096 ? 4096 : size - off - 4096);
	hv_netif_ring_init(&b.ring, tx, rx);
	transmit_all();
	receive_all(data[0]);
	return 0;
}
