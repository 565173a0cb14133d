/*
 * The block backend device (see blkback.h): the disks of cfg->disks, their
 * xenstore nodes and the xenbus state machine.
 *
 * For disk <devid> of domain <id> (devid is the vdev's number):
 *
 *   /local/domain/<id>/device/vbd/<devid>     the guest's ("n<id> r0"):
 *     backend, backend-id = 0, virtual-device, device-type = disk, state;
 *     the frontend adds ring-ref, event-channel, protocol
 *   /local/domain/0/backend/vbd/<id>/<devid>  dom0's ("n0 r<id>"):
 *     frontend, frontend-id, online, removable, bootable, dev (the vdev's
 *     name, which GRUB calls the disk by), type, params (the image),
 *     mode (r or w), device-type, sectors, sector-size and
 *     physical-sector-size (512), info (VDISK_READONLY for a read-only
 *     disk), feature-flush-cache = 1, state
 *
 * The backend starts in InitWait, everything written: GRUB reads the nodes
 * as soon as the state is not InitWait any more.  A watch on the
 * frontend's state drives the rest, as Linux's blkback does: Initialised
 * or Connected connects the ring (map ring-ref, bind event-channel, start
 * the worker) and says Connected; Closing is echoed; Closed disconnects and
 * says Closed; Initialising after Closed says InitWait again, ready for the
 * next frontend (GRUB closes its disks before it boots a kernel, whose
 * blkfront then connects anew).
 *
 * Not offered (docs/block.md says why): barriers, discard, persistent
 * grants, indirect descriptors, multi-page rings and multiple queues.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blkback.h"
#include "device_state.h"
#include "domain.h"
#include "evtchn.h"
#include "log.h"
#include "xenstore.h"

/* The largest request: BLKIF_MAX_SEGMENTS_PER_REQUEST pages. */
#define BUF_SIZE (BLKIF_MAX_SEGMENTS_PER_REQUEST * 4096)

/* Writes dir/name = printf(fmt, ...); returns 0 or -errno. */
static int put(struct hv_blkback *b, const char *dir, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int put(struct hv_blkback *b, const char *dir, const char *name, const char *fmt, ...)
{
	char path[256], *value = NULL;
	va_list ap;
	int err, n;

	va_start(ap, fmt);
	n = vasprintf(&value, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = hv_xs_write(b->d, path, value);
	free(value);
	return err;
}

/* Reads dir/name as a number below 2^32; -ENOENT, -EINVAL or -errno. */
static int get_u32(struct hv_blkback *b, const char *name, uint32_t *out)
{
	char path[256], *value = NULL, *end;
	unsigned long long v;
	int err;

	snprintf(path, sizeof(path), "%s/%s", b->fe, name);
	err = hv_xs_read(b->d, path, &value);
	if (err)
		return err;
	errno = 0;
	v = strtoull(value, &end, 10);
	err = value[0] < '0' || value[0] > '9' || *end || errno || v > UINT32_MAX ? -EINVAL : 0;
	free(value);
	*out = (uint32_t)v;
	return err;
}

int hv__blkback_set_state(struct hv_blkback *b, int state)
{
	atomic_store(&b->state, state);
	return put(b, b->be, "state", "%d", state);
}

/*
 * Makes directory dir, owned by owner and readable by reader; the nodes
 * written below it inherit that.
 */
static int make_dir(struct hv_blkback *b, const char *dir, unsigned owner, unsigned reader)
{
	char perms[32];
	int err = hv_xs_write(b->d, dir, "");

	snprintf(perms, sizeof(perms), "n%u r%u", owner, reader);
	return err ? err : hv_xs_set_perms(b->d, dir, perms);
}

/* The backend's directory: what the frontend and the tools read. */
static int write_backend(struct hv_blkback *b)
{
	int err = make_dir(b, b->be, HV_BACKEND_DOMID, b->d->domid);

	err = err ? err : put(b, b->be, "frontend", "%s", b->fe);
	err = err ? err : put(b, b->be, "frontend-id", "%u", b->d->domid);
	err = err ? err : put(b, b->be, "online", "1");
	err = err ? err : put(b, b->be, "removable", "0");
	err = err ? err : put(b, b->be, "bootable", "1");
	err = err ? err : put(b, b->be, "dev", "%s", b->disk.vdev);
	err = err ? err : put(b, b->be, "type", "file");
	err = err ? err : put(b, b->be, "params", "%s", b->disk.target);
	err = err ? err : put(b, b->be, "mode", "%s", b->disk.readonly ? "r" : "w");
	err = err ? err : put(b, b->be, "device-type", "disk");
	err = err ? err : put(b, b->be, "sectors", "%llu", (unsigned long long)b->sectors);
	err = err ? err : put(b, b->be, "sector-size", "%u", HV_BLKIF_SECTOR);
	err = err ? err : put(b, b->be, "physical-sector-size", "%u", HV_BLKIF_SECTOR);
	err = err ? err : put(b, b->be, "info", "%u", b->disk.readonly ? VDISK_READONLY : 0);
	err = err ? err : put(b, b->be, "feature-flush-cache", "1");
	return err ? err : hv__blkback_set_state(b, XenbusStateInitWait);
}

/* The frontend's directory, as the toolstack leaves it for the guest. */
static int write_frontend(struct hv_blkback *b)
{
	int err = make_dir(b, b->fe, b->d->domid, HV_BACKEND_DOMID);

	err = err ? err : put(b, b->fe, "backend", "%s", b->be);
	err = err ? err : put(b, b->fe, "backend-id", "%u", HV_BACKEND_DOMID);
	err = err ? err : put(b, b->fe, "virtual-device", "%u", b->disk.devid);
	err = err ? err : put(b, b->fe, "device-type", "disk");
	return err ? err : put(b, b->fe, "state", "%d", XenbusStateInitialising);
}

/* Reads the frontend's ring details and connects.  b->lock held. */
static int connect_ring(struct hv_blkback *b)
{
	uint32_t ref = 0, port = 0;
	char path[256], *protocol = NULL;
	enum hv_blkif_abi abi = HV_BLKIF_ABI_64;
	int err = get_u32(b, "ring-ref", &ref);

	if (!err)
		err = get_u32(b, "event-channel", &port);
	snprintf(path, sizeof(path), "%s/protocol", b->fe);
	if (!err && hv_xs_read(b->d, path, &protocol) != -ENOENT &&
	    hv_blkif_abi_parse(protocol, &abi))
		err = -EINVAL;
	free(protocol);
	if (err) {
		log_warnx("disk %s: the frontend's ring-ref, event-channel or protocol is "
			  "missing or malformed", b->disk.vdev);
		return err;
	}
	err = hv_gnttab_map(b->d, ref, true, &b->ring_map);
	if (err) {
		log_warnx("disk %s: ring-ref %u is not a page granted for writing", b->disk.vdev,
			  ref);
		return err;
	}
	hv_blkif_ring_init(&b->ring, b->ring_map.host, abi);
	err = hv_evtchn_bind_backend(b->d, port, b->owner, hv__blkback_kick, b);
	if (err)
		log_warnx("disk %s: event-channel %u is not a port for dom0", b->disk.vdev, port);
	b->port = port;
	if (!err && (err = hv__blkback_start(b)))
		hv_evtchn_unbind_backend(b->d, port);
	if (err) {
		hv_gnttab_unmap(b->d, &b->ring_map);
		return err;
	}
	b->connected = true;
	log_info("disk %s: connected (ring-ref %u, port %u, %s)", b->disk.vdev, ref, port,
		 abi == HV_BLKIF_ABI_32 ? "32-bit" : "64-bit");
	return 0;
}

/* Stops the worker and lets go of the ring.  b->lock held. */
static void disconnect(struct hv_blkback *b)
{
	if (!b->connected)
		return;
	hv__blkback_stop(b);
	hv_evtchn_unbind_backend(b->d, b->port);
	hv_gnttab_unmap(b->d, &b->ring_map);
	b->connected = false;
	log_info("disk %s: disconnected", b->disk.vdev);
}

/* The frontend's state changed (the xenstore thread). */
static void frontend_changed(struct hv_domain *d, const char *path, void *opaque)
{
	struct hv_blkback *b = opaque;
	uint32_t state = XenbusStateUnknown;

	(void)d;
	(void)path;
	pthread_mutex_lock(&b->lock);
	if (get_u32(b, "state", &state))
		state = XenbusStateUnknown; /* gone or garbage: nothing to do */
	switch (state) {
	case XenbusStateInitialising:
		if (atomic_load(&b->state) == XenbusStateClosed)
			hv__blkback_set_state(b, XenbusStateInitWait);
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (b->connected)
			break;
		if (connect_ring(b))
			hv__blkback_set_state(b, XenbusStateClosing);
		else
			hv__blkback_set_state(b, XenbusStateConnected);
		break;
	case XenbusStateClosing:
		hv__blkback_set_state(b, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		disconnect(b);
		hv__blkback_set_state(b, XenbusStateClosed);
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&b->lock);
}

/* Opens the image and measures it.  Returns 0 or -errno, logged. */
static int open_image(struct hv_blkback *b)
{
	struct stat st;
	uint64_t bytes = 0;
	int err = 0;

	b->fd = open(b->disk.target, (b->disk.readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0) {
		log_warn("disk %s: cannot open %s", b->disk.vdev, b->disk.target);
		return -errno;
	}
	if (fstat(b->fd, &st) < 0)
		err = -errno;
	else if (S_ISREG(st.st_mode))
		bytes = (uint64_t)st.st_size;
	else if (!S_ISBLK(st.st_mode))
		err = -EINVAL;
	else if (ioctl(b->fd, BLKGETSIZE64, &bytes) < 0)
		err = -errno;
	if (err) {
		log_warnx("disk %s: %s: %s", b->disk.vdev, b->disk.target,
			  err == -EINVAL ? "not a file or a block device" : strerror(-err));
		return err;
	}
	if (bytes % HV_BLKIF_SECTOR)
		log_warnx("disk %s: %s: the last %llu bytes are not a whole sector: the guest "
			  "does not see them", b->disk.vdev, b->disk.target,
			  (unsigned long long)(bytes % HV_BLKIF_SECTOR));
	b->sectors = bytes / HV_BLKIF_SECTOR;
	return 0;
}

static void destroy(struct hv_blkback *b)
{
	if (b->fd >= 0)
		close(b->fd);
	if (b->wake_fd >= 0)
		close(b->wake_fd);
	pthread_mutex_destroy(&b->lock);
	free(b->buf);
	free(b->fe);
	free(b->be);
	hv_disk_free(&b->disk);
	free(b);
}

/* Names, buffers and xenstore nodes of an opened disk.  Returns 0 or -errno. */
static int set_up(struct hv_domain *d, struct hv_blkback *b)
{
	int err;

	snprintf(b->owner, sizeof(b->owner), "vbd/%u", b->disk.devid);
	if (asprintf(&b->fe, "/local/domain/%u/device/vbd/%u", d->domid, b->disk.devid) < 0 ||
	    asprintf(&b->be, "/local/domain/0/backend/vbd/%u/%u", d->domid, b->disk.devid) < 0 ||
	    !(b->buf = malloc(BUF_SIZE)))
		return -ENOMEM;
	b->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->wake_fd < 0)
		return -errno;
	err = write_backend(b);
	return err ? err : write_frontend(b);
}

/* A disk for spec.  Returns 0 or -errno, logged. */
static int create(struct hv_domain *d, const char *spec, struct hv_blkback **out)
{
	struct hv_blkback *b = calloc(1, sizeof(*b));
	char msg[256];
	int err;

	if (!b)
		return -ENOMEM;
	b->d = d;
	b->fd = b->wake_fd = -1;
	pthread_mutex_init(&b->lock, NULL);
	err = hv_disk_parse(&b->disk, spec, msg, sizeof(msg));
	if (err) {
		log_warnx("disk \"%s\": %s", spec, msg);
		destroy(b);
		return err;
	}
	err = open_image(b);
	if (!err && (err = set_up(d, b)))
		log_warnx("disk %s: cannot set it up: %s", b->disk.vdev, strerror(-err));
	if (err) {
		destroy(b);
		return err;
	}
	*out = b;
	return 0;
}

/* Two disks may not share a device number (xvda and d0 are the same disk). */
static int check_unique(struct hv_domain *d)
{
	for (unsigned i = 0; i < d->nr_disks; i++)
		for (unsigned j = 0; j < i; j++)
			if (d->disks[i]->disk.devid == d->disks[j]->disk.devid) {
				log_warnx("disks %s and %s are the same device (%u)",
					  d->disks[j]->disk.vdev, d->disks[i]->disk.vdev,
					  d->disks[i]->disk.devid);
				return -EINVAL;
			}
	return 0;
}

static void fini(struct hv_domain *d)
{
	for (unsigned i = 0; i < d->nr_disks; i++) {
		struct hv_blkback *b = d->disks[i];
		char path[256];

		snprintf(path, sizeof(path), "%s/state", b->fe);
		hv_xs_unwatch(d, path, frontend_changed, b);
		pthread_mutex_lock(&b->lock);
		disconnect(b);
		pthread_mutex_unlock(&b->lock);
		destroy(b);
	}
	free(d->disks);
	d->disks = NULL;
	d->nr_disks = 0;
}

static int init(struct hv_domain *d)
{
	const struct hv_strlist *specs = &d->cfg->disks;
	char path[256];
	int err = 0;

	d->nr_disks = 0;
	d->disks = specs->n ? calloc(specs->n, sizeof(*d->disks)) : NULL;
	if (specs->n && !d->disks)
		return -ENOMEM;
	for (size_t i = 0; !err && i < specs->n; i++) {
		err = create(d, specs->v[i], &d->disks[i]);
		if (!err)
			d->nr_disks++;
	}
	if (!err)
		err = check_unique(d);
	for (unsigned i = 0; !err && i < d->nr_disks; i++) {
		snprintf(path, sizeof(path), "%s/state", d->disks[i]->fe);
		err = hv_xs_watch(d, path, frontend_changed, d->disks[i]);
		if (err)
			log_warnx("disk %s: cannot watch %s: %s", d->disks[i]->disk.vdev, path,
				  strerror(-err));
	}
	if (err)
		fini(d);
	return err;
}

const struct hv_device hv_blkback_device = {
	.name = "blkback", .prio = HV_PRIO_BACKEND, .init = init, .exit = fini,
	.pause = hv__blkback_pause, .unpause = hv__blkback_unpause,
	.state_id = HV_STATE_BLKBACK, .state_version = 1,
	.save = hv__blkback_save, .restore = hv__blkback_restore,
};
HV_DEVICE(hv_blkback_device);
