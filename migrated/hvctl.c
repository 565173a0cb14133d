#include "hvctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "store.h"
#include "supervise.h"

/* A domain's subscribed connection and its handle; freed when closed. */
struct mig_watch {
	uv_poll_t poll;
	struct hv_ctl_client client;
	struct mig_domain *d;
};

static int fail(struct mig_ctl_req *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct mig_ctl_req *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
	return err;
}

/* That tern-hv serves the socket, it is subscribed, and what it says of the domain. */
static int attach(struct mig_ctl_req *r, struct hv_ctl_client *c)
{
	struct ucred peer;
	socklen_t len = sizeof(peer);
	int err = hv_ctl_connect(c, r->path);

	if (!err && getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &peer, &len))
		err = fail(r, -errno, "%s: cannot see who serves it", r->path);
	if (!err && peer.pid != r->pid)
		err = fail(r, -ESRCH, "%s is served by pid %d, not by tern-hv (pid %d)", r->path,
			   (int)peer.pid, (int)r->pid);
	if (!err)
		err = hv_ctl_subscribe(c);
	if (!err)
		err = hv_ctl_info(c, &r->info);
	if (!err && r->info.domid != r->domid)
		err = fail(r, -ESRCH, "%s belongs to domain %u, not %u", r->path, r->info.domid,
			   r->domid);
	return err;
}

/* In the thread pool. */
static void run(struct mig_work *w)
{
	struct mig_ctl_req *r = (struct mig_ctl_req *)w;
	struct hv_ctl_client *c = &r->client;
	int err;

	if (r->op == MIG_CTL_ATTACH) {
		err = attach(r, c);
	} else {
		err = hv_ctl_connect(c, r->path);
		if (!err && r->op == MIG_CTL_PAUSE)
			err = hv_ctl_pause(c);
		else if (!err && r->op == MIG_CTL_UNPAUSE)
			err = hv_ctl_unpause(c);
		else if (!err)
			err = hv_ctl_shutdown(c, HV_CTL_SHUTDOWN_POWEROFF);
	}
	if (err && !r->text[0])
		snprintf(r->text, sizeof(r->text), "%s", c->err[0] ? c->err : strerror(-err));
	if (err || r->op != MIG_CTL_ATTACH)
		hv_ctl_close(c);
	r->err = err;
}

/* On the loop. */
static void finished(struct mig_work *w)
{
	struct mig_ctl_req *r = (struct mig_ctl_req *)w;

	r->done(r);
	hv_ctl_close(&r->client);
	free(r);
}

struct mig_ctl_req *mig_ctl_submit(struct mig_domain *d, enum mig_ctl_op op,
				   void (*done)(struct mig_ctl_req *r), struct cli_conn *owner)
{
	struct mig_ctl_req *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	*r = (struct mig_ctl_req){ .work = { .run = run, .done = finished }, .d = d, .op = op,
				   .pid = d->rec.pid, .domid = d->rec.domid, .done = done,
				   .owner = owner, .client.fd = -1 };
	if (mig_store_path(d, "control.sock", r->path, sizeof(r->path)) ||
	    mig_domain_queue(d, &r->work)) {
		free(r);
		return NULL;
	}
	return r;
}

static void watch_closed(uv_handle_t *h)
{
	struct mig_watch *w = h->data;

	hv_ctl_close(&w->client);
	mig_domain_put(w->d);
	free(w);
}

void mig_ctl_unwatch(struct mig_domain *d)
{
	if (!d->watch)
		return;
	uv_close((uv_handle_t *)&d->watch->poll, watch_closed);
	d->watch = NULL;
}

/* The stop notification; after it, the end of the connection. */
static void on_watch(uv_poll_t *p, int status, int events)
{
	struct mig_watch *w = p->data;
	struct mig_domain *d = w->d;
	int32_t reason;
	int err = status < 0 ? status : hv_ctl_wait_stopped(&w->client, 0, &reason);

	(void)events;
	if (err == -ETIMEDOUT)
		return;
	if (!err) {
		/* Noted: the next call reads on, to see the connection end. */
		w->client.stopped = false;
		d->stop_reason = reason;
		log_info("%s: the domain stopped: %s", d->name, hv_ctl_stop_name(reason));
		if (d->rec.state == MIG_DOM_RUNNING || d->rec.state == MIG_DOM_PAUSED) {
			d->rec.state = MIG_DOM_STOPPING;
			mig_domain_changed(d);
		}
		return;
	}
	mig_ctl_unwatch(d);
	if (d->stop_reason == HV_CTL_STOP_REBOOT && !d->destroying &&
	    d->rec.state != MIG_DOM_SHUTOFF) {
		/* tern-hv restarts the domain in the same process: attach again. */
		d->stop_reason = HV_CTL_STOP_NONE;
		d->rec.state = MIG_DOM_STARTING;
		mig_domain_changed(d);
		mig_sup_attach(d, false);
	}
}

void mig_ctl_watch(struct mig_domain *d, struct mig_ctl_req *r)
{
	struct mig_watch *w = malloc(sizeof(*w));

	mig_ctl_unwatch(d);
	if (!w || uv_poll_init(d->t->loop, &w->poll, r->client.fd)) {
		log_warnx("%s: cannot watch its control socket; its stop reason will be unknown",
			  d->name);
		free(w);
		return;
	}
	w->client = r->client;
	r->client.fd = -1;
	w->d = d;
	w->poll.data = w;
	d->refs++;
	d->watch = w;
	uv_poll_start(&w->poll, UV_READABLE | UV_DISCONNECT, on_watch);
}
