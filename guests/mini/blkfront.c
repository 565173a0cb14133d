/*
 * Block frontend: the xenbus side (see blkfront.h).  The handshake follows
 * xen/io/blkif.h: wait for the backend to reach InitWait, publish ring-ref,
 * event-channel and protocol in a transaction, go Initialised, wait for the
 * backend to be Connected, read the geometry, go Connected.
 */
#include "blkfront.h"
#include "evtchn.h"
#include "gnttab.h"
#include "lib.h"

static struct blkfront vbd;

/* The ring page and every slot's references, and the event channel. */
static long setup_ring(struct blkfront *b)
{
	blkif_sring_t *sring = (blkif_sring_t *)b->ring_page;
	grant_ref_t first;
	long rc = gnttab_alloc(1 + BLK_SLOTS * BLK_SEGS, &first);

	if (rc)
		return xenbus_fail(&b->xb, "grant references", rc);
	memset(b->ring_page, 0, sizeof(b->ring_page));
	SHARED_RING_INIT(sring);
	FRONT_RING_INIT(&b->ring, sring, PAGE_SIZE);
	b->ring_ref = first++;
	gnttab_grant(b->ring_ref, b->xb.backend_id, (uintptr_t)b->ring_page / PAGE_SIZE, false);
	for (unsigned s = 0; s < BLK_SLOTS; s++)
		for (unsigned i = 0; i < BLK_SEGS; i++)
			b->slots[s].refs[i] = first++;
	rc = evtchn_alloc_unbound(b->xb.backend_id, &b->port);
	if (!rc && !evtchn_bind(b->port, 0, NULL, NULL))
		rc = -XEN_ENOSPC;
	return rc ? xenbus_fail(&b->xb, "event channel", rc) : 0;
}

/* xenbus_publish callback: the ring's coordinates. */
static long publish(void *arg, uint32_t tx)
{
	struct blkfront *b = arg;
	long rc = xenbus_printf(&b->xb, tx, "ring-ref", "%u", b->ring_ref);

	if (!rc)
		rc = xenbus_printf(&b->xb, tx, "event-channel", "%u", b->port);
	if (!rc)
		rc = xenbus_printf(&b->xb, tx, "protocol", "%s", XEN_IO_PROTO_ABI_X86_64);
	return rc;
}

static long read_geometry(struct blkfront *b)
{
	uint64_t sectors, size, info, flush;
	long rc = xenbus_read_u64(&b->xb, b->xb.back, "sectors", &sectors, UINT64_MAX);

	if (!rc)
		rc = xenbus_read_u64(&b->xb, b->xb.back, "sector-size", &size, UINT64_MAX);
	if (!rc)
		rc = xenbus_read_u64(&b->xb, b->xb.back, "info", &info, 0);
	if (!rc)
		rc = xenbus_read_u64(&b->xb, b->xb.back, "feature-flush-cache", &flush, 0);
	if (rc)
		return rc;
	if (size < BLK_SECTOR || size > PAGE_SIZE || (size & (size - 1)) ||
	    sectors > UINT64_MAX / size)
		return xenbus_fail(&b->xb, "sector-size", -XEN_EINVAL);
	b->sectors = sectors * (size / BLK_SECTOR);
	b->sector_size = (uint32_t)size;
	b->info = (uint32_t)info;
	b->flush = flush != 0;
	return 0;
}

long blk_connect(struct blkfront **out)
{
	struct blkfront *b = &vbd;
	long rc;

	b->xb.name = "blkfront";
	rc = xenbus_find(&b->xb, "vbd");
	if (!rc)
		rc = xenbus_wait_backend(&b->xb, XenbusStateInitWait);
	if (!rc)
		rc = setup_ring(b);
	if (!rc)
		rc = xenbus_publish(&b->xb, publish, b);
	if (!rc)
		rc = xenbus_set_state(&b->xb, XenbusStateInitialised);
	if (!rc)
		rc = xenbus_wait_backend(&b->xb, XenbusStateConnected);
	if (!rc)
		rc = read_geometry(b);
	if (!rc)
		rc = xenbus_set_state(&b->xb, XenbusStateConnected);
	*out = b;
	return rc;
}

long blk_disconnect(struct blkfront *b)
{
	long rc = xenbus_close(&b->xb, b->port);

	if (rc)
		return rc;
	if (!gnttab_revoke(b->ring_ref))
		return xenbus_fail(&b->xb, "revoking the ring's grant", -XEN_EBUSY);
	return 0;
}
