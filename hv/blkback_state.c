/*
 * The block backend's pause and its sub-record (docs/stream-format.md).
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

struct wire_hdr {
	uint32_t nr_disks; /* then per disk a wire_disk and the image path */
	uint32_t pad;
};
_Static_assert(sizeof(struct wire_hdr) == 8, "blkback state header");

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

void hv__blkback_pause(struct hv_domain *d)
{
	for (unsigned i = 0; i < d->nr_disks; i++) {
		struct hv_blkback *b = d->disks[i];

		pthread_mutex_lock(&b->lock);
		hv__blkback_stop(b);
		pthread_mutex_unlock(&b->lock);
	}
}

void hv__blkback_unpause(struct hv_domain *d)
{
	for (unsigned i = 0; i < d->nr_disks; i++) {
		struct hv_blkback *b = d->disks[i];

		pthread_mutex_lock(&b->lock);
		if (b->connected && !b->running && hv__blkback_start(b))
			hv_domain_stop(d, HV_STOP_ERROR); /* logged; the guest would hang */
		pthread_mutex_unlock(&b->lock);
	}
}

static int save_disk(struct hv_blkback *b, struct hv_state_buf *out)
{
	struct wire_disk w = { .devid = b->disk.devid, .state = (uint32_t)atomic_load(&b->state),
			       .sectors = b->sectors, .readonly = b->disk.readonly };
	int err;

	pthread_mutex_lock(&b->lock);
	if (b->connected) {
		w.connected = 1;
		w.abi = (uint8_t)b->ring.abi;
		w.ring_ref = b->ring_map.ref;
		w.ring_gpa = b->ring_map.gpa;
		w.port = b->port;
		w.req_cons = b->ring.req_cons;
		w.rsp_prod_pvt = b->ring.rsp_prod_pvt;
	}
	pthread_mutex_unlock(&b->lock);
	err = hv_state_put(out, &w, sizeof(w));
	return err ? err : hv_state_put_str(out, b->disk.target);
}

int hv__blkback_save(struct hv_domain *d, struct hv_state_buf *out)
{
	struct wire_hdr h = { .nr_disks = d->nr_disks };
	int err = hv_state_put(out, &h, sizeof(h));

	for (unsigned i = 0; !err && i < d->nr_disks; i++)
		err = save_disk(d->disks[i], out);
	return err;
}

/* Checks one disk's record against b, the configuration's disk. */
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
	return b->connected ? -EBUSY : 0;
}

/* Takes back the ring page and the port that b held.  b->lock held. */
static int reconnect(struct hv_blkback *b, const struct wire_disk *w)
{
	struct hv_domain *d = b->d;
	int err = hv_gnttab_adopt(d, w->ring_ref, true, w->ring_gpa, &b->ring_map);

	if (err) {
		log_warnx("disk %s: ring-ref %u at 0x%llx cannot be mapped again", b->disk.vdev,
			  w->ring_ref, (unsigned long long)w->ring_gpa);
		return err;
	}
	err = hv_evtchn_restore_backend(d, w->port, b->owner, hv__blkback_kick, b);
	if (err) {
		hv_gnttab_unmap(d, &b->ring_map);
		return err;
	}
	hv_blkif_ring_init(&b->ring, b->ring_map.host, (enum hv_blkif_abi)w->abi);
	b->ring.req_cons = w->req_cons;
	b->ring.rsp_prod_pvt = w->rsp_prod_pvt;
	b->port = w->port;
	b->connected = true;
	return 0;
}

/* Undoes the reconnections of the first n disks (a later one failed). */
static void undo(struct hv_domain *d, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct hv_blkback *b = d->disks[i];

		pthread_mutex_lock(&b->lock);
		if (b->connected) {
			hv_evtchn_unbind_backend(d, b->port);
			hv_gnttab_unmap(d, &b->ring_map);
			b->connected = false;
		}
		pthread_mutex_unlock(&b->lock);
	}
}

/* Reads and checks every disk's record into w; the paths stay in body. */
static int stage(struct hv_domain *d, const uint8_t *body, size_t len, struct wire_disk *w)
{
	struct hv_state_in in;
	struct wire_hdr h;
	int err = 0;

	hv_state_in_init(&in, body, len);
	if (hv_state_get(&in, &h, sizeof(h)) || h.pad || h.nr_disks != d->nr_disks)
		return -EINVAL;
	for (unsigned i = 0; !err && i < d->nr_disks; i++) {
		const char *target;

		if (hv_state_get(&in, &w[i], sizeof(w[i])) ||
		    !(target = hv_state_get_str(&in, HV_STATE_MAX_RECORD)))
			return -EINVAL;
		pthread_mutex_lock(&d->disks[i]->lock);
		err = check_disk(d->disks[i], &w[i], target);
		pthread_mutex_unlock(&d->disks[i]->lock);
	}
	return err ? err : hv_state_in_end(&in);
}

int hv__blkback_restore(struct hv_domain *d, uint32_t version, const uint8_t *body, size_t len)
{
	struct wire_disk *w;
	int err = 0;

	if (version != 1)
		return -ENOTSUP;
	w = calloc(d->nr_disks ? d->nr_disks : 1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	err = stage(d, body, len, w);
	for (unsigned i = 0; !err && i < d->nr_disks; i++) {
		struct hv_blkback *b = d->disks[i];

		pthread_mutex_lock(&b->lock);
		if (w[i].connected)
			err = reconnect(b, &w[i]);
		pthread_mutex_unlock(&b->lock);
		if (err)
			undo(d, i);
	}
	/* The "state" nodes came back with xenstore's record. */
	for (unsigned i = 0; !err && i < d->nr_disks; i++)
		atomic_store(&d->disks[i]->state, (int)w[i].state);
	free(w);
	return err;
}
