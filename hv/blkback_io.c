/*
 * The block backend's data side (see blkback.h): one worker thread per
 * connected disk.
 *
 * The event-channel callback only writes the disk's eventfd, so a vCPU
 * never waits for the disk.  The worker takes requests off the ring one at
 * a time, moves each request's data between the image file and the
 * guest's granted pages through a buffer (grant copies, one pread or
 * pwrite per request), and answers.  Taking them in order is what makes a
 * flush cover every write answered before it.
 *
 * Durability: a write is answered once pwrite has put all of it in the
 * file, and a flush (BLKIF_OP_FLUSH_DISKCACHE, the backend advertises
 * feature-flush-cache) once fdatasync has returned, so what a flush covers
 * survives a host crash.  A flush that carries data writes it first.
 */
#include <errno.h>
#include <poll.h>
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
		int err = to_guest ? hv_gnttab_copy_to(b->d, s->gref, off, b->buf + pos, len)
				   : hv_gnttab_copy_from(b->d, s->gref, off, b->buf + pos, len);

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

/* Sleeps until the guest notifies or the worker is told to stop. */
static void wait_for_kick(struct hv_blkback *b)
{
	struct pollfd p = { .fd = b->wake_fd, .events = POLLIN };
	uint64_t count;

	if (poll(&p, 1, -1) < 0 && errno != EINTR)
		log_warn("disk %s: poll", b->disk.vdev);
	if (read(b->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_warn("disk %s: reading the wake-up eventfd", b->disk.vdev);
}

static void *worker(void *arg)
{
	struct hv_blkback *b = arg;
	struct hv_blkif_req req;

	while (!atomic_load(&b->stop)) {
		int n = hv_blkif_ring_next(&b->ring, &req);

		if (n < 0) {
			log_warnx("disk %s: the guest's ring indices are impossible; the ring is "
				  "stopped", b->disk.vdev);
			hv__blkback_set_state(b, XenbusStateClosing);
			break;
		}
		if (n == 0) {
			wait_for_kick(b);
			continue;
		}
		if (hv_blkif_ring_respond(&b->ring, req.id, req.op, hv__blkback_handle(b, &req)))
			hv_evtchn_notify(b->d, b->port);
	}
	return NULL;
}

void hv__blkback_kick(struct hv_domain *d, evtchn_port_t port, void *opaque)
{
	struct hv_blkback *b = opaque;
	uint64_t one = 1;

	(void)d;
	(void)port;
	/* Fails only when the counter is full: then the worker is awake anyway. */
	if (write(b->wake_fd, &one, sizeof(one)) < 0)
		log_debug("disk %s: wake: %s", b->disk.vdev, strerror(errno));
}

int hv__blkback_start(struct hv_blkback *b)
{
	char name[16];
	int err;

	atomic_store(&b->stop, false);
	err = pthread_create(&b->worker, NULL, worker, b);
	if (err) {
		log_warnx("disk %s: cannot start its thread: %s", b->disk.vdev, strerror(err));
		return -err;
	}
	b->running = true;
	/* for top -H and perf; Linux keeps 15 bytes of a thread's name */
	snprintf(name, sizeof(name), "blk-%.11s", b->disk.vdev);
	pthread_setname_np(b->worker, name);
	return 0;
}

void hv__blkback_stop(struct hv_blkback *b)
{
	if (!b->running)
		return;
	atomic_store(&b->stop, true);
	hv__blkback_kick(b->d, b->port, b);
	pthread_join(b->worker, NULL);
	b->running = false;
}
