/*
 * What ternd does for each CLI request: a table of handlers, one per
 * request type (cli_ops.c and cli_create.c).
 */
#ifndef MIG_CLI_OPS_H
#define MIG_CLI_OPS_H

#include "cli_server.h"
#include "config.h"

/*
 * Serves the request in f on c: the handler replies and calls mig_cli_done
 * now or later.  Returns 0, -EBADMSG when the payload is malformed or
 * -EOPNOTSUPP for an unknown type: then nothing was sent.
 */
int mig_cli_dispatch(struct cli_conn *c, const struct mig_cli_frame *f);

/* The handlers of CREATE (cli_create.c), SAVE (cli_save.c) and RESTORE (cli_restore.c). */
int mig_cli_create(struct cli_conn *c, const struct mig_cli_frame *f);
int mig_cli_save(struct cli_conn *c, const struct mig_cli_frame *f);
int mig_cli_restore(struct cli_conn *c, const struct mig_cli_frame *f);

/*
 * Checks a configuration for CREATE or RESTORE (what names it in
 * messages): complete, and a name ternd accepts.  Returns 0, or -EINVAL
 * with the request answered.
 */
int mig_cli_config_ok(struct cli_conn *c, const char *what, const struct hv_config *cfg);

/*
 * Starts a domain from cfg with a new id, or, with restore_domid non-zero,
 * as a restore target (tern-hv --incoming) keeping that id: the guest
 * knows its id (xenstore paths, CPUID), so a restore must not change it.
 * Makes w (changed set) wait on it.  Returns the domain, or NULL with c's
 * request answered (a live domain has that name, the id is taken or none
 * is free, tern-hv cannot be started).
 */
struct mig_domain *mig_cli_launch(struct cli_conn *c, struct hv_config *cfg, uint32_t restore_domid,
				  struct mig_waiter *w);

/* Answers c's request: d ended before it ran (why, and hv.log's last line). */
void mig_cli_fail_start(struct cli_conn *c, struct mig_domain *d);

/*
 * Whether d can take a request (verb, for messages) in state want and
 * without a long operation running; if not, the request is answered.
 */
bool mig_cli_require(struct cli_conn *c, struct mig_domain *d, enum mig_dom_state want,
		     const char *verb);

/*
 * The domain a request names (f's payload read as a reference, its flags
 * into c->flags).  NULL with *err -EBADMSG for a malformed request, or
 * with *err 0 when there is no such domain (the request answered).
 */
struct mig_domain *mig_cli_target(struct cli_conn *c, const struct mig_cli_frame *f, int *err);

/* Answers c's request with d's state once d is shut off (at once if it is). */
void mig_cli_wait_shut_off(struct cli_conn *c, struct mig_domain *d);

/* The connection that owns a waiter. */
#define MIG_CLI_CONN_OF(w) \
	((struct cli_conn *)((char *)(w) - offsetof(struct cli_conn, wait)))

#endif
