/*
 * The block backend's sub-record (docs/stream-format.md), and what its
 * pause (backend.c's) means for it.
 *
 * Pausing stops every disk's worker after the request in hand, which it
 * answers first: no request is ever in flight in a saved state, so each one
 * the guest queued is carried out exactly once, before the save or by the
 * restored worker, which finds it still in the shared ring (guest memory).
 * The record has, per disk of the configuration, what checks that the
 * restored domain has the same disk (device number, image path as written,
 * mode, size), the backend's xenbus state, and for a connected ring what
 * the backend holds of it: the mapped ring page (grant reference and where
 * it was), the event channel, the request layout the frontend asked for
 * and the private indices.  The frontend's side of the negotiation
 * (state, ring-ref, event-channel, protocol) is in xenstore's record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blkback.h"
#include "device_state.h"
#include "domain.h"
#include "log.h"

struct wire_disk {
	uint32_t devid;
	uint32_t state;        /* the backend's XenbusState */
	uint64_t sectors;
	uint8_t readonly;
	uint8_t connected;     /* below: zero unless connected */
	uint8_t abi;           /* enum hv_blkif_abi */
	uint8_t pad;
	uint32_t ring_ref;
	uint64_t ring_gpa;
	uint32_t port;
	uint32_t req_cons;     /* equal: nothing is in flight */
	uint32_t rsp_prod_pvt;
	uint32_t pad2;
};
_Static_assert(sizeof(struct wire_disk) == 48, "blkback state disk");
/* An entry (backend.h's record) is a wire_disk and the image path. */

/* The disk's entry (record save). */
static int save_disk(struct hv_backend *k, struct hv_state_buf *out)
{
	struct hv_blkback *b = hv__blkback_of(k);
	struct wire_disk w = { .devid = b->disk.devid, .state = (uint32_t)atomic_load(&k->state),
			       .sectors = b->sectors, .readonly = b->disk.readonly };
	int err;

	if (k->connected) {
		w.connected = 1;
		w.abi = (uint8_t)b->ring.abi;
		w.ring_ref = b->ring_map.ref;
		w.ring_gpa = b->ring_map.gpa;
		w.port = b->port;
		w.req_cons = b->ring.req_cons;
		w.rsp_prod_pvt = b->ring.rsp_prod_pvt;
	}
	err = hv_state_put(out, &w, sizeof(w));
	return err ? err : hv_state_put_str(out, b->disk.target);
}

/*
 * Checks one disk's record against b, the configuration's disk: 1 (it was
 * connected), 0 or -EINVAL.
 */
static int check_disk(const struct hv_blkback *b, const struct wire_disk *w, const char *target)
{
	bool idle = !w->abi && !w->ring_ref && !w->ring_gpa && !w->port && !w->req_cons &&
		    !w->rsp_prod_pvt;

	if (w->devid != b->disk.devid || strcmp(target, b->disk.target) ||
	    w->readonly != b->disk.readonly || w->sectors != b->sectors) {
		log_warnx("disk %s: the saved domain had another disk here (%u, %s)",
			  b->disk.vdev, w->devid, target);
		return -EINVAL;
	}
	if (w->state > XenbusStateReconfigured || w->connected > 1 || w->pad || w->pad2)
		return -EINVAL;
	if (!w->connected)
		return idle ? 0 : -EINVAL;
	if (w->abi > HV_BLKIF_ABI_32 || w->req_cons != w->rsp_prod_pvt || !w->port)
		return -EINVAL;
	return 1;
}

/* Reads the disk's entry and checks it (record read). */
static int read_disk(struct hv_backend *k, struct hv_state_in *in, void *w)
{
	const char *target;

	if (hv_state_get(in, w, sizeof(struct wire_disk)) ||
	    !(target = hv_state_get_str(in, HV_STATE_MAX_RECORD)))
		return -EINVAL;
	return check_disk(hv__blkback_of(k), w, target);
}

/* Takes back the ring page and the port that b held (record reconnect). */
static int reconnect(struct hv_backend *k, const void *entry)
{
	struct hv_blkback *b = hv__blkback_of(k);
	const struct wire_disk *w = entry;
	struct hv_domain *d = k->d;
	int err = hv_gnttab_adopt(d, w->ring_ref, true, w->ring_gpa, &b->ring_map);

	if (err) {
		log_warnx("disk %s: ring-ref %u at 0x%llx cannot be mapped again", b->disk.vdev,
			  w->ring_ref, (unsigned long long)w->ring_gpa);
		return err;
	}
	err = hv_evtchn_restore_backend(d, w->port, k->owner, hv_backend_kick, k);
	if (err) {
		hv_gnttab_unmap(d, &b->ring_map);
		return err;
	}
	hv_blkif_ring_init(&b->ring, b->ring_map.host, (enum hv_blkif_abi)w->abi);
	b->ring.req_cons = w->req_cons;
	b->ring.rsp_prod_pvt = w->rsp_prod_pvt;
	b->port = w->port;
	k->connected = true;
	return 0;
}

/* The "state" node came back with xenstore's record (record adopt). */
static void adopt(struct hv_backend *k, const void *w)
{
	atomic_store(&k->state, (int)((const struct wire_disk *)w)->state);
}

const struct hv_backend_record hv__blkback_record = {
	.size = sizeof(struct wire_disk), .save = save_disk, .read = read_disk,
	.reconnect = reconnect, .adopt = adopt,
};
