/*
 * Block frontend: requests and responses on the ring (see blkfront.h).
 * Slot s's request carries id s; its segment i is page i of the slot, the
 * request's sectors filling the pages in order.
 */
#include "blkfront.h"
#include "evtchn.h"
#include "gnttab.h"
#include "lib.h"
#include "pvclock.h"

#define SYNC_WAIT_NS 10000000000ULL

static int free_slot(struct blkfront *b)
{
	for (unsigned s = 0; s < BLK_SLOTS; s++)
		if (!b->slots[s].busy)
			return (int)s;
	return -1;
}

/* Grants the slot's pages the request uses and fills in its segments. */
static void fill_segments(struct blkfront *b, struct blk_slot *sl, blkif_request_t *req)
{
	unsigned left = sl->count;

	for (unsigned i = 0; i < sl->nr_segs; i++) {
		unsigned n = MIN(left, BLK_SECTORS_PER_PAGE);

		gnttab_grant(sl->refs[i], b->xb.backend_id, (uintptr_t)sl->pages[i] / PAGE_SIZE,
			     sl->op == BLKIF_OP_WRITE);
		req->seg[i] = (struct blkif_request_segment){
			.gref = sl->refs[i], .first_sect = 0, .last_sect = (uint8_t)(n - 1),
		};
		left -= n;
	}
}

int blk_queue(struct blkfront *b, uint8_t op, uint64_t sector, unsigned count)
{
	int s = free_slot(b);
	struct blk_slot *sl;
	blkif_request_t *req;

	if (s < 0 || RING_FULL(&b->ring) || count > BLK_MAX_SECTORS)
		return -1;
	sl = &b->slots[s];
	sl->busy = true;
	sl->op = op;
	sl->sector = sector;
	sl->count = count;
	sl->nr_segs = (uint8_t)((count + BLK_SECTORS_PER_PAGE - 1) / BLK_SECTORS_PER_PAGE);
	req = RING_GET_REQUEST(&b->ring, b->ring.req_prod_pvt);
	*req = (blkif_request_t){ .operation = op, .nr_segments = sl->nr_segs,
				  .handle = b->xb.id, .id = (uint64_t)s, .sector_number = sector };
	fill_segments(b, sl, req);
	b->ring.req_prod_pvt++;
	b->in_flight++;
	return s;
}

void blk_push(struct blkfront *b)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&b->ring, notify);
	if (notify)
		evtchn_send(b->port);
}

/* Ends slot's grants and frees it; returns the response's status. */
static int16_t finish(struct blkfront *b, const blkif_response_t *rsp, unsigned *slot)
{
	struct blk_slot *sl;

	if (rsp->id >= BLK_SLOTS || !b->slots[rsp->id].busy) {
		b->errors++;
		*slot = BLK_SLOTS;
		return BLKIF_RSP_ERROR;
	}
	sl = &b->slots[rsp->id];
	for (unsigned i = 0; i < sl->nr_segs; i++)
		if (!gnttab_revoke(sl->refs[i]))
			b->grants_kept++;
	sl->busy = false;
	b->in_flight--;
	if (rsp->status != BLKIF_RSP_OKAY || rsp->operation != sl->op)
		b->errors++;
	*slot = (unsigned)rsp->id;
	return rsp->operation == sl->op ? rsp->status : BLKIF_RSP_ERROR;
}

static bool has_responses(void *arg)
{
	struct blkfront *b = arg;
	int more;

	RING_FINAL_CHECK_FOR_RESPONSES(&b->ring, more);
	return more;
}

long blk_complete(struct blkfront *b, uint64_t deadline,
		  void (*done)(struct blkfront *b, unsigned slot, int16_t status, void *arg),
		  void *arg)
{
	long n = 0;

	if (!evtchn_wait(b->port, has_responses, b, deadline))
		return -XEN_ETIMEDOUT;
	do {
		RING_IDX prod = b->ring.sring->rsp_prod;

		if (prod - b->ring.rsp_cons > RING_SIZE(&b->ring))
			return -XEN_EIO; /* the backend's index is beyond the ring */
		xen_rmb(); /* the responses after the index that says they are there */
		for (; b->ring.rsp_cons != prod; b->ring.rsp_cons++, n++) {
			blkif_response_t rsp = *RING_GET_RESPONSE(&b->ring, b->ring.rsp_cons);
			unsigned slot;
			int16_t status = finish(b, &rsp, &slot);

			if (done)
				done(b, slot, status, arg);
		}
	} while (has_responses(b));
	return n;
}

struct sync_result {
	unsigned slot;
	int16_t status;
};

static void sync_done(struct blkfront *b, unsigned slot, int16_t status, void *arg)
{
	struct sync_result *r = arg;

	(void)b;
	r->slot = slot;
	r->status = status;
}

long blk_sync(struct blkfront *b, uint8_t op, uint64_t sector, unsigned count, int *slot)
{
	struct sync_result r = { BLK_SLOTS, BLKIF_RSP_ERROR };
	long n;

	*slot = blk_queue(b, op, sector, count);
	if (*slot < 0)
		return -XEN_EBUSY;
	blk_push(b);
	n = blk_complete(b, xen_time_ns() + SYNC_WAIT_NS, sync_done, &r);
	if (n < 0)
		return n;
	return r.slot == (unsigned)*slot ? r.status : -XEN_EIO;
}
