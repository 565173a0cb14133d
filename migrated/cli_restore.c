/*
 * tern restore [--paused] FILE: a domain again from a save file.  ternd
 * reads the file's header (its configuration, at most 64 KiB) on the loop,
 * starts tern-hv --incoming on that configuration, and once it is attached
 * reads the stream into it in the thread pool; then the domain runs (or
 * stays paused).  A restore that fails destroys what it started: no domain
 * is left half restored.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_ops.h"
#include "cli_stream.h"
#include "config.h"
#include "savefile.h"
#include "sr_domain_ctl.h"
#include "sr_zlib.h"
#include "store.h"
#include "supervise.h"

#define JOB_OF(w) ((struct mig_stream_job *)((char *)(w) - offsetof(struct mig_stream_job, wait)))

/* In the thread pool: the stream into the waiting domain, then it runs. */
static void run(struct mig_work *w)
{
	struct mig_stream_job *j = (struct mig_stream_job *)w;
	struct sr_zlib_source *zs = malloc(sizeof(*zs));
	struct sr_fd_source fs;
	struct sr_ctl_domain dom;
	struct hv_ctl_client c;
	struct sr_ctx ctx;
	int err = zs ? mig_stream_connect(j, &c) : -ENOMEM;

	if (err) {
		free(zs);
		j->err = err;
		return;
	}
	sr_fd_source_init(&fs, j->fd);
	sr_ctl_domain_init(&dom, &c);
	sr_ctx_init(&ctx, &sr_ctl_domain_ops, &dom);
	err = sr_zlib_source_init(zs, &fs.source);
	if (!err) {
		err = mig_stream_result(j, &ctx, sr_restore(&ctx, &zs->source));
		sr_zlib_source_destroy(zs);
	}
	if (!err && !(j->flags & MIG_CLI_RESTORE_PAUSED) && (err = hv_ctl_unpause(&c)))
		snprintf(j->text, sizeof(j->text), "restored, but cannot run it: %s", c.err);
	if (err && !j->text[0])
		snprintf(j->text, sizeof(j->text), "%s", strerror(-err));
	hv_ctl_close(&c);
	free(zs);
	j->err = err;
}

static void job_free(struct mig_stream_job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	free(j);
}

/* Lets the connection go: it no longer hears from the job. */
static void release(struct mig_stream_job *j)
{
	if (j->owner)
		j->owner->owner_ref = NULL;
}

/* A failed restore's waiter: answered once what it started is gone. */
static bool gone(struct mig_waiter *w, struct mig_domain *d)
{
	struct mig_stream_job *j = JOB_OF(w);

	if (d->rec.state != MIG_DOM_SHUTOFF && !d->freed)
		return false;
	release(j);
	if (j->owner)
		mig_cli_fail(j->owner, j->err, NULL, "cannot restore %s from %s: %s; no domain "
			     "created", d->name, j->file, j->text);
	job_free(j);
	return true;
}

/* Destroys what the restore started and answers once it is gone. */
static void undo(struct mig_stream_job *j, struct mig_domain *d)
{
	j->wait.changed = gone;
	mig_domain_wait(d, &j->wait);
	mig_sup_destroy(d, true);
}

/* On the loop: the domain runs, or is destroyed. */
static void done(struct mig_work *w)
{
	struct mig_stream_job *j = (struct mig_stream_job *)w;
	struct mig_domain *d = w->d;

	if (!d->freed)
		d->busy = NULL;
	if (!d->freed && j->err) {
		undo(j, d);
		return;
	}
	if (d->freed && j->err) /* ternd is exiting: do not leave it half restored */
		kill(d->rec.pid, SIGKILL);
	release(j);
	if (d->freed) {
		if (j->owner)
			mig_cli_fail(j->owner, -ESRCH, NULL, "%s went away while it was restored",
				     d->name);
	} else {
		d->rec.state = j->flags & MIG_CLI_RESTORE_PAUSED ? MIG_DOM_PAUSED : MIG_DOM_RUNNING;
		mig_domain_changed(d);
		if (j->owner) {
			mig_stream_send_stats(j);
			mig_cli_send_domain(j->owner, d);
			mig_cli_done(j->owner);
		}
	}
	job_free(j);
}

/* The restore's waiter: once tern-hv waits for its state, the stream goes in. */
static bool ready(struct mig_waiter *w, struct mig_domain *d)
{
	struct mig_stream_job *j = JOB_OF(w);

	if (d->freed) {
		/* ternd is exiting: a domain waiting for its state is of no use. */
		kill(d->rec.pid, SIGKILL);
		release(j);
		job_free(j);
		return true;
	}
	if (d->rec.state == MIG_DOM_STARTING)
		return false;
	if (d->rec.state == MIG_DOM_PAUSED && !mig_store_path(d, "control.sock", j->ctl_path,
							       sizeof(j->ctl_path)) &&
	    !mig_domain_queue(d, &j->work)) {
		d->busy = "being restored";
		return true;
	}
	if (d->rec.state == MIG_DOM_SHUTOFF) {
		release(j);
		if (j->owner)
			mig_cli_fail_start(j->owner, d);
		job_free(j);
		return true;
	}
	j->err = -EIO;
	snprintf(j->text, sizeof(j->text), "tern-hv did not wait for the domain's state (%s)",
		 mig_dom_state_name(d->rec.state));
	undo(j, d);
	return true;
}

/*
 * Reads the header of the save file open on fd into buf (MIG_SAVE_HDR_SIZE
 * + MIG_SAVE_CONFIG_MAX bytes) and leaves fd at the stream.
 */
static int read_header(int fd, uint8_t *buf, struct mig_savefile *f)
{
	size_t need = MIG_SAVE_HDR_SIZE, have = 0;
	int err = -EAGAIN;

	while (err == -EAGAIN && have < need) {
		ssize_t n = read(fd, buf + have, need - have);

		if (n <= 0)
			return n < 0 ? -errno : -EINVAL;
		have += (size_t)n;
		if (have == need)
			err = mig_savefile_parse(buf, have, f, &need);
	}
	if (!err && lseek(fd, (off_t)f->stream_offset, SEEK_SET) < 0)
		err = -errno;
	return err;
}

/*
 * The file's configuration, checked, and the domain's id; on failure the
 * request is answered.
 */
static int load(struct cli_conn *c, const char *path, int fd, struct hv_config *cfg,
		uint32_t *domid)
{
	uint8_t *buf = malloc(MIG_SAVE_HDR_SIZE + MIG_SAVE_CONFIG_MAX);
	struct mig_savefile f;
	char err[512];
	int r = buf ? read_header(fd, buf, &f) : -ENOMEM;

	if (r)
		mig_cli_fail(c, r, NULL, "%s: %s; no domain created", path,
			     r == -EINVAL ? "not a Tern save file (or of another version)" :
			     strerror(-r));
	else if ((r = hv_config_parse(cfg, path, f.config, f.config_len, err, sizeof(err))))
		mig_cli_fail(c, r, NULL, "%s; no domain created", err);
	else
		r = mig_cli_config_ok(c, path, cfg);
	*domid = f.domid;
	free(buf);
	return r;
}

int mig_cli_restore(struct cli_conn *c, const struct mig_cli_frame *f)
{
	char path[MIG_CLI_PATH_MAX + 1];
	struct mig_stream_job *j;
	struct hv_config cfg;
	uint32_t flags, domid = 0;
	int fd;

	if (mig_cli_read_path(f, MIG_CLI_REQ_RESTORE, path, &flags))
		return -EBADMSG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		mig_cli_fail(c, -errno, NULL, "cannot read %s: %s; no domain created", path,
			     strerror(errno));
		return 0;
	}
	hv_config_init(&cfg);
	if (load(c, path, fd, &cfg, &domid)) {
		close(fd);
	} else if (!(j = mig_stream_job_new(c, path, flags))) {
		close(fd);
		mig_cli_fail(c, -ENOMEM, NULL, "out of memory; no domain created");
	} else {
		j->fd = fd;
		j->work.run = run;
		j->work.done = done;
		j->wait.changed = ready;
		if (!mig_cli_launch(c, &cfg, domid, &j->wait)) {
			c->owner_ref = NULL;
			job_free(j);
		}
	}
	hv_config_free(&cfg);
	return 0;
}
