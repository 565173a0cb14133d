/*
 * The domains ternd knows: one record each, live or shut off, named by a
 * unique name; a live one also has a domain id, unique among live ones,
 * and a tern-hv process (supervise.h).  Every change of state is written to
 * the state folder (store.h) and told to the requests waiting on it.
 */
#ifndef MIG_DOMAIN_H
#define MIG_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "cli_msg.h"
#include "ctl_proto.h"
#include "dom_state.h"
#include "ternd.h"

struct mig_domain;
struct mig_watch;

/*
 * A request waiting for a domain to change (to start, to end).  changed()
 * is called after every change of state; it returns true when the wait is
 * over, and the waiter is then off the list.  It is called a last time
 * when the record is freed (d->freed set; ternd is exiting), to let go.
 * Owned by the waiting side.
 */
struct mig_waiter {
	struct mig_waiter *next;
	struct mig_domain *d; /* while waiting; NULL otherwise */
	bool (*changed)(struct mig_waiter *w, struct mig_domain *d);
};

/*
 * Work on a domain in libuv's thread pool.  run must not touch the domain
 * (copy what it needs first); done runs on the loop, whether or not the
 * record was freed meanwhile (d->freed), and frees the work.  The record
 * stays allocated until done has returned.
 */
struct mig_work {
	uv_work_t req;
	struct mig_domain *d;
	void (*run)(struct mig_work *w);
	void (*done)(struct mig_work *w);
};

struct mig_domain {
	struct ternd *t;
	struct mig_domain *next;
	char name[MIG_CLI_NAME_MAX + 1];
	struct mig_dom_record rec; /* what the state file holds */

	/* The tern-hv process (supervise.c), while rec.state is not SHUTOFF. */
	bool child;           /* this ternd started it: its exit status is ours */
	int pidfd;            /* -1 when none */
	uv_poll_t exit_watch; /* on pidfd: readable when tern-hv has ended */
	uv_timer_t timer;     /* attach polls, then the destroy deadline */
	unsigned attach_polls; /* made so far */
	bool kill_if_late;    /* a start: kill tern-hv if it does not attach in time */
	bool start_timed_out; /* killed for not starting in time */
	bool destroying;      /* destroy sent SIGTERM */
	bool killed;          /* destroy sent SIGKILL */
	bool forget;          /* destroy: remove the record once it has ended */

	/* Its control socket (hvctl.c). */
	bool attaching;          /* an ATTACH request is on its way */
	struct mig_watch *watch; /* the connection subscribed to the stop notification */
	int32_t stop_reason;     /* from the notification; HV_CTL_STOP_NONE */

	const char *busy;      /* "being saved", ...: a long operation runs */
	struct mig_waiter *waiters;
	unsigned refs;         /* libuv handles not yet closed, requests in flight */
	bool freed;            /* off the list, freed when refs is 0 */
};

/*
 * Makes a record for name (a name mig_cli_name_ok accepts that is not
 * already known), shut off for now, and puts it on t's list.  Returns it
 * or NULL (out of memory).
 */
struct mig_domain *mig_domain_new(struct ternd *t, const char *name);

/*
 * Takes d off the list, tells its waiters, and frees it once its handles
 * are closed and its work is done; its process, if any, must have been
 * released (supervise.h).
 */
void mig_domain_free(struct mig_domain *d);

/*
 * Drops a reference taken by d->refs++ (a handle or a request that may
 * outlive the record): the record is freed with its last reference once
 * mig_domain_free was called.  mig_domain_handle_closed does it for a
 * closed handle whose data is d.
 */
void mig_domain_put(struct mig_domain *d);
void mig_domain_handle_closed(uv_handle_t *h);

/* The domain a reference names ("web", "3", "dom3"), or NULL. */
struct mig_domain *mig_domain_find(struct ternd *t, const char *ref);

/* A free domain id: the first unused from t->next_domid on, wrapping. -ENOSPC if none. */
int mig_domain_alloc_id(struct ternd *t, uint32_t *domid);

/* Takes the id want if no domain uses it: 0, -EADDRINUSE, or -EINVAL. */
int mig_domain_claim_id(struct ternd *t, uint32_t want, uint32_t *domid);

/* d as the CLI protocol describes it. */
void mig_domain_info(const struct mig_domain *d, struct mig_cli_domain *out);

/* "web (id 3)" or "web": for messages.  buf of at least MIG_DOMAIN_LABEL_MAX. */
#define MIG_DOMAIN_LABEL_MAX (MIG_CLI_NAME_MAX + 24)
const char *mig_domain_label(const struct mig_domain *d, char *buf);

/*
 * Records a change of d's state: writes the state file (a failure is
 * logged; the state in memory is what counts) and calls the waiters.
 */
void mig_domain_changed(struct mig_domain *d);

/* Queues w (run, done set) for d.  0 or a libuv error (nothing queued). */
int mig_domain_queue(struct mig_domain *d, struct mig_work *w);

/* Makes w wait on d. */
void mig_domain_wait(struct mig_domain *d, struct mig_waiter *w);

/* Stops w waiting, if it waits. */
void mig_domain_unwait(struct mig_waiter *w);

#endif
