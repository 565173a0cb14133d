/*
 * The block backend: one struct hv_blkback per disk of the configuration
 * (d->disks), serving a raw image file to the guest's blkfront over one
 * blkif ring.
 *
 * blkback.c is the device and the xenbus side: the xenstore nodes,
 * connecting and disconnecting the ring (on the xenstore thread); the
 * state machine, the worker thread and the list of disks are backend.c's.
 * blkback_io.c is the data side: the worker's body, which takes requests
 * off the ring, moves the data through grant copies and pread/pwrite, and
 * answers.  This header is what they share, and what tests use to look
 * inside.
 */
#ifndef HV_BLKBACK_H
#define HV_BLKBACK_H

#include <stddef.h>
#include <stdint.h>

#include <xen/event_channel.h>
#include <xen/io/xenbus.h>

#include "backend.h"
#include "blkback_ring.h"
#include "device.h"
#include "disk.h"
#include "evtchn.h"
#include "gnttab.h"

struct hv_domain;

/*
 * The device, registered with HV_BACKEND_DEVICE: one instance serves every
 * disk of the domain's configuration.  Nothing calls into it; a test that
 * refers to it gets it linked in, and may restart it (exit, then init)
 * after changing cfg->disks.
 */
extern const struct hv_device hv_blkback_device;

struct hv_blkback {
	struct hv_backend bk;   /* what d->disks holds */
	struct hv_disk disk;
	int fd;                 /* the image, O_RDWR or O_RDONLY */
	uint64_t sectors;       /* its size in HV_BLKIF_SECTOR units */

	/* The connection: set up before the worker starts, torn down after it ends. */
	struct hv_grant_map ring_map;
	struct hv_blkif_ring ring;
	evtchn_port_t port;
	uint8_t *buf;           /* one request's data: 11 pages */
};

_Static_assert(offsetof(struct hv_blkback, bk) == 0, "backend.c allocates it");

/* The disk of one of d->disks. */
static inline struct hv_blkback *hv__blkback_of(struct hv_backend *b)
{
	return (struct hv_blkback *)((char *)b - offsetof(struct hv_blkback, bk));
}

/*
 * Checks and carries out one request on b's image, moving its data through
 * grant copies (the worker's body; the fuzzer calls it directly).  Returns
 * the response's status, BLKIF_RSP_OKAY only once the data is in the file
 * (or the guest's pages) and, for a flush, on disk.
 */
int16_t hv__blkback_handle(struct hv_blkback *b, const struct hv_blkif_req *req);

/*
 * The worker (ops work; b is a disk's bk): takes requests off the ring and
 * answers them until told to stop, which it sees after the request in
 * hand, so that no request is in flight afterwards.
 */
void hv__blkback_work(struct hv_backend *b);

/* The disks' part of the device-state record (blkback_state.c, docs/stream-format.md). */
extern const struct hv_backend_record hv__blkback_record;

#endif
