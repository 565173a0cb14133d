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
 * frontend's state drives the rest (backend.c), as Linux's blkback does:
 * Initialised or Connected connects the ring (map ring-ref, bind
 * event-channel, start the worker) and says Connected; Closing is echoed;
 * Closed disconnects and says Closed; Initialising after Closed says
 * InitWait again, ready for the next frontend (GRUB closes its disks before
 * it boots a kernel, whose blkfront then connects anew).
 *
 * Not offered (docs/block.md says why): barriers, discard, persistent
 * grants, indirect descriptors, multi-page rings and multiple queues.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/*
 * The disk's own nodes (ops nodes): in the backend's directory what the
 * frontend and the tools read, in the frontend's what the toolstack
 * leaves for the guest.
 */
static int nodes(struct hv_backend *k, const char *dir)
{
	struct hv_blkback *b = hv__blkback_of(k);
	int err;

	if (dir == k->fe) {
		err = hv_backend_put(k, dir, "virtual-device", "%u", b->disk.devid);
		return err ? err : hv_backend_put(k, dir, "device-type", "disk");
	}
	err = hv_backend_put(k, dir, "removable", "0");
	err = err ? err : hv_backend_put(k, dir, "bootable", "1");
	err = err ? err : hv_backend_put(k, dir, "dev", "%s", b->disk.vdev);
	err = err ? err : hv_backend_put(k, dir, "type", "file");
	err = err ? err : hv_backend_put(k, dir, "params", "%s", b->disk.target);
	err = err ? err : hv_backend_put(k, dir, "mode", "%s", b->disk.readonly ? "r" : "w");
	err = err ? err : hv_backend_put(k, dir, "device-type", "disk");
	err = err ? err : hv_backend_put(k, dir, "sectors", "%llu", (unsigned long long)b->sectors);
	err = err ? err : hv_backend_put(k, dir, "sector-size", "%u", HV_BLKIF_SECTOR);
	err = err ? err : hv_backend_put(k, dir, "physical-sector-size", "%u", HV_BLKIF_SECTOR);
	err = err ? err : hv_backend_put(k, dir, "info", "%u",
					 b->disk.readonly ? VDISK_READONLY : 0);
	return err ? err : hv_backend_put(k, dir, "feature-flush-cache", "1");
}

/* Reads the frontend's ring details and takes the ring (ops connect). */
static int connect_ring(struct hv_backend *k)
{
	struct hv_blkback *b = hv__blkback_of(k);
	uint32_t ref = 0, port = 0;
	char path[256], *protocol = NULL;
	enum hv_blkif_abi abi = HV_BLKIF_ABI_64;
	int err = hv_backend_fe_u32(k, "ring-ref", &ref);

	if (!err)
		err = hv_backend_fe_u32(k, "event-channel", &port);
	snprintf(path, sizeof(path), "%s/protocol", k->fe);
	if (!err && hv_xs_read(k->d, path, &protocol) != -ENOENT &&
	    hv_blkif_abi_parse(protocol, &abi))
		err = -EINVAL;
	free(protocol);
	if (err) {
		log_warnx("disk %s: the frontend's ring-ref, event-channel or protocol is "
			  "missing or malformed", b->disk.vdev);
		return err;
	}
	err = hv_gnttab_map(k->d, ref, true, &b->ring_map);
	if (err) {
		log_warnx("disk %s: ring-ref %u is not a page granted for writing", b->disk.vdev,
			  ref);
		return err;
	}
	hv_blkif_ring_init(&b->ring, b->ring_map.host, abi);
	err = hv_evtchn_bind_backend(k->d, port, k->owner, hv_backend_kick, k);
	if (err) {
		log_warnx("disk %s: event-channel %u is not a port for dom0", b->disk.vdev, port);
		hv_gnttab_unmap(k->d, &b->ring_map);
		return err;
	}
	b->port = port;
	log_info("disk %s: connected (ring-ref %u, port %u, %s)", b->disk.vdev, ref, port,
		 abi == HV_BLKIF_ABI_32 ? "32-bit" : "64-bit");
	return 0;
}

/* Lets go of the ring (ops release). */
static void release(struct hv_backend *k)
{
	struct hv_blkback *b = hv__blkback_of(k);

	hv_evtchn_unbind_backend(k->d, b->port);
	hv_gnttab_unmap(k->d, &b->ring_map);
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

/* Lets go of the disk's own resources (ops fini). */
static void fini(struct hv_backend *k)
{
	struct hv_blkback *b = hv__blkback_of(k);

	if (b->fd >= 0)
		close(b->fd);
	free(b->buf);
	hv_disk_free(&b->disk);
}

/* A disk of spec, nothing open yet (ops init). */
static int init(struct hv_backend *k, const char *spec, char *msg, size_t len)
{
	hv__blkback_of(k)->fd = -1;
	return hv_disk_parse(&hv__blkback_of(k)->disk, spec, msg, len);
}

/* The parsed disk (ops open): its image opened, its names and buffer. */
static int open_disk(struct hv_backend *k, unsigned index)
{
	struct hv_blkback *b = hv__blkback_of(k);
	int err = open_image(b);

	(void)index;
	if (err)
		return err;
	err = hv_backend_setup(k, b->disk.devid, b->disk.vdev);
	if (!err && !(b->buf = malloc(BUF_SIZE)))
		err = -ENOMEM;
	if (err)
		log_warnx("disk %s: cannot set it up: %s", b->disk.vdev, strerror(-err));
	return err;
}

static const struct hv_backend_ops ops = {
	.type = "vbd", .noun = "disk", .thread = "blk", .size = sizeof(struct hv_blkback),
	.init = init, .open = open_disk, .nodes = nodes, .fini = fini, .connect = connect_ring,
	.release = release, .work = hv__blkback_work, .record = &hv__blkback_record,
};

HV_BACKEND_DEVICE(blkback, disks, HV_STATE_BLKBACK, ops);
