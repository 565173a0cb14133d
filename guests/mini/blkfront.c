/*
 * Block frontend: the xenbus side (see blkfront.h).  The handshake follows
 * xen/io/blkif.h: wait for the backend to reach InitWait, publish ring-ref,
 * event-channel and protocol in a transaction, go Initialised, wait for the
 * backend to be Connected, read the geometry, go Connected.
 */
#include "blkfront.h"
#include "console.h"
#include "evtchn.h"
#include "gnttab.h"
#include "lib.h"
#include "pvclock.h"
#include "xs.h"

#define STATE_WAIT_NS 10000000000ULL
#define TOKEN "vbd-state"
#define LIST_MAX 256
#define TX_TRIES 10

static struct blkfront vbd;

/* Prints what failed and passes rc on. */
static long fail(const char *what, long rc)
{
	kprintf("blkfront: %s failed: %ld\n", what, rc);
	return rc;
}

static long find_device(struct blkfront *b)
{
	char list[LIST_MAX], path[BLK_PATH_MAX];
	const char *p = list;
	uint64_t handle, id;
	long rc = xs_directory(XBT_NIL, "device/vbd", list, sizeof(list));

	if (rc <= 0)
		return rc == 0 || rc == -XEN_ENOENT ? -XEN_ENOENT : rc;
	if (!parse_u64(&p, &handle) || *p || handle > UINT16_MAX)
		return fail("device/vbd/<id>", -XEN_EINVAL);
	b->handle = (blkif_vdev_t)handle;
	fmt_snprintf(b->front, sizeof(b->front), "device/vbd/%s", list);
	fmt_snprintf(path, sizeof(path), "%s/backend", b->front);
	rc = xs_read(XBT_NIL, path, b->back, sizeof(b->back));
	if (rc < 0)
		return fail(path, rc);
	fmt_snprintf(path, sizeof(path), "%s/backend-id", b->front);
	rc = xs_read_u64(XBT_NIL, path, &id);
	if (rc || id > UINT16_MAX)
		return fail(path, rc ? rc : -XEN_EINVAL);
	b->backend_id = (domid_t)id;
	return 0;
}

/* Waits, watching it, until the backend's state is at least want. */
static long wait_backend(struct blkfront *b, unsigned want)
{
	char path[BLK_PATH_MAX], ev[BLK_PATH_MAX], tok[sizeof(TOKEN)];
	uint64_t deadline = xen_time_ns() + STATE_WAIT_NS, state = 0;
	long rc;

	fmt_snprintf(path, sizeof(path), "%s/state", b->back);
	rc = xs_watch(path, TOKEN);
	while (!rc) {
		rc = xs_read_u64(XBT_NIL, path, &state);
		if (rc || state >= want)
			break;
		rc = xs_read_watch(ev, sizeof(ev), tok, sizeof(tok), deadline);
	}
	xs_unwatch(path, TOKEN);
	if (rc)
		kprintf("blkfront: backend state %lu, waited for %u: %ld\n", state, want, rc);
	return rc;
}

static long set_state(struct blkfront *b, unsigned state)
{
	char path[BLK_PATH_MAX];

	fmt_snprintf(path, sizeof(path), "%s/state", b->front);
	return xs_printf(XBT_NIL, path, "%u", state);
}

/* The ring page and every slot's references, and the event channel. */
static long setup_ring(struct blkfront *b)
{
	blkif_sring_t *sring = (blkif_sring_t *)b->ring_page;
	grant_ref_t first;
	long rc = gnttab_alloc(1 + BLK_SLOTS * BLK_SEGS, &first);

	if (rc)
		return fail("grant references", rc);
	memset(b->ring_page, 0, sizeof(b->ring_page));
	SHARED_RING_INIT(sring);
	FRONT_RING_INIT(&b->ring, sring, PAGE_SIZE);
	b->ring_ref = first++;
	gnttab_grant(b->ring_ref, b->backend_id, (uintptr_t)b->ring_page / PAGE_SIZE, false);
	for (unsigned s = 0; s < BLK_SLOTS; s++)
		for (unsigned i = 0; i < BLK_SEGS; i++)
			b->slots[s].refs[i] = first++;
	rc = evtchn_alloc_unbound(b->backend_id, &b->port);
	if (!rc && !evtchn_bind(b->port, 0, NULL, NULL))
		rc = -XEN_ENOSPC;
	return rc ? fail("event channel", rc) : 0;
}

static long publish_once(struct blkfront *b, uint32_t tx)
{
	char path[BLK_PATH_MAX];
	long rc;

	fmt_snprintf(path, sizeof(path), "%s/ring-ref", b->front);
	rc = xs_printf(tx, path, "%u", b->ring_ref);
	fmt_snprintf(path, sizeof(path), "%s/event-channel", b->front);
	if (!rc)
		rc = xs_printf(tx, path, "%u", b->port);
	fmt_snprintf(path, sizeof(path), "%s/protocol", b->front);
	if (!rc)
		rc = xs_write(tx, path, XEN_IO_PROTO_ABI_X86_64);
	return rc;
}

/* Writes the ring's coordinates in one transaction, retried on conflicts. */
static long publish(struct blkfront *b)
{
	long rc = -XEN_EAGAIN;

	for (unsigned i = 0; i < TX_TRIES && rc == -XEN_EAGAIN; i++) {
		uint32_t tx;

		rc = xs_transaction_start(&tx);
		if (rc)
			break;
		rc = publish_once(b, tx);
		if (rc) {
			xs_transaction_end(tx, false);
			break;
		}
		rc = xs_transaction_end(tx, true);
	}
	return rc ? fail("publishing the ring", rc) : 0;
}

/* Reads an optional backend node: absent means default. */
static long read_back(struct blkfront *b, const char *node, uint64_t *value, uint64_t dflt)
{
	char path[BLK_PATH_MAX];
	long rc;

	fmt_snprintf(path, sizeof(path), "%s/%s", b->back, node);
	rc = xs_read_u64(XBT_NIL, path, value);
	if (rc == -XEN_ENOENT && dflt != UINT64_MAX) {
		*value = dflt;
		rc = 0;
	}
	return rc ? fail(path, rc) : 0;
}

static long read_geometry(struct blkfront *b)
{
	uint64_t sectors, size, info, flush;
	long rc = read_back(b, "sectors", &sectors, UINT64_MAX);

	if (!rc)
		rc = read_back(b, "sector-size", &size, UINT64_MAX);
	if (!rc)
		rc = read_back(b, "info", &info, 0);
	if (!rc)
		rc = read_back(b, "feature-flush-cache", &flush, 0);
	if (rc)
		return rc;
	if (size < BLK_SECTOR || size > PAGE_SIZE || (size & (size - 1)) ||
	    sectors > UINT64_MAX / size)
		return fail("sector-size", -XEN_EINVAL);
	b->sectors = sectors * (size / BLK_SECTOR);
	b->sector_size = (uint32_t)size;
	b->info = (uint32_t)info;
	b->flush = flush != 0;
	return 0;
}

long blk_connect(struct blkfront **out)
{
	struct blkfront *b = &vbd;
	long rc = find_device(b);

	if (!rc)
		rc = wait_backend(b, XenbusStateInitWait);
	if (!rc)
		rc = setup_ring(b);
	if (!rc)
		rc = publish(b);
	if (!rc)
		rc = set_state(b, XenbusStateInitialised);
	if (!rc)
		rc = wait_backend(b, XenbusStateConnected);
	if (!rc)
		rc = read_geometry(b);
	if (!rc)
		rc = set_state(b, XenbusStateConnected);
	*out = b;
	return rc;
}

long blk_disconnect(struct blkfront *b)
{
	long rc = set_state(b, XenbusStateClosing);

	if (!rc)
		rc = wait_backend(b, XenbusStateClosing);
	if (!rc)
		rc = set_state(b, XenbusStateClosed);
	if (!rc)
		rc = wait_backend(b, XenbusStateClosed);
	if (rc)
		return fail("closing", rc);
	evtchn_unbind(b->port);
	evtchn_close(b->port);
	if (!gnttab_revoke(b->ring_ref))
		return fail("revoking the ring's grant", -XEN_EBUSY);
	return 0;
}
