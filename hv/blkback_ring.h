/*
 * The block backend's side of one blkif ring (xen/io/blkif.h, ring.h):
 * taking requests from the shared page and checking each field against the
 * disk, and putting responses back, in either request layout.
 *
 * The page is shared with a guest that may change it at any time: every
 * request slot is copied out once before anything in it is looked at, and
 * the producer index is checked against the ring's size, so that a hostile
 * frontend gets errors or a broken ring, never a loop or an overrun.
 */
#ifndef HV_BLKBACK_RING_H
#define HV_BLKBACK_RING_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/io/blkif.h>

/* Request layouts: the frontend's "protocol" node. */
enum hv_blkif_abi {
	HV_BLKIF_ABI_64, /* "x86_64-abi", and the default */
	HV_BLKIF_ABI_32, /* "x86_32-abi": 64-bit fields 4-byte aligned (GRUB) */
};

/* Requests in one page, in both layouts. */
#define HV_BLKIF_RING_SIZE 32u

/* Bytes in a sector, as the blkif protocol counts them. */
#define HV_BLKIF_SECTOR 512u

/* A request as the backend sees it, whatever its layout. */
struct hv_blkif_req {
	uint8_t op;
	uint8_t nr_segments;
	uint64_t id;
	uint64_t sector;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

/* The backend's private indices into one mapped shared ring page. */
struct hv_blkif_ring {
	void *page;
	enum hv_blkif_abi abi;
	RING_IDX req_cons;
	RING_IDX rsp_prod_pvt;
};

/*
 * The layout a "protocol" value names; NULL (absent) is x86_64.  Returns 0
 * or -EINVAL for any other value.
 */
int hv_blkif_abi_parse(const char *protocol, enum hv_blkif_abi *abi);

/* Starts r on a freshly connected page: no request consumed, none answered. */
void hv_blkif_ring_init(struct hv_blkif_ring *r, void *page, enum hv_blkif_abi abi);

/*
 * Takes the next request into req.  Returns 1, 0 when there is none (and
 * then asks the frontend to notify for the next one, checking once more
 * afterwards, as RING_FINAL_CHECK_FOR_REQUESTS does), or -EIO when the
 * indices are impossible (more unanswered requests than the ring holds):
 * the ring is broken and must not be used again.
 */
int hv_blkif_ring_next(struct hv_blkif_ring *r, struct hv_blkif_req *req);

/*
 * Puts a response in the next response slot and publishes it.  Returns
 * true if the frontend asked to be notified of it.
 */
bool hv_blkif_ring_respond(struct hv_blkif_ring *r, uint64_t id, uint8_t op, int16_t status);

/*
 * Decodes the request in a slot's bytes (slot points at 112 bytes for
 * HV_BLKIF_ABI_64, 108 for HV_BLKIF_ABI_32), which must be a private copy.
 */
void hv_blkif_decode(const uint8_t *slot, enum hv_blkif_abi abi, struct hv_blkif_req *req);

/*
 * Checks req against a disk of sectors sectors, read-only or not.  Returns
 * BLKIF_RSP_OKAY, BLKIF_RSP_EOPNOTSUPP for an operation the backend does
 * not advertise, or BLKIF_RSP_ERROR (bad segment count or sector range,
 * write to a read-only disk).  For an accepted request, *count is the
 * number of sectors it moves (0 for a flush without data).
 */
int hv_blkif_check(const struct hv_blkif_req *req, uint64_t sectors, bool readonly,
		   uint64_t *count);

#endif
