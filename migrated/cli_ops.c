#include "cli_ops.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hvctl.h"
#include "store.h"
#include "supervise.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct mig_domain *mig_cli_target(struct cli_conn *c, const struct mig_cli_frame *f, int *err)
{
	char ref[MIG_CLI_NAME_MAX + 1];
	struct mig_domain *d;

	*err = mig_cli_read_ref(f, f->type, ref, &c->flags);
	if (*err)
		return NULL;
	d = mig_domain_find(c->t, ref);
	if (!d)
		mig_cli_fail(c, -ENOENT, NULL, "no domain %s", ref);
	return d;
}

bool mig_cli_require(struct cli_conn *c, struct mig_domain *d, enum mig_dom_state want,
		     const char *verb)
{
	char label[MIG_DOMAIN_LABEL_MAX];

	if (d->busy) {
		mig_cli_fail(c, -EBUSY, d, "cannot %s %s: it is %s", verb,
			     mig_domain_label(d, label), d->busy);
		return false;
	}
	if (d->rec.state == want)
		return true;
	if (d->rec.state == MIG_DOM_SHUTOFF)
		mig_cli_fail(c, -ESRCH, d, "cannot %s %s: it is shut off (%s)", verb, d->name,
			     mig_dom_reason_name(d->rec.reason));
	else
		mig_cli_fail(c, -EBUSY, d, "cannot %s %s: it is %s", verb,
			     mig_domain_label(d, label), mig_dom_state_name(d->rec.state));
	return false;
}

/* Live domains by id, then shut-off ones by name. */
static int by_id_then_name(const void *a, const void *b)
{
	const struct mig_domain *x = *(struct mig_domain *const *)a;
	const struct mig_domain *y = *(struct mig_domain *const *)b;

	if (x->rec.domid != y->rec.domid)
		return !x->rec.domid ? 1 : !y->rec.domid ? -1 : x->rec.domid < y->rec.domid ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int list(struct cli_conn *c, const struct mig_cli_frame *f)
{
	struct mig_domain **all, *d;
	struct mig_cli_msg m;
	size_t n = 0, i = 0;

	if (mig_cli_read_empty(f, MIG_CLI_REQ_LIST))
		return -EBADMSG;
	for (d = c->t->domains; d; d = d->next)
		n++;
	all = calloc(n ? n : 1, sizeof(*all));
	if (!all) {
		mig_cli_fail(c, -ENOMEM, NULL, "out of memory");
		return 0;
	}
	for (d = c->t->domains; d; d = d->next)
		all[i++] = d;
	qsort(all, n, sizeof(*all), by_id_then_name);
	for (i = 0; i < n; i++)
		mig_cli_send_domain(c, all[i]);
	free(all);
	mig_cli_write_empty(&m, MIG_CLI_REP_END);
	mig_cli_send(c, &m);
	mig_cli_done(c);
	return 0;
}

static const char *verb_of(enum mig_ctl_op op)
{
	return op == MIG_CTL_PAUSE ? "pause" : op == MIG_CTL_UNPAUSE ? "unpause" : "shut down";
}

/* A waiter answered with the domain's state once it is shut off (destroy, shutdown --wait). */
static bool shut_off(struct mig_waiter *w, struct mig_domain *d)
{
	struct cli_conn *c = MIG_CLI_CONN_OF(w);

	if (d->freed) {
		mig_cli_fail(c, -ESRCH, NULL, "%s went away: ternd is exiting", d->name);
		return true;
	}
	if (d->rec.state != MIG_DOM_SHUTOFF)
		return false;
	mig_cli_send_domain(c, d);
	mig_cli_done(c);
	return true;
}

void mig_cli_wait_shut_off(struct cli_conn *c, struct mig_domain *d)
{
	c->wait.changed = shut_off;
	if (!shut_off(&c->wait, d))
		mig_domain_wait(d, &c->wait);
}

/* A control request is done: the domain's new state, or what failed. */
static void ctl_done(struct mig_ctl_req *r)
{
	struct cli_conn *c = r->owner;
	struct mig_domain *d = r->d;
	char label[MIG_DOMAIN_LABEL_MAX];
	enum mig_dom_state from = r->op == MIG_CTL_PAUSE ? MIG_DOM_RUNNING : MIG_DOM_PAUSED;

	if (!r->err && !d->freed && r->op != MIG_CTL_SHUTDOWN && d->rec.state == from) {
		d->rec.state = r->op == MIG_CTL_PAUSE ? MIG_DOM_PAUSED : MIG_DOM_RUNNING;
		mig_domain_changed(d);
	}
	if (!c)
		return;
	c->owner_ref = NULL;
	if (d->freed)
		mig_cli_fail(c, -ESRCH, NULL, "%s: the domain went away", d->name);
	else if (r->err)
		mig_cli_fail(c, r->err, d, "cannot %s %s: %s; it is %s", verb_of(r->op),
			     mig_domain_label(d, label), r->text, mig_dom_state_name(d->rec.state));
	else if (r->op == MIG_CTL_SHUTDOWN && (c->flags & MIG_CLI_SHUTDOWN_WAIT))
		mig_cli_wait_shut_off(c, d);
	else {
		mig_cli_send_domain(c, d);
		mig_cli_done(c);
	}
}

/* PAUSE, UNPAUSE and SHUTDOWN: a request to tern-hv's control socket. */
static int control(struct cli_conn *c, const struct mig_cli_frame *f, enum mig_ctl_op op)
{
	struct mig_ctl_req *r;
	struct mig_domain *d;
	int err;

	d = mig_cli_target(c, f, &err);
	if (!d || !mig_cli_require(c, d, op == MIG_CTL_UNPAUSE ? MIG_DOM_PAUSED : MIG_DOM_RUNNING,
			   verb_of(op)))
		return err;
	r = mig_ctl_submit(d, op, ctl_done, c);
	if (r)
		c->owner_ref = &r->owner;
	else
		mig_cli_fail(c, -ENOMEM, d, "cannot %s %s: out of memory", verb_of(op), d->name);
	return 0;
}

static int pause_dom(struct cli_conn *c, const struct mig_cli_frame *f)
{
	return control(c, f, MIG_CTL_PAUSE);
}

static int unpause_dom(struct cli_conn *c, const struct mig_cli_frame *f)
{
	return control(c, f, MIG_CTL_UNPAUSE);
}

static int shutdown_dom(struct cli_conn *c, const struct mig_cli_frame *f)
{
	return control(c, f, MIG_CTL_SHUTDOWN);
}

/* A live domain ends and its record goes; a shut-off one's record goes. */
static int destroy(struct cli_conn *c, const struct mig_cli_frame *f)
{
	struct mig_domain *d;
	int err;

	d = mig_cli_target(c, f, &err);
	if (!d)
		return err;
	if (d->rec.state == MIG_DOM_SHUTOFF) {
		mig_cli_send_domain(c, d);
		mig_cli_done(c);
		mig_store_remove(d);
		mig_domain_free(d);
		return 0;
	}
	mig_cli_wait_shut_off(c, d);
	mig_sup_destroy(d, true);
	return 0;
}

static int console(struct cli_conn *c, const struct mig_cli_frame *f)
{
	char path[PATH_MAX], log[PATH_MAX];
	struct mig_cli_msg m;
	struct mig_domain *d;
	int err;

	d = mig_cli_target(c, f, &err);
	if (!d)
		return err;
	if (d->rec.state == MIG_DOM_SHUTOFF) {
		if (mig_store_console_log(d, log, sizeof(log)))
			log[0] = '\0';
		mig_cli_fail(c, -ESRCH, d, "%s is shut off (%s); its console log is %s", d->name,
			     mig_dom_reason_name(d->rec.reason), log);
		return 0;
	}
	err = mig_store_path(d, "console.sock", path, sizeof(path));
	if (!err)
		err = mig_cli_write_path(&m, MIG_CLI_REP_CONSOLE, path, 0);
	if (err) {
		mig_cli_fail(c, err, d, "%s: no usable console socket path", d->name);
		return 0;
	}
	mig_cli_send(c, &m);
	mig_cli_done(c);
	return 0;
}

static const struct {
	enum mig_cli_type type;
	int (*serve)(struct cli_conn *c, const struct mig_cli_frame *f);
} ops[] = {
	{ MIG_CLI_REQ_CREATE, mig_cli_create },
	{ MIG_CLI_REQ_LIST, list },
	{ MIG_CLI_REQ_PAUSE, pause_dom },
	{ MIG_CLI_REQ_UNPAUSE, unpause_dom },
	{ MIG_CLI_REQ_DESTROY, destroy },
	{ MIG_CLI_REQ_SHUTDOWN, shutdown_dom },
	{ MIG_CLI_REQ_CONSOLE, console },
	{ MIG_CLI_REQ_SAVE, mig_cli_save },
	{ MIG_CLI_REQ_RESTORE, mig_cli_restore },
};

int mig_cli_dispatch(struct cli_conn *c, const struct mig_cli_frame *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (ops[i].type == f->type)
			return ops[i].serve(c, f);
	return -EOPNOTSUPP;
}
