/*
 * A block frontend for tests and fuzzers on a fake domain with a disk: it
 * lays out a grant table, a shared ring and one data page in guest memory,
 * connects to the backend through xenstore as blkfront does, and puts
 * one-page requests on the ring.  Its indices are the guest's: they go on
 * across a save and a restore (the ring itself is guest memory).
 */
#ifndef TESTS_FAKE_BLKFRONT_H
#define TESTS_FAKE_BLKFRONT_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/event_channel.h>
#include <xen/io/blkif.h>
#include <xen/io/xenbus.h>

struct hv_domain;
struct fake_domain;

#define FAKE_BLK_TABLE_GFN 0x20ULL /* grant frame 0 */
#define FAKE_BLK_RING_GFN 0x21ULL  /* granted as FAKE_BLK_RING_REF */
#define FAKE_BLK_DATA_GFN 0x22ULL  /* granted as FAKE_BLK_DATA_REF */
#define FAKE_BLK_RING_REF 1
#define FAKE_BLK_DATA_REF 2

struct fake_blkfront {
	unsigned devid;
	evtchn_port_t port;
	RING_IDX req_prod, rsp_cons;
};

/*
 * Restarts f's block device with the one disk of spec (xl syntax).
 * Returns 0 or -errno.
 */
int fake_blkfront_set_disk(struct fake_domain *f, const char *spec);

/*
 * Connects to disk devid of d (whose shared_info is placed): grants, port,
 * ring, the frontend's nodes, Initialised; waits up to 5 s for the backend
 * to say Connected and says Connected too.  Returns 0 or -errno.
 */
int fake_blkfront_connect(struct hv_domain *d, struct fake_blkfront *fe, unsigned devid);

/*
 * Puts a one-page request (op, sector, id) on the ring, through the data
 * page, and notifies if asked.
 */
void fake_blkfront_submit(struct hv_domain *d, struct fake_blkfront *fe, uint8_t op,
			  uint64_t sector, uint64_t id, bool notify);

/*
 * Takes the next response, waiting up to 5 s: its id and status.  Returns
 * 0 or -ETIMEDOUT.
 */
int fake_blkfront_response(struct hv_domain *d, struct fake_blkfront *fe, uint64_t *id,
			   int16_t *status);

#endif
