#include "domain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"

struct mig_domain *mig_domain_new(struct ternd *t, const char *name)
{
	struct mig_domain *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->t = t;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->rec.state = MIG_DOM_SHUTOFF;
	d->rec.reason = MIG_REASON_UNKNOWN;
	d->pidfd = -1;
	d->stop_reason = HV_CTL_STOP_NONE;
	uv_timer_init(t->loop, &d->timer);
	d->timer.data = d;
	d->refs = 1;
	d->next = t->domains;
	t->domains = d;
	return d;
}

void mig_domain_put(struct mig_domain *d)
{
	if (--d->refs == 0 && d->freed)
		free(d);
}

void mig_domain_handle_closed(uv_handle_t *h)
{
	mig_domain_put(h->data);
}

/* The waiters are told, with d->freed set, so that they let go. */
void mig_domain_free(struct mig_domain *d)
{
	struct mig_domain **pp;
	struct mig_waiter *w;

	for (pp = &d->t->domains; *pp; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	d->freed = true;
	while ((w = d->waiters)) {
		d->waiters = w->next;
		w->next = NULL;
		w->d = NULL;
		w->changed(w, d);
	}
	uv_close((uv_handle_t *)&d->timer, mig_domain_handle_closed);
}

struct mig_domain *mig_domain_find(struct ternd *t, const char *ref)
{
	struct mig_domain *d;
	uint32_t domid;
	bool by_id = mig_cli_ref_domid(ref, &domid);

	for (d = t->domains; d; d = d->next)
		if (by_id ? d->rec.domid == domid : !strcmp(d->name, ref))
			return d;
	return NULL;
}

static bool domid_used(struct ternd *t, uint32_t domid)
{
	for (struct mig_domain *d = t->domains; d; d = d->next)
		if (d->rec.domid == domid)
			return true;
	return false;
}

int mig_domain_claim_id(struct ternd *t, uint32_t want, uint32_t *domid)
{
	if (want < 1 || want > MIG_DOMID_MAX)
		return -EINVAL;
	if (domid_used(t, want))
		return -EADDRINUSE;
	*domid = want;
	return 0;
}

int mig_domain_alloc_id(struct ternd *t, uint32_t *domid)
{
	uint32_t id = t->next_domid;

	for (uint32_t n = 0; n < MIG_DOMID_MAX; n++, id++) {
		if (id < 1 || id > MIG_DOMID_MAX)
			id = 1;
		if (!domid_used(t, id)) {
			*domid = id;
			t->next_domid = id == MIG_DOMID_MAX ? 1 : id + 1;
			mig_store_save_next_domid(t);
			return 0;
		}
	}
	return -ENOSPC;
}

void mig_domain_info(const struct mig_domain *d, struct mig_cli_domain *out)
{
	*out = (struct mig_cli_domain){
		.domid = d->rec.domid, .pid = (uint32_t)d->rec.pid, .vcpus = d->rec.vcpus,
		.memory = d->rec.memory, .started = d->rec.started, .state = d->rec.state,
		.reason = d->rec.reason,
	};
	memcpy(out->name, d->name, sizeof(out->name));
}

const char *mig_domain_label(const struct mig_domain *d, char *buf)
{
	if (d->rec.domid)
		snprintf(buf, MIG_DOMAIN_LABEL_MAX, "%s (id %u)", d->name, d->rec.domid);
	else
		snprintf(buf, MIG_DOMAIN_LABEL_MAX, "%s", d->name);
	return buf;
}

/*
 * Each waiter is off the list while it is called, so that a waiter that
 * finishes (and may end its connection) is never called again.
 */
void mig_domain_changed(struct mig_domain *d)
{
	struct mig_waiter *list = d->waiters, *w;
	char label[MIG_DOMAIN_LABEL_MAX];

	if (mig_store_save_state(d))
		log_warnx("%s: its state file is out of date", mig_domain_label(d, label));
	d->waiters = NULL;
	while ((w = list)) {
		list = w->next;
		w->next = NULL;
		w->d = NULL;
		if (!w->changed(w, d))
			mig_domain_wait(d, w);
	}
}

static void work_run(uv_work_t *req)
{
	struct mig_work *w = req->data;

	w->run(w);
}

static void work_done(uv_work_t *req, int status)
{
	struct mig_work *w = req->data;
	struct mig_domain *d = w->d;

	(void)status; /* never cancelled */
	w->done(w);
	mig_domain_put(d);
}

int mig_domain_queue(struct mig_domain *d, struct mig_work *w)
{
	int err;

	w->d = d;
	w->req.data = w;
	err = uv_queue_work(d->t->loop, &w->req, work_run, work_done);
	if (!err)
		d->refs++;
	return err;
}

void mig_domain_wait(struct mig_domain *d, struct mig_waiter *w)
{
	w->d = d;
	w->next = d->waiters;
	d->waiters = w;
}

void mig_domain_unwait(struct mig_waiter *w)
{
	struct mig_waiter **pp;

	if (!w->d)
		return;
	for (pp = &w->d->waiters; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	w->d = NULL;
	w->next = NULL;
}
