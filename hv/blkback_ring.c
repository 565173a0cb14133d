/*
 * blkif rings (see blkback_ring.h).
 *
 * The shared page starts with four indices (req_prod, req_event, rsp_prod,
 * rsp_event) and padding to 64 bytes; then come the slots, each a union of
 * a request and a response.  A 64-bit frontend's request is 112 bytes with
 * id at 8; a 32-bit one (x86_32-abi, GRUB) aligns its 64-bit fields to 4
 * bytes: 108 bytes, id at 4.  Responses (id, operation, status) are laid
 * out alike in both, 16 or 12 bytes.  Either way 32 slots fit in a page.
 */
#include "blkback_ring.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <xen/io/protocols.h>

#define HEADER 64u
#define PAGE 4096u
#define SECTORS_PER_PAGE (PAGE / HV_BLKIF_SECTOR)

/* Where a layout keeps a request's fields, and its slot size. */
struct layout {
	size_t slot, id, sector, seg;
};

static const struct layout layouts[] = {
	[HV_BLKIF_ABI_64] = { 112, 8, 16, 24 },
	[HV_BLKIF_ABI_32] = { 108, 4, 12, 20 },
};

_Static_assert(sizeof(blkif_request_t) == 112 && offsetof(blkif_request_t, id) == 8 &&
		       offsetof(blkif_request_t, sector_number) == 16 &&
		       offsetof(blkif_request_t, seg) == 24,
	       "the 64-bit request layout is Xen's native one");
_Static_assert(offsetof(struct blkif_sring, ring) == HEADER, "the ring header is 64 bytes");
_Static_assert(sizeof(struct blkif_request_segment) == 8, "segments are 8 bytes");
_Static_assert(offsetof(blkif_response_t, operation) == 8 &&
		       offsetof(blkif_response_t, status) == 10,
	       "responses: id, operation, status");
_Static_assert(HEADER + HV_BLKIF_RING_SIZE * 112 <= PAGE &&
		       HEADER + 2 * HV_BLKIF_RING_SIZE * 108 > PAGE,
	       "32 slots in a page, in both layouts (the size is a power of two)");

/* The shared indices, which the guest may change at any time. */
#define REQ_PROD offsetof(struct blkif_sring, req_prod)
#define REQ_EVENT offsetof(struct blkif_sring, req_event)
#define RSP_PROD offsetof(struct blkif_sring, rsp_prod)
#define RSP_EVENT offsetof(struct blkif_sring, rsp_event)

static RING_IDX *shared(const struct hv_blkif_ring *r, size_t off)
{
	return (RING_IDX *)((uint8_t *)r->page + off);
}

static uint8_t *slot(const struct hv_blkif_ring *r, RING_IDX i)
{
	return (uint8_t *)r->page + HEADER + (i % HV_BLKIF_RING_SIZE) * layouts[r->abi].slot;
}

int hv_blkif_abi_parse(const char *protocol, enum hv_blkif_abi *abi)
{
	if (!protocol || !strcmp(protocol, XEN_IO_PROTO_ABI_X86_64))
		*abi = HV_BLKIF_ABI_64;
	else if (!strcmp(protocol, XEN_IO_PROTO_ABI_X86_32))
		*abi = HV_BLKIF_ABI_32;
	else
		return -EINVAL;
	return 0;
}

void hv_blkif_ring_init(struct hv_blkif_ring *r, void *page, enum hv_blkif_abi abi)
{
	*r = (struct hv_blkif_ring){ .page = page, .abi = abi };
}

void hv_blkif_decode(const uint8_t *s, enum hv_blkif_abi abi, struct hv_blkif_req *req)
{
	const struct layout *l = &layouts[abi];

	memset(req, 0, sizeof(*req));
	req->op = s[0];
	req->nr_segments = s[1];
	memcpy(&req->id, s + l->id, sizeof(req->id));
	memcpy(&req->sector, s + l->sector, sizeof(req->sector));
	memcpy(req->seg, s + l->seg, sizeof(req->seg));
}

/* Unconsumed requests, or -EIO if the producer is further than a ring ahead. */
static int64_t unconsumed(struct hv_blkif_ring *r)
{
	RING_IDX n = __atomic_load_n(shared(r, REQ_PROD), __ATOMIC_ACQUIRE) - r->req_cons;

	return n > HV_BLKIF_RING_SIZE ? -EIO : (int64_t)n;
}

int hv_blkif_ring_next(struct hv_blkif_ring *r, struct hv_blkif_req *req)
{
	uint8_t copy[112];
	int64_t n = unconsumed(r);

	if (n == 0) {
		__atomic_store_n(shared(r, REQ_EVENT), r->req_cons + 1, __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		n = unconsumed(r);
	}
	if (n <= 0)
		return (int)n;
	memcpy(copy, slot(r, r->req_cons), layouts[r->abi].slot);
	r->req_cons++;
	hv_blkif_decode(copy, r->abi, req);
	return 1;
}

bool hv_blkif_ring_respond(struct hv_blkif_ring *r, uint64_t id, uint8_t op, int16_t status)
{
	uint8_t *s = slot(r, r->rsp_prod_pvt);
	RING_IDX new = ++r->rsp_prod_pvt;

	memcpy(s, &id, sizeof(id));
	s[8] = op;
	memcpy(s + 10, &status, sizeof(status));
	__atomic_store_n(shared(r, RSP_PROD), new, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* RING_PUSH_RESPONSES_AND_CHECK_NOTIFY for one response: asked for this one? */
	return __atomic_load_n(shared(r, RSP_EVENT), __ATOMIC_ACQUIRE) == new;
}

/* Sectors the segments name, or 0 if one of them is malformed. */
static uint64_t segment_sectors(const struct hv_blkif_req *req)
{
	uint64_t count = 0;

	for (unsigned i = 0; i < req->nr_segments; i++) {
		const struct blkif_request_segment *s = &req->seg[i];

		if (s->first_sect > s->last_sect || s->last_sect >= SECTORS_PER_PAGE)
			return 0;
		count += s->last_sect - s->first_sect + 1u;
	}
	return count;
}

int hv_blkif_check(const struct hv_blkif_req *req, uint64_t sectors, bool readonly,
		   uint64_t *count)
{
	bool writes = req->op == BLKIF_OP_WRITE ||
		      (req->op == BLKIF_OP_FLUSH_DISKCACHE && req->nr_segments);

	*count = 0;
	if (req->op != BLKIF_OP_READ && req->op != BLKIF_OP_WRITE &&
	    req->op != BLKIF_OP_FLUSH_DISKCACHE)
		return BLKIF_RSP_EOPNOTSUPP;
	if (req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST ||
	    (req->op != BLKIF_OP_FLUSH_DISKCACHE && !req->nr_segments) || (writes && readonly))
		return BLKIF_RSP_ERROR;
	if (!req->nr_segments)
		return BLKIF_RSP_OKAY;
	*count = segment_sectors(req);
	if (!*count || req->sector > sectors || *count > sectors - req->sector) {
		*count = 0;
		return BLKIF_RSP_ERROR;
	}
	return BLKIF_RSP_OKAY;
}
