/*
 * Log-dirty tracking through the control socket (control_int.h): the
 * client that enables it gets the bitmap's memfd and alone may harvest and
 * disable; when it goes away, tracking stops, so that a saver that died
 * does not leave the guest paying for a dirty log nobody reads.
 *
 * The bitmap is one sparse memfd of HV_CTL_DIRTY_BITMAP_BYTES, mapped by
 * the server and the client: hv_logdirty_harvest writes the words of the
 * frames the domain has now, and frames added later (above the others)
 * only make later harvests cover more words, with no new mapping.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "control_int.h"
#include "domain.h"
#include "log.h"
#include "logdirty.h"

/* Harvests that find the domain grew meanwhile are tried this many times. */
#define HARVEST_TRIES 4

_Static_assert(HV_LOGDIRTY_BITMAP_BYTES(HV_CTL_DIRTY_MAX_FRAMES) == HV_CTL_DIRTY_BITMAP_BYTES,
	       "the bitmap's layout is logdirty.h's");

static int map_bitmap(struct hv_control *c)
{
	void *p = MAP_FAILED;
	int fd = memfd_create("tern-dirty", MFD_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)HV_CTL_DIRTY_BITMAP_BYTES) == 0)
		p = mmap(NULL, HV_CTL_DIRTY_BITMAP_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0);
	if (p == MAP_FAILED) {
		err = -errno;
		close(fd);
		return err;
	}
	c->dirty_fd = fd;
	c->dirty_bits = p;
	return 0;
}

static void unmap_bitmap(struct hv_control *c)
{
	munmap(c->dirty_bits, HV_CTL_DIRTY_BITMAP_BYTES);
	close(c->dirty_fd);
	c->dirty_bits = NULL;
	c->dirty_fd = -1;
	c->dirty_owner = NULL;
}

/* Refuses a client that does not own the tracking. */
static int need_owner(struct hv_control *c, struct ctl_client *cl, struct ctl_reply *r)
{
	int err = hv__ctl_need_live(c, r);

	if (!err && !c->dirty_owner)
		err = hv__ctl_fail(r, -EINVAL, "log-dirty tracking is off");
	else if (!err && c->dirty_owner != cl)
		err = hv__ctl_fail(r, -EBUSY, "log-dirty tracking belongs to another client");
	return err;
}

int hv__ctl_dirty_enable(struct hv_control *c, struct ctl_client *cl,
			 const struct hv_ctl_hdr *h, const uint8_t *p, struct ctl_reply *r)
{
	struct hv_ctl_dirty m = { .bitmap_bytes = HV_CTL_DIRTY_BITMAP_BYTES };
	int err = hv__ctl_need_live(c, r);

	(void)h, (void)p;
	if (err)
		return err;
	if (c->dirty_owner)
		return hv__ctl_fail(r, -EALREADY, "log-dirty tracking is already on%s",
				    c->dirty_owner == cl ? "" : " (for another client)");
	err = map_bitmap(c);
	if (err)
		return hv__ctl_fail(r, err, "cannot make the dirty bitmap: %s", strerror(-err));
	err = hv_logdirty_enable(c->d);
	if (err) {
		unmap_bitmap(c);
		return hv__ctl_fail(r, err, "cannot turn log-dirty tracking on: %s",
				    strerror(-err));
	}
	c->dirty_owner = cl;
	m.nr_frames = hv_logdirty_nr_gfns(c->d);
	r->fds[r->nr_fds++] = c->dirty_fd;
	return hv__ctl_answer(r, &m, sizeof(m));
}

int hv__ctl_dirty_harvest(struct hv_control *c, struct ctl_client *cl,
			  const struct hv_ctl_hdr *h, const uint8_t *p, struct ctl_reply *r)
{
	struct hv_ctl_harvest m = { 0 };
	int err = need_owner(c, cl, r);

	(void)h, (void)p;
	for (int i = 0; !err && i < HARVEST_TRIES; i++) {
		m.nr_frames = hv_logdirty_nr_gfns(c->d);
		if (m.nr_frames > HV_CTL_DIRTY_MAX_FRAMES)
			return hv__ctl_fail(r, -E2BIG, "the domain has frames past the bitmap");
		err = hv_logdirty_harvest(c->d, c->dirty_bits, m.nr_frames, &m.nr_dirty);
		if (err != -ENOBUFS) /* else a frame was added above the others: again */
			break;
	}
	if (err == -ENOBUFS)
		return hv__ctl_fail(r, -EAGAIN, "the guest keeps adding frames: harvest again");
	if (err && !r->err[0])
		return hv__ctl_fail(r, err, "the harvest failed (%s): pages may be missing from "
					    "the log, treat all memory as dirty",
				    strerror(-err));
	return err ? err : hv__ctl_answer(r, &m, sizeof(m));
}

int hv__ctl_dirty_disable(struct hv_control *c, struct ctl_client *cl,
			  const struct hv_ctl_hdr *h, const uint8_t *p, struct ctl_reply *r)
{
	int err = need_owner(c, cl, r);

	(void)h, (void)p;
	if (err == -EINVAL)
		return 0; /* already off */
	if (!err) {
		hv_logdirty_disable(c->d);
		unmap_bitmap(c);
	}
	return err;
}

void hv__ctl_dirty_release(struct hv_control *c, struct ctl_client *cl)
{
	pthread_mutex_lock(&c->lock);
	if (c->dirty_owner && (!cl || c->dirty_owner == cl)) {
		/* Once stopped, the devices are going: their exit turns logging off. */
		if (!c->stopped)
			hv_logdirty_disable(c->d);
		unmap_bitmap(c);
		log_info("control: log-dirty tracking off (its client left)");
	}
	pthread_mutex_unlock(&c->lock);
}
