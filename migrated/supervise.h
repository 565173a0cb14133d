/*
 * tern-hv processes: starting them, finding them again after ternd
 * restarted, watching them end, pausing and ending them.
 *
 * A tern-hv runs in a session of its own with its output in files, so that
 * nothing that happens to ternd (its terminal, its exit, its crash) reaches
 * it.  ternd watches it through a pidfd, which also works for a process an
 * earlier ternd started; only for its own children does it learn the exit
 * status; for the others the control socket's stop notification says why
 * (hvctl.h).  A process found again is checked to be the domain's tern-hv:
 * the same boot and the same start time as the state file says, and then
 * the process serving the domain's control socket.
 */
#ifndef MIG_SUPERVISE_H
#define MIG_SUPERVISE_H

#include "domain.h"

#define MIG_SUP_START_TIMEOUT_MS 30000 /* for the control socket to answer */
#define MIG_SUP_KILL_DELAY_MS 10000    /* from SIGTERM to SIGKILL */

/*
 * Starts tern-hv for d, whose folder and configuration are written and
 * whose record has its domain id, vCPUs and memory; with incoming, as a
 * restore target (tern-hv --incoming: attached, it is PAUSED and waits
 * for its state through the control socket).  d becomes STARTING,
 * then RUNNING once ternd is attached to its control socket, or SHUTOFF if
 * tern-hv ends first or does not get there within MIG_SUP_START_TIMEOUT_MS
 * (it is then killed and d->start_timed_out set); mig_domain_changed is
 * called each time.  Returns 0, or -errno with nothing started and d
 * unchanged.
 */
int mig_sup_start(struct mig_domain *d, bool incoming);

/*
 * Attaches to d's control socket (hvctl.h) as soon as it answers: d then
 * takes the state tern-hv reports.  If that does not happen within
 * MIG_SUP_START_TIMEOUT_MS, tern-hv is killed with kill_if_late, else the
 * domain runs on without its control socket (a warning says so).
 */
void mig_sup_attach(struct mig_domain *d, bool kill_if_late);

/*
 * Watches d's tern-hv again after a restart of ternd (d's record comes from
 * its state file and is live).  Returns 0, or -ESRCH when that process is
 * gone: d is then shut off, reason unknown.  Its control socket is
 * attached again, and says the domain's state.
 */
int mig_sup_adopt(struct mig_domain *d);

/*
 * Ends d's tern-hv: SIGTERM (tern-hv destroys its domain and exits), then
 * SIGKILL if it is still there after MIG_SUP_KILL_DELAY_MS.  d becomes
 * STOPPING, then SHUTOFF (reason destroyed) when the process has ended;
 * with forget, its record is removed then, after the waiters were told.
 */
void mig_sup_destroy(struct mig_domain *d, bool forget);

/* Stops watching d (ternd is exiting); its process runs on. */
void mig_sup_release(struct mig_domain *d);

#endif
