/*
 * tern save [--live] [--keep] [--compress] DOM FILE: writes the domain to a
 * save file (savefile.h: its configuration, then the Xen stream), in the
 * thread pool.  The file appears whole or not at all: it is written as
 * FILE.tmp, synced and renamed.  Once saved the domain is destroyed, or
 * with --keep left as it was; if the save fails it is left as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_ops.h"
#include "cli_stream.h"
#include "savefile.h"
#include "sr_domain_ctl.h"
#include "sr_zlib.h"
#include "store.h"
#include "supervise.h"

#define GZIP_LEVEL 6

static int fail(struct mig_stream_job *j, int err, const char *what, const char *path)
{
	snprintf(j->text, sizeof(j->text), "%s %s: %s", what, path, strerror(-err));
	return err;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The header: the configuration the domain runs (one more byte read than fits). */
static int write_header(struct mig_stream_job *j, int fd)
{
	char *config = malloc(MIG_SAVE_CONFIG_MAX + 1);
	uint8_t *hdr = NULL;
	size_t hdr_len;
	ssize_t n = -1;
	int err, cfd = open(j->config_path, O_RDONLY | O_CLOEXEC);

	if (config && cfd >= 0)
		n = read(cfd, config, MIG_SAVE_CONFIG_MAX + 1);
	err = !config ? -ENOMEM : n < 0 ? -errno : 0;
	if (cfd >= 0)
		close(cfd);
	if (!err)
		err = mig_savefile_header(config, (size_t)n, j->domid, &hdr, &hdr_len);
	free(config);
	if (err)
		return fail(j, err, "cannot use the configuration", j->config_path);
	err = write_all(fd, hdr, hdr_len);
	free(hdr);
	return err ? fail(j, err, "cannot write", j->file) : 0;
}

/* The stream, through the library; the domain is then paused. */
static int write_stream(struct mig_stream_job *j, struct hv_ctl_client *c, int fd)
{
	struct sr_save_opts opts = { .live = j->flags & MIG_CLI_SAVE_LIVE };
	struct sr_zlib_sink *zs = NULL;
	struct sr_ctl_domain dom;
	struct sr_fd_sink fs;
	struct sr_ctx ctx;
	int err = 0;

	sr_fd_sink_init(&fs, fd);
	if (j->flags & MIG_CLI_SAVE_COMPRESS) {
		zs = malloc(sizeof(*zs));
		err = zs ? sr_zlib_sink_init(zs, &fs.sink, GZIP_LEVEL) : -ENOMEM;
		if (err) {
			free(zs);
			return fail(j, err, "cannot compress", j->file);
		}
	}
	sr_ctl_domain_init(&dom, c);
	sr_ctx_init(&ctx, &sr_ctl_domain_ops, &dom);
	err = sr_save(&ctx, zs ? &zs->sink : &fs.sink, &opts);
	if (zs)
		sr_zlib_sink_destroy(zs);
	free(zs);
	return mig_stream_result(j, &ctx, err);
}

/* Makes the rename of path durable: its folder synced. */
static int sync_dir(const char *path)
{
	char copy[PATH_MAX];
	int fd, err = 0;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		err = -errno;
	if (fd >= 0)
		close(fd);
	return err;
}

/* In the thread pool. */
static void run(struct mig_work *w)
{
	struct mig_stream_job *j = (struct mig_stream_job *)w;
	struct hv_ctl_client c;
	char tmp[PATH_MAX + 8];
	int fd, err;

	snprintf(tmp, sizeof(tmp), "%s.tmp", j->file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		j->err = fail(j, -errno, "cannot write", tmp);
		return;
	}
	err = mig_stream_connect(j, &c);
	if (!err) {
		err = write_header(j, fd);
		if (!err)
			err = write_stream(j, &c, fd);
		/* Left as it was: resumed unless it was paused or is to be destroyed. */
		if (!j->was_paused && (err || (j->flags & MIG_CLI_SAVE_KEEP)) && err != -EAGAIN)
			hv_ctl_unpause(&c);
		hv_ctl_close(&c);
	}
	if (!err && fsync(fd))
		err = fail(j, -errno, "cannot write", tmp);
	if (close(fd) && !err)
		err = fail(j, -errno, "cannot write", tmp);
	if (!err && rename(tmp, j->file))
		err = fail(j, -errno, "cannot rename to", j->file);
	if (!err && (err = sync_dir(j->file)))
		fail(j, err, "cannot sync the folder of", j->file);
	if (err)
		unlink(tmp);
	j->err = err;
}

static void answer(struct mig_stream_job *j, struct cli_conn *c, struct mig_domain *d)
{
	char label[MIG_DOMAIN_LABEL_MAX];

	if (d->freed) {
		mig_cli_fail(c, j->err ? j->err : -ESRCH, NULL, "%s went away while it was saved",
			     d->name);
	} else if (j->err) {
		mig_cli_fail(c, j->err, d, "cannot save %s to %s: %s; it is %s",
			     mig_domain_label(d, label), j->file, j->text,
			     mig_dom_state_name(d->rec.state));
	} else {
		mig_stream_send_stats(j);
		if (j->flags & MIG_CLI_SAVE_KEEP) {
			mig_cli_send_domain(c, d);
			mig_cli_done(c);
		} else {
			mig_cli_wait_shut_off(c, d);
		}
	}
}

/* On the loop: the domain destroyed or left, the request answered. */
static void done(struct mig_work *w)
{
	struct mig_stream_job *j = (struct mig_stream_job *)w;
	struct mig_domain *d = w->d;
	struct cli_conn *c = j->owner;

	if (c)
		c->owner_ref = NULL;
	if (!d->freed)
		d->busy = NULL;
	/* Saved, so destroyed as asked; if ternd is exiting, by a signal of its own. */
	if (!j->err && !(j->flags & MIG_CLI_SAVE_KEEP) && !d->freed)
		mig_sup_destroy(d, true);
	else if (!j->err && !(j->flags & MIG_CLI_SAVE_KEEP))
		kill(d->rec.pid, SIGTERM);
	if (c)
		answer(j, c, d);
	free(j);
}

int mig_cli_save(struct cli_conn *c, const struct mig_cli_frame *f)
{
	struct mig_cli_save req;
	struct mig_stream_job *j;
	struct mig_domain *d;

	if (mig_cli_read_save(f, &req))
		return -EBADMSG;
	d = mig_domain_find(c->t, req.ref);
	if (!d) {
		mig_cli_fail(c, -ENOENT, NULL, "no domain %s", req.ref);
		return 0;
	}
	if (!mig_cli_require(c, d, d->rec.state == MIG_DOM_PAUSED ? MIG_DOM_PAUSED :
			     MIG_DOM_RUNNING, "save"))
		return 0;
	j = mig_stream_job_new(c, req.path, req.flags);
	if (!j || mig_store_path(d, "control.sock", j->ctl_path, sizeof(j->ctl_path)) ||
	    mig_store_path(d, "config", j->config_path, sizeof(j->config_path))) {
		c->owner_ref = NULL;
		free(j);
		mig_cli_fail(c, -ENOMEM, d, "cannot save %s: out of memory", d->name);
		return 0;
	}
	j->was_paused = d->rec.state == MIG_DOM_PAUSED;
	j->domid = d->rec.domid;
	j->work.run = run;
	j->work.done = done;
	if (mig_domain_queue(d, &j->work)) {
		c->owner_ref = NULL;
		free(j);
		mig_cli_fail(c, -ENOMEM, d, "cannot save %s: no worker", d->name);
		return 0;
	}
	d->busy = "being saved";
	return 0;
}
