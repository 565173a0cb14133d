/*
 * selftest: the block frontend, when the domain has a virtual block device:
 * the xenbus handshake, one read (the disk is not written: it may hold
 * data), and the orderly close.
 */
#include "blkfront.h"
#include "console.h"
#include "lib.h"
#include "selftest.h"

#define READ_SECTORS BLK_MAX_SECTORS

void st_vbd(struct selftest *t)
{
	struct blkfront *b;
	long rc = blk_connect(&b), status;
	int slot;

	if (rc == -XEN_ENOENT) {
		kprintf("selftest: no virtual block device, skipping the block checks\n");
		return;
	}
	st_checkf(t, rc == 0, "vbd.connect", "rc %ld", rc);
	if (rc)
		return;
	kprintf("selftest: vbd %s: %lu sectors, sector-size %u, info 0x%x, flush %d\n", b->xb.back,
		b->sectors, b->sector_size, b->info, b->flush);
	status = blk_sync(b, BLKIF_OP_READ, 0, (unsigned)MIN(READ_SECTORS, b->sectors), &slot);
	st_checkf(t, status == BLKIF_RSP_OKAY && !b->grants_kept, "vbd.read",
		  "status %ld, %u grants still in use after the response", status, b->grants_kept);
	st_expect(t, "vbd.disconnect", blk_disconnect(b), 0);
}
