/*
 * Block frontend (xen/io/blkif.h, 64-bit ABI): connects to one virtual
 * block device (device/vbd/<id>) through xenstore, with one ring page and
 * BLK_SLOTS requests in flight of up to BLK_SEGS pages each.  Each slot
 * owns its data pages and their grant references; a reference is granted
 * for the length of one request (read-only to the backend for a write) and
 * revoked when the response arrives.
 *
 * Connecting and disconnecting need xenstore (xs.h) and run in ring 0 or
 * ring 3; the I/O calls work in both.  One caller at a time.
 */
#ifndef MINI_BLKFRONT_H
#define MINI_BLKFRONT_H

#include <stdbool.h>
#include <stdint.h>

#include "xen_ring.h"

#include "layout.h"
#include "xenbus.h"

#define BLK_SEGS BLKIF_MAX_SEGMENTS_PER_REQUEST
#define BLK_SLOTS __CONST_RING_SIZE(blkif, PAGE_SIZE)
#define BLK_SECTOR 512
#define BLK_SECTORS_PER_PAGE (PAGE_SIZE / BLK_SECTOR)
#define BLK_MAX_SECTORS (BLK_SEGS * BLK_SECTORS_PER_PAGE) /* per request */

struct blk_slot {
	bool busy;
	uint8_t op;
	uint8_t nr_segs;
	uint64_t sector;
	unsigned count; /* 512-byte sectors */
	grant_ref_t refs[BLK_SEGS];
	uint8_t pages[BLK_SEGS][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
};

struct blkfront {
	struct xenbus_dev xb;       /* device/vbd/<id>; its id is the request handle */
	uint64_t sectors;           /* disk size in 512-byte sectors */
	uint32_t sector_size;       /* the backend's logical block size */
	uint32_t info;              /* VDISK_* */
	bool flush;                 /* feature-flush-cache */
	evtchn_port_t port;
	grant_ref_t ring_ref;
	blkif_front_ring_t ring;
	unsigned in_flight;
	unsigned errors;            /* responses whose status was not OKAY */
	unsigned grants_kept;       /* grants the backend still held after responding */
	uint8_t ring_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
	struct blk_slot slots[BLK_SLOTS];
};

/*
 * Finds the first device under device/vbd (or returns -XEN_ENOENT), and
 * connects to it: ring, grants, event channel, the xenbus handshake up to
 * both sides Connected, and the disk's geometry.  There is one frontend;
 * *out points at it.  Returns 0 or a negative Xen errno, with a message
 * printed that says which step failed (none for -XEN_ENOENT).
 */
long blk_connect(struct blkfront **out);

/*
 * Closes the connection: front state 5 then 6, each after the backend
 * followed, then the channel and the ring's grant.  Returns 0 or a
 * negative Xen errno (with a message).
 */
long blk_disconnect(struct blkfront *b);

/*
 * Queues a request on a free slot: op is BLKIF_OP_READ, BLKIF_OP_WRITE (the
 * data is in the slot's pages) or BLKIF_OP_FLUSH_DISKCACHE (count 0).
 * count is at most BLK_MAX_SECTORS.  The backend is notified by blk_push.
 * Returns the slot, or -1 if none is free.
 */
int blk_queue(struct blkfront *b, uint8_t op, uint64_t sector, unsigned count);

/* Publishes queued requests and notifies the backend if it asked to be. */
void blk_push(struct blkfront *b);

/*
 * Takes the responses that have arrived, waiting until system time
 * deadline for at least one if none has; frees their slots and calls
 * done(b, slot, status, arg) for each (the slot's pages still hold read
 * data).  Returns the number of responses, -XEN_ETIMEDOUT, or -XEN_EIO if
 * the backend's producer index is beyond the ring.
 */
long blk_complete(struct blkfront *b, uint64_t deadline,
		  void (*done)(struct blkfront *b, unsigned slot, int16_t status, void *arg),
		  void *arg);

/*
 * Makes one request and waits for it (all others must have completed).
 * Returns its BLKIF_RSP_* status, or a negative Xen errno; *slot is the
 * slot used, whose pages hold what a read brought.
 */
long blk_sync(struct blkfront *b, uint8_t op, uint64_t sector, unsigned count, int *slot);

#endif
