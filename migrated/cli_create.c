/*
 * tern create CFG: ternd reads the configuration (tern sends its absolute
 * path), keeps its own copy with absolute paths and the console files it
 * chooses, starts tern-hv on it and answers once the domain runs.  The
 * same start serves tern restore (cli_restore.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "cli_ops.h"
#include "config.h"
#include "dom_config.h"
#include "store.h"
#include "supervise.h"

#define SOCKET_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

void mig_cli_fail_start(struct cli_conn *c, struct mig_domain *d)
{
	char tail[256], log[PATH_MAX];

	mig_store_hv_log_tail(d, tail, sizeof(tail));
	if (mig_store_path(d, "hv.log", log, sizeof(log)))
		log[0] = '\0';
	if (d->start_timed_out)
		mig_cli_fail(c, -ETIMEDOUT, d, "%s did not start within %d s and was killed; "
			     "it is shut off; see %s", d->name, MIG_SUP_START_TIMEOUT_MS / 1000, log);
	else
		mig_cli_fail(c, -EIO, d, "tern-hv ended before %s ran (%s)%s%s; it is shut off; "
			     "see %s", d->name, mig_dom_reason_name(d->rec.reason),
			     tail[0] ? ": " : "", tail, log);
}

/* The create request's waiter: the domain runs, or never will. */
static bool started(struct mig_waiter *w, struct mig_domain *d)
{
	struct cli_conn *c = MIG_CLI_CONN_OF(w);

	if (d->freed) {
		mig_cli_fail(c, -ESRCH, NULL, "%s went away: ternd is exiting", d->name);
		return true;
	}
	if (d->rec.state == MIG_DOM_STARTING)
		return false;
	if (d->rec.state == MIG_DOM_SHUTOFF) {
		mig_cli_fail_start(c, d);
		return true;
	}
	mig_cli_send_domain(c, d);
	mig_cli_done(c);
	return true;
}

int mig_cli_config_ok(struct cli_conn *c, const char *what, const struct hv_config *cfg)
{
	char err[512];
	uint32_t domid;

	if (hv_config_check(cfg, err, sizeof(err))) {
		mig_cli_fail(c, -EINVAL, NULL, "%s: %s; no domain created", what, err);
		return -EINVAL;
	}
	if (!mig_cli_name_ok(cfg->name, strlen(cfg->name)) || mig_cli_ref_domid(cfg->name, &domid)) {
		mig_cli_fail(c, -EINVAL, NULL, "%s: name \"%.64s\" is not allowed: 1 to %d letters, "
			     "digits, '_', '.' and '-', not first '.' or '-', and not a domain id "
			     "(3, dom3); no domain created", what, cfg->name, MIG_CLI_NAME_MAX);
		return -EINVAL;
	}
	return 0;
}

/* A path in the domain's folder for a socket, into *field. */
static int socket_path(struct mig_domain *d, const char *file, char **field)
{
	char path[PATH_MAX];
	int err = mig_store_path(d, file, path, sizeof(path));

	if (!err && strlen(path) > SOCKET_PATH_MAX)
		err = -ENAMETOOLONG;
	if (err)
		return err;
	free(*field);
	*field = strdup(path);
	return *field ? 0 : -ENOMEM;
}

/* Points the console and control sockets and the console log at the state folder. */
static int own_paths(struct mig_domain *d, struct hv_config *cfg)
{
	char log[PATH_MAX];
	int err = socket_path(d, "console.sock", &cfg->console_socket);

	if (!err)
		err = socket_path(d, "control.sock", &cfg->control_socket);
	if (!err)
		err = mig_store_console_log(d, log, sizeof(log));
	if (err)
		return err;
	free(cfg->console_log);
	cfg->console_log = strdup(log);
	return cfg->console_log ? 0 : -ENOMEM;
}

/* Writes the domain's folder and configuration and starts tern-hv. */
static int start(struct mig_domain *d, struct hv_config *cfg, uint32_t domid, bool incoming)
{
	struct mig_dom_record old = d->rec;
	char *text;
	int err = own_paths(d, cfg);

	if (!err)
		err = mig_store_prepare(d);
	if (err)
		return err;
	text = mig_dom_config_format(cfg);
	err = text ? mig_store_write_config(d, text) : -ENOMEM;
	free(text);
	if (err)
		return err;
	d->rec.domid = domid;
	d->rec.vcpus = cfg->vcpus;
	d->rec.memory = cfg->memory;
	err = mig_sup_start(d, incoming);
	if (err)
		d->rec = old;
	return err;
}

struct mig_domain *mig_cli_launch(struct cli_conn *c, struct hv_config *cfg, uint32_t restore_domid,
				  struct mig_waiter *w)
{
	bool incoming = restore_domid != 0;
	struct mig_domain *d = mig_domain_find(c->t, cfg->name);
	char label[MIG_DOMAIN_LABEL_MAX];
	bool fresh = !d;
	uint32_t domid;
	int err;

	if (d && d->rec.state != MIG_DOM_SHUTOFF) {
		mig_cli_fail(c, -EEXIST, d, "%s already exists, %s; no domain created",
			     mig_domain_label(d, label), mig_dom_state_name(d->rec.state));
		return NULL;
	}
	if (fresh && !(d = mig_domain_new(c->t, cfg->name))) {
		mig_cli_fail(c, -ENOMEM, NULL, "out of memory; no domain created");
		return NULL;
	}
	err = incoming ? mig_domain_claim_id(c->t, restore_domid, &domid)
		       : mig_domain_alloc_id(c->t, &domid);
	if (!err)
		err = start(d, cfg, domid, incoming);
	if (err) {
		mig_cli_fail(c, err, fresh ? NULL : d, "cannot start %s: %s; no domain created",
			     cfg->name, strerror(-err));
		if (fresh) {
			mig_store_remove(d);
			mig_domain_free(d);
		}
		return NULL;
	}
	mig_domain_wait(d, w);
	return d;
}

int mig_cli_create(struct cli_conn *c, const struct mig_cli_frame *f)
{
	char path[MIG_CLI_PATH_MAX + 1];
	struct hv_config cfg;
	char err[512];
	uint32_t flags;

	if (mig_cli_read_path(f, MIG_CLI_REQ_CREATE, path, &flags))
		return -EBADMSG;
	hv_config_init(&cfg);
	if (hv_config_load(&cfg, path, err, sizeof(err)))
		mig_cli_fail(c, -EINVAL, NULL, "%s; no domain created", err);
	else if (!mig_cli_config_ok(c, path, &cfg)) {
		c->wait.changed = started;
		mig_cli_launch(c, &cfg, 0, &c->wait);
	}
	hv_config_free(&cfg);
	return 0;
}
