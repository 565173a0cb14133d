/*
 * libFuzzer target for blkif request handling: the input is a frontend's
 * shared ring page (indices and request slots, in either layout) and the
 * grant entries its segments name; the backend takes every request off
 * the ring, checks it and carries it out on a small image (a memfd)
 * through grant copies, and answers, as its worker does.  Checked: the
 * ring never yields more requests than it holds, every request gets one
 * response, and the image never grows (no write past its end).
 *
 * Input: flags (1 byte: bit 0 32-bit layout, bit 1 read-only disk), a
 * count N (1 byte), N grant entries (8 bytes each), then the ring page.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blkback.h"
#include "fake_domain.h"
#include "fake_guest.h"
#include "log.h"

#define TABLE_GFN 0x20ULL
#define RING_GFN 0x21ULL
#define DATA_GFN 0x30ULL
#define NR_DATA 16
#define IMAGE_SECTORS 64

static struct fake_domain f;
static struct hv_blkback b;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static uint8_t buf[BLKIF_MAX_SEGMENTS_PER_REQUEST * 4096];
	static char name[] = "(fuzz image)";
	uint8_t image[IMAGE_SECTORS * 512];

	(void)argc;
	(void)argv;
	if (fake_domain_init(&f, 16, 1) || hv_gnttab_add_frame(&f.d, 0, TABLE_GFN))
		fatal("cannot build the fuzzing domain");
	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)i;
	b.bk.d = &f.d;
	b.fd = memfd_create("fuzz-image", MFD_CLOEXEC);
	if (b.fd < 0 || pwrite(b.fd, image, sizeof(image), 0) != (ssize_t)sizeof(image))
		fatal("cannot make the image");
	b.sectors = IMAGE_SECTORS;
	b.buf = buf;
	snprintf(b.disk.vdev, sizeof(b.disk.vdev), "xvda");
	b.disk.target = name;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size >= 2 ? data[1] : 0, off = 2 + n * 8;
	void *page = hv_gmem_map(&f.d.mem, RING_GFN << 12, 4096, true);
	struct hv_blkif_req req;
	struct stat st;
	unsigned taken = 0;
	int got;

	if (size < off || !page)
		return 0;
	b.disk.readonly = data[0] & 2;
	fake_guest_fuzz_grants(&f.d, TABLE_GFN, data + 2, n, DATA_GFN, NR_DATA);
	memset(page, 0, 4096);
	memcpy(page, data + off, size - off > 4096 ? 4096 : size - off);
	hv_blkif_ring_init(&b.ring, page, data[0] & 1 ? HV_BLKIF_ABI_32 : HV_BLKIF_ABI_64);
	while ((got = hv_blkif_ring_next(&b.ring, &req)) > 0) {
		if (++taken > HV_BLKIF_RING_SIZE)
			__builtin_trap();
		hv_blkif_ring_respond(&b.ring, req.id, req.op, hv__blkback_handle(&b, &req));
	}
	if (b.ring.rsp_prod_pvt != taken || fstat(b.fd, &st) || st.st_size != IMAGE_SECTORS * 512)
		__builtin_trap();
	return 0;
}
