/*
 * The block backend's data side (see blkback.h): one worker thread per
 * connected disk.
 *
 * The event-channel callback (backend.c's) only writes the disk's eventfd,
 * so a vCPU never waits for the disk.  The worker takes requests off the
 * ring one at a time, moves each request's data between the image file
 * and the guest's granted pages through a buffer (grant copies, one pread
 * or pwrite per request), and answers.  Taking them in order is what makes a
 * flush cover every write answered before it.
 *
 * Durability: a write is answered once pwrite has put all of it in the
 * file, and a flush (BLKIF_OP_FLUSH_DISKCACHE, the backend advertises
 * feature-flush-cache) once fdatasync has returned, so what a flush covers
 * survives a host crash.  A flush that carries data writes it first.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "blkback.h"
#include "domain.h"
#include "evtchn.h"
#include "log.h"

/* pread or pwrite the whole of buf, or fail (-errno, -EIO at end of file). */
static int full_io(struct hv_blkback *b, bool write, uint8_t *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = write ? pwrite(b->fd, buf, len, (off_t)off)
				  : pread(b->fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Copies between b->buf and the request's granted pages, segment by segment. */
static int copy_segments(struct hv_blkback *b, const struct hv_blkif_req *req, bool to_guest)
{
	size_t pos = 0;

	for (unsigned i = 0; i < req->nr_segments; i++) {
		const struct blkif_request_segment *s = &req->seg[i];
		uint16_t off = (uint16_t)(s->first_sect * HV_BLKIF_SECTOR);
		size_t len = (s->last_sect - s->first_sect + 1u) * HV_BLKIF_SECTOR;
		int err = to_guest ? hv_gnttab_copy_to(b->bk.d, s->gref, off, b->buf + pos, len)
				   : hv_gnttab_copy_from(b->bk.d, s->gref, off, b->buf + pos, len);

		if (err) {
			log_debug("disk %s: request %llu: grant %u: %s", b->disk.vdev,
				  (unsigned long long)req->id, s->gref, strerror(-err));
			return err;
		}
		pos += len;
	}
	return 0;
}

static void io_error(struct hv_blkback *b, const char *what, int err)
{
	log_warnx("disk %s: %s %s: %s", b->disk.vdev, what, b->disk.target, strerror(-err));
}

/* Carries out a checked request of count sectors; returns its status. */
static int16_t carry_out(struct hv_blkback *b, const struct hv_blkif_req *req, uint64_t count)
{
	size_t len = (size_t)count * HV_BLKIF_SECTOR;
	uint64_t off = req->sector * HV_BLKIF_SECTOR;
	int err;

	if (req->op == BLKIF_OP_READ) {
		err = full_io(b, false, b->buf, len, off);
		if (err)
			io_error(b, "reading", err);
		return err || copy_segments(b, req, true) ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY;
	}
	if (count) { /* a write, or a flush with data */
		if (copy_segments(b, req, false))
			return BLKIF_RSP_ERROR;
		err = full_io(b, true, b->buf, len, off);
		if (err) {
			io_error(b, "writing", err);
			return BLKIF_RSP_ERROR;
		}
	}
	if (req->op == BLKIF_OP_FLUSH_DISKCACHE && fdatasync(b->fd) < 0) {
		io_error(b, "flushing", -errno);
		return BLKIF_RSP_ERROR;
	}
	return BLKIF_RSP_OKAY;
}

int16_t hv__blkback_handle(struct hv_blkback *b, const struct hv_blkif_req *req)
{
	uint64_t count = 0;
	int status = hv_blkif_check(req, b->sectors, b->disk.readonly, &count);

	if (status != BLKIF_RSP_OKAY) {
		log_debug("disk %s: request %llu (op %u, %u segments, sector %llu) refused: %d",
			  b->disk.vdev, (unsigned long long)req->id, req->op, req->nr_segments,
			  (unsigned long long)req->sector, status);
		return (int16_t)status;
	}
	return carry_out(b, req, count);
}

void hv__blkback_work(struct hv_backend *k)
{
	struct hv_blkback *b = hv__blkback_of(k);
	struct hv_blkif_req req;

	while (!atomic_load(&k->stop)) {
		int n = hv_blkif_ring_next(&b->ring, &req);

		if (n < 0) {
			log_warnx("disk %s: the guest's ring indices are impossible; the ring is "
				  "stopped", b->disk.vdev);
			hv_backend_set_state(k, XenbusStateClosing);
			break;
		}
		if (n == 0) {
			hv_backend_wait(k, -1, -1);
			continue;
		}
		if (hv_blkif_ring_respond(&b->ring, req.id, req.op, hv__blkback_handle(b, &req)))
			hv_evtchn_notify(k->d, b->port);
	}
}
