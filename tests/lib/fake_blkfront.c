#include "fake_blkfront.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blkback.h"
#include "domain.h"
#include "fake_domain.h"
#include "fake_guest.h"
#include "xenstore.h"

#define RING (FAKE_BLK_RING_GFN << HV_PAGE_SHIFT)
#define SLOT 112 /* a request in the 64-bit layout */

int fake_blkfront_set_disk(struct fake_domain *f, const char *spec)
{
	struct hv_strlist *l = &f->cfg.disks;

	hv_blkback_device.exit(&f->d);
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->n = 0;
	l->v = calloc(1, sizeof(*l->v));
	if (!l->v || !(l->v[0] = strdup(spec)))
		return -ENOMEM;
	l->n = 1;
	return hv_blkback_device.init(&f->d);
}

static RING_IDX *ring_idx(struct hv_domain *d, size_t off)
{
	return hv_gmem_map(&d->mem, RING + off, sizeof(RING_IDX), true);
}

static int fe_write(struct hv_domain *d, unsigned devid, const char *name, unsigned value)
{
	char path[96];

	snprintf(path, sizeof(path), "/local/domain/%u/device/vbd/%u/%s", d->domid, devid, name);
	return hv_xs_printf(d, path, "%u", value);
}

/* Waits up to 5 s for the backend's state to be Connected. */
static int backend_connected(struct hv_domain *d, unsigned devid)
{
	struct timespec tick = { 0, 1000000 };
	char path[96], *v = NULL;

	snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u/%u/state", d->domid, devid);
	for (int i = 0; i < 5000; i++, nanosleep(&tick, NULL)) {
		bool up = !hv_xs_read(d, path, &v) && !strcmp(v, "4");

		free(v);
		v = NULL;
		if (up)
			return 0;
	}
	return -ETIMEDOUT;
}

int fake_blkfront_connect(struct hv_domain *d, struct fake_blkfront *fe, unsigned devid)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 0 };
	int err;

	*fe = (struct fake_blkfront){ .devid = devid };
	if (fake_guest_map_grant_frame(&d->vcpus[0], 0, FAKE_BLK_TABLE_GFN) ||
	    fake_guest_evtchn(&d->vcpus[0], EVTCHNOP_alloc_unbound, &a, sizeof(a)))
		return -EINVAL;
	fe->port = a.port;
	fake_guest_grant(d, FAKE_BLK_TABLE_GFN, FAKE_BLK_RING_REF, GTF_permit_access,
			 FAKE_BLK_RING_GFN);
	fake_guest_grant(d, FAKE_BLK_TABLE_GFN, FAKE_BLK_DATA_REF, GTF_permit_access,
			 FAKE_BLK_DATA_GFN);
	hv_gmem_fill(&d->mem, RING, 0, HV_PAGE_SIZE);
	*ring_idx(d, offsetof(struct blkif_sring, req_event)) = 1;
	*ring_idx(d, offsetof(struct blkif_sring, rsp_event)) = 1;
	err = fe_write(d, devid, "ring-ref", FAKE_BLK_RING_REF);
	if (!err)
		err = fe_write(d, devid, "event-channel", fe->port);
	if (!err)
		err = fe_write(d, devid, "state", XenbusStateInitialised);
	if (!err)
		err = backend_connected(d, devid);
	return err ? err : fe_write(d, devid, "state", XenbusStateConnected);
}

void fake_blkfront_submit(struct hv_domain *d, struct fake_blkfront *fe, uint8_t op,
			  uint64_t sector, uint64_t id, bool notify)
{
	blkif_request_t r = { .operation = op, .nr_segments = 1, .id = id,
			      .sector_number = sector };
	struct evtchn_send s = { .port = fe->port };

	r.seg[0] = (struct blkif_request_segment){ .gref = FAKE_BLK_DATA_REF, .last_sect = 7 };
	hv_gmem_write(&d->mem, RING + 64 + (fe->req_prod % 32) * SLOT, &r, SLOT);
	__atomic_store_n(ring_idx(d, offsetof(struct blkif_sring, req_prod)), ++fe->req_prod,
			 __ATOMIC_RELEASE);
	if (notify)
		fake_guest_evtchn(&d->vcpus[0], EVTCHNOP_send, &s, sizeof(s));
}

int fake_blkfront_response(struct hv_domain *d, struct fake_blkfront *fe, uint64_t *id,
			   int16_t *status)
{
	struct timespec tick = { 0, 1000000 };
	uint8_t slot[12];

	for (int i = 0; i < 5000; i++, nanosleep(&tick, NULL)) {
		if (__atomic_load_n(ring_idx(d, offsetof(struct blkif_sring, rsp_prod)),
				    __ATOMIC_ACQUIRE) == fe->rsp_cons)
			continue;
		hv_gmem_read(&d->mem, RING + 64 + (fe->rsp_cons++ % 32) * SLOT, slot, sizeof(slot));
		memcpy(id, slot, 8);
		memcpy(status, slot + 10, 2);
		return 0;
	}
	return -ETIMEDOUT;
}
