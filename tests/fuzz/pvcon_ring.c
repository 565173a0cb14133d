/*
 * libFuzzer target for the console ring (hv/pvcon_ring.c): a guest that
 * writes any index at any time against the backend's reads and writes.
 *
 * Input: 5-byte steps, an operation (1 byte) and a value (4 bytes, little
 * endian).  Operations 0-3 are the guest setting out_prod, out_cons,
 * in_prod, in_cons; 4 the backend reading output (value % 4096 bytes at
 * most); 5 the backend asking for input room; 6 the backend writing input
 * (value % 2048 bytes).  After each step the backend must have kept to its
 * arrays and answered within them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "fake_domain.h"
#include "log.h"
#include "pvcon_ring.h"

#define STEP 5

static struct fake_domain f;
static uint8_t *page;
static uint8_t before[HV_PAGE_SIZE];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fake_domain_init(&f, 16, 1) || hv_gmem_add_frame(&f.d.mem, HV_CONSOLE_GFN))
		fatal("cannot build the fuzzing domain");
	page = hv_gmem_map(&f.d.mem, HV_CONSOLE_GFN << HV_PAGE_SHIFT, HV_PAGE_SIZE, true);
	if (!page)
		fatal("cannot map the console page");
	return 0;
}

/* Bytes the backend may change: in[], out_cons and in_prod. */
static void check_kept_out(void)
{
	size_t out = offsetof(struct xencons_interface, out);
	size_t end = sizeof(struct xencons_interface);

	if (memcmp(page + out, before + out, HV_PVCON_OUT_SIZE) ||
	    memcmp(page + end, before + end, HV_PAGE_SIZE - end) ||
	    memcmp(page + offsetof(struct xencons_interface, in_cons),
		   before + offsetof(struct xencons_interface, in_cons), 4) ||
	    memcmp(page + offsetof(struct xencons_interface, out_prod),
		   before + offsetof(struct xencons_interface, out_prod), 4))
		abort();
}

/* Runs backend operation op; returns false if it answered wrongly. */
static bool backend(struct xencons_interface *r, unsigned op, uint32_t v)
{
	static char buf[4096];
	XENCONS_RING_IDX out_used = r->out_prod - r->out_cons;
	XENCONS_RING_IDX in_used = r->in_prod - r->in_cons;
	size_t want, room;
	ssize_t n;

	switch (op) {
	case 4:
		want = v % sizeof(buf);
		n = hv_pvcon_ring_read(r, buf, want);
		if (out_used > HV_PVCON_OUT_SIZE)
			return n == -EIO && r->out_cons == r->out_prod;
		return n == (ssize_t)(out_used < want ? out_used : want);
	case 5:
		if (in_used > HV_PVCON_IN_SIZE)
			return hv_pvcon_ring_room(r, &room) == -EIO && room == 0;
		return hv_pvcon_ring_room(r, &room) == 0 && room == HV_PVCON_IN_SIZE - in_used;
	default:
		want = v % 2048;
		n = hv_pvcon_ring_write(r, buf, want);
		if (in_used > HV_PVCON_IN_SIZE)
			return n == -EIO;
		room = HV_PVCON_IN_SIZE - in_used;
		return n == (ssize_t)(room < want ? room : want);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xencons_interface *r = (struct xencons_interface *)page;

	memset(page, 0x5a, HV_PAGE_SIZE);
	memset(page, 0, sizeof(*r) - 4 * sizeof(XENCONS_RING_IDX));
	r->in_cons = r->in_prod = r->out_cons = r->out_prod = 0;
	for (size_t at = 0; at + STEP <= size; at += STEP) {
		unsigned op = data[at] % 7;
		uint32_t v;

		memcpy(&v, data + at + 1, sizeof(v));
		switch (op) {
		case 0: r->out_prod = v; break;
		case 1: r->out_cons = v; break;
		case 2: r->in_prod = v; break;
		case 3: r->in_cons = v; break;
		default:
			memcpy(before, page, HV_PAGE_SIZE);
			if (!backend(r, op, v))
				abort();
			check_kept_out();
		}
	}
	return 0;
}
