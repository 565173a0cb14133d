/*
 * A domain's control socket (hv/ctl_client.h, docs/control.md) as ternd
 * uses it.  The client library is synchronous, so each request runs in
 * libuv's thread pool on a connection of its own: a tern-hv that does not
 * answer holds up that request, never ternd's loop.  One more connection
 * per domain, made by ATTACH, stays open on the loop subscribed to the
 * stop notification: it says why a domain stopped even when ternd is not
 * tern-hv's parent, and its end after a reboot says tern-hv restarted.
 */
#ifndef MIG_HVCTL_H
#define MIG_HVCTL_H

#include <limits.h>
#include <sys/types.h>
#include <uv.h>

#include "ctl_client.h"
#include "domain.h"

struct cli_conn;

enum mig_ctl_op {
	MIG_CTL_ATTACH,   /* connect, check the peer, subscribe, info */
	MIG_CTL_PAUSE,
	MIG_CTL_UNPAUSE,
	MIG_CTL_SHUTDOWN, /* ask the guest to power off */
};

struct mig_ctl_req {
	struct mig_work work;
	struct mig_domain *d; /* held (mig_domain_queue) until done has run */
	enum mig_ctl_op op;
	/* Copied from d when queued: the worker never reads d. */
	char path[PATH_MAX];  /* the control socket */
	pid_t pid;            /* tern-hv's */
	uint32_t domid;
	/* The result. */
	int err;                     /* 0 or -errno */
	char text[HV_CTL_MAX_ERROR]; /* what failed, in tern-hv's words if it said */
	struct hv_ctl_client client; /* ATTACH: the subscribed connection */
	struct hv_ctl_info info;     /* ATTACH: the domain as tern-hv sees it */
	/* Called on the loop when the request is done, even if d was freed meanwhile. */
	void (*done)(struct mig_ctl_req *r);
	struct cli_conn *owner; /* done's; NULL, or cleared when it closes */
};

/*
 * Queues op for d.  Returns the request, which is freed after its done
 * has run, or NULL when out of memory (nothing queued).
 */
struct mig_ctl_req *mig_ctl_submit(struct mig_domain *d, enum mig_ctl_op op,
				   void (*done)(struct mig_ctl_req *r), struct cli_conn *owner);

/*
 * Takes the connection a successful ATTACH made as d's watch: the stop
 * notification then sets d->stop_reason and makes a running domain
 * STOPPING; when the connection ends, a domain that stopped to reboot is
 * attached again (tern-hv restarts in the same process).
 */
void mig_ctl_watch(struct mig_domain *d, struct mig_ctl_req *r);

/* Closes d's watch, if any. */
void mig_ctl_unwatch(struct mig_domain *d);

#endif
