/*
 * The block backend: one struct hv_blkback per disk of the configuration
 * (d->disks), serving a raw image file to the guest's blkfront over one
 * blkif ring.
 *
 * blkback.c is the device and the xenbus side: the xenstore nodes, the
 * frontend's state, connecting and disconnecting the ring (on the xenstore
 * thread).  blkback_io.c is the data side: a worker thread per connected
 * disk that takes requests off the ring, moves the data through grant
 * copies and pread/pwrite, and answers.  This header is what the two share,
 * and what tests use to look inside.
 */
#ifndef HV_BLKBACK_H
#define HV_BLKBACK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <xen/event_channel.h>
#include <xen/io/xenbus.h>

#include "blkback_ring.h"
#include "device.h"
#include "disk.h"
#include "evtchn.h"
#include "gnttab.h"

struct hv_domain;

/*
 * The device, registered with HV_DEVICE: one instance serves every disk of
 * the domain's configuration.  Nothing calls into it; a test that refers
 * to it gets it linked in, and may restart it (exit, then init) after
 * changing cfg->disks.
 */
extern const struct hv_device hv_blkback_device;

struct hv_blkback {
	struct hv_domain *d;
	struct hv_disk disk;
	int fd;                 /* the image, O_RDWR or O_RDONLY */
	uint64_t sectors;       /* its size in HV_BLKIF_SECTOR units */
	char *fe, *be;          /* frontend and backend xenstore directories */
	char owner[HV_EVTCHN_OWNER_MAX]; /* its event channel's: "vbd/<devid>" */
	int wake_fd;            /* eventfd: the guest notified, or stop */
	pthread_mutex_t lock;   /* serialises the xenbus side with exit */
	atomic_int state;       /* the backend's xenbus state, as published */

	/* The connection: set up before the worker starts, torn down after it ends. */
	bool connected;
	struct hv_grant_map ring_map;
	struct hv_blkif_ring ring;
	evtchn_port_t port;
	pthread_t worker;
	bool running;           /* worker not joined yet (stopped while paused) */
	atomic_bool stop;       /* the worker ends */
	uint8_t *buf;           /* one request's data: 11 pages */
};

/*
 * Starts the worker on b's connected ring.  Returns 0 or -errno.
 * Called on the xenstore thread with b->lock held.
 */
int hv__blkback_start(struct hv_blkback *b);

/*
 * Checks and carries out one request on b's image, moving its data through
 * grant copies (the worker's body; the fuzzer calls it directly).  Returns
 * the response's status, BLKIF_RSP_OKAY only once the data is in the file
 * (or the guest's pages) and, for a flush, on disk.
 */
int16_t hv__blkback_handle(struct hv_blkback *b, const struct hv_blkif_req *req);

/*
 * Stops the worker and waits for it: it ends after the request in hand, so
 * that no request is in flight afterwards.  Nothing if it is not running.
 */
void hv__blkback_stop(struct hv_blkback *b);

/*
 * The event-channel callback for b's port (opaque is b): wakes the worker.
 * Runs on a vCPU thread and does not block.
 */
void hv__blkback_kick(struct hv_domain *d, evtchn_port_t port, void *opaque);

/*
 * Switches the backend's xenbus state (its "state" node).  Returns 0 or
 * -errno.  Any thread.
 */
int hv__blkback_set_state(struct hv_blkback *b, int state);

/*
 * The device's pause (stops every worker: no request in flight), unpause
 * (starts the workers of the connected disks again), save and restore
 * (blkback_state.c, docs/stream-format.md).
 */
void hv__blkback_pause(struct hv_domain *d);
void hv__blkback_unpause(struct hv_domain *d);
int hv__blkback_save(struct hv_domain *d, struct hv_state_buf *out);
int hv__blkback_restore(struct hv_domain *d, uint32_t version, const uint8_t *body, size_t len);

#endif
