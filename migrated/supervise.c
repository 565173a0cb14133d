#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hvctl.h"
#include "log.h"
#include "store.h"

extern char **environ;

#define ATTACH_POLL_MS 20

/* tern-hv's exit statuses (docs/user-guide.md). */
enum { HV_EXIT_POWEROFF, HV_EXIT_ERROR, HV_EXIT_CRASH, HV_EXIT_REBOOT, HV_EXIT_DESTROYED };

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot. */
static int start_time(pid_t pid, uint64_t *ticks)
{
	char path[64], text[1024], *p;
	unsigned long long v;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	text[n] = '\0';
	/* The name in parentheses may hold anything: count from the last ')'. */
	p = strrchr(text, ')');
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", &v) != 1)
		return -EPROTO;
	*ticks = v;
	return 0;
}

static void watch_closed(uv_handle_t *h)
{
	struct mig_domain *d = h->data;

	close(d->pidfd);
	d->pidfd = -1;
	mig_domain_handle_closed(h);
}

static void unwatch(struct mig_domain *d)
{
	uv_timer_stop(&d->timer);
	mig_ctl_unwatch(d);
	if (d->pidfd >= 0)
		uv_close((uv_handle_t *)&d->exit_watch, watch_closed);
}

/* Why the domain ended, from how its tern-hv (our child) ended. */
static enum mig_dom_reason exit_reason(struct mig_domain *d, const siginfo_t *si)
{
	if (si->si_code == CLD_EXITED) {
		switch (si->si_status) {
		case HV_EXIT_POWEROFF: return MIG_REASON_POWEROFF;
		case HV_EXIT_CRASH: return MIG_REASON_CRASH;
		case HV_EXIT_REBOOT: return MIG_REASON_REBOOT;
		case HV_EXIT_DESTROYED: return MIG_REASON_DESTROYED;
		default: return MIG_REASON_ERROR;
		}
	}
	return d->killed && si->si_status == SIGKILL ? MIG_REASON_DESTROYED : MIG_REASON_KILLED;
}

/* Why the domain ended, from what the control socket said, for another's child. */
static enum mig_dom_reason stop_reason(struct mig_domain *d)
{
	switch (d->stop_reason) {
	case HV_CTL_STOP_POWEROFF: return MIG_REASON_POWEROFF;
	case HV_CTL_STOP_REBOOT: return MIG_REASON_REBOOT;
	case HV_CTL_STOP_CRASH: return MIG_REASON_CRASH;
	case HV_CTL_STOP_DESTROY: return MIG_REASON_DESTROYED;
	case HV_CTL_STOP_ERROR: return MIG_REASON_ERROR;
	default: return d->destroying ? MIG_REASON_DESTROYED : MIG_REASON_UNKNOWN;
	}
}

/* The record of a domain that has ended. */
static void shut_off(struct mig_domain *d, enum mig_dom_reason reason)
{
	d->rec = (struct mig_dom_record){
		.state = MIG_DOM_SHUTOFF, .reason = reason, .started = d->rec.started,
		.vcpus = d->rec.vcpus, .memory = d->rec.memory,
	};
	d->stop_reason = HV_CTL_STOP_NONE;
	mig_domain_changed(d);
}

static void ended(uv_poll_t *w, int status, int events)
{
	struct mig_domain *d = w->data;
	char label[MIG_DOMAIN_LABEL_MAX];
	enum mig_dom_reason reason = stop_reason(d);
	siginfo_t si = { 0 };

	(void)status;
	(void)events;
	if (d->child && !waitid(P_PIDFD, (id_t)d->pidfd, &si, WEXITED | WNOHANG) && si.si_pid)
		reason = exit_reason(d, &si);
	unwatch(d);
	log_warnx("%s: tern-hv (pid %d) ended: %s", mig_domain_label(d, label), (int)d->rec.pid,
		  mig_dom_reason_name(reason));
	shut_off(d, reason);
	if (d->forget) {
		mig_store_remove(d);
		mig_domain_free(d);
	}
}

static int watch(struct mig_domain *d, int pidfd)
{
	int err = uv_poll_init(d->t->loop, &d->exit_watch, pidfd);

	if (!err)
		err = uv_poll_start(&d->exit_watch, UV_READABLE, ended);
	if (err) {
		close(pidfd);
		return err;
	}
	d->pidfd = pidfd;
	d->exit_watch.data = d;
	d->refs++;
	return 0;
}

/* An ATTACH is done: d takes the state tern-hv reports. */
static void attached(struct mig_ctl_req *r)
{
	struct mig_domain *d = r->d;

	d->attaching = false;
	if (d->freed)
		return;
	if (r->err) {
		log_debug("%s: control socket: %s", d->name, r->text);
		return; /* the next poll tries again */
	}
	if (d->rec.state == MIG_DOM_SHUTOFF || d->destroying || d->killed)
		return;
	uv_timer_stop(&d->timer);
	mig_ctl_watch(d, r);
	d->rec.state = r->info.state == HV_CTL_STATE_RUNNING ? MIG_DOM_RUNNING :
		       r->info.state == HV_CTL_STATE_PAUSED ? MIG_DOM_PAUSED : MIG_DOM_STOPPING;
	mig_domain_changed(d);
}

/* Tries to attach when the control socket is there, until the deadline. */
static void poll_attach(uv_timer_t *timer)
{
	struct mig_domain *d = timer->data;
	char path[PATH_MAX];
	struct stat st;

	if (!d->attaching && !mig_store_path(d, "control.sock", path, sizeof(path)) &&
	    !stat(path, &st) && S_ISSOCK(st.st_mode))
		d->attaching = mig_ctl_submit(d, MIG_CTL_ATTACH, attached, NULL) != NULL;
	if (++d->attach_polls * ATTACH_POLL_MS < MIG_SUP_START_TIMEOUT_MS)
		return;
	uv_timer_stop(timer);
	if (!d->kill_if_late) {
		log_warnx("%s: its control socket does not answer; pause, unpause and shutdown "
			  "will fail", d->name);
		return;
	}
	log_warnx("%s: its control socket does not answer after %d ms; killing tern-hv",
		  d->name, MIG_SUP_START_TIMEOUT_MS);
	d->start_timed_out = true;
	d->killed = true;
	kill(d->rec.pid, SIGKILL);
}

void mig_sup_attach(struct mig_domain *d, bool kill_if_late)
{
	d->attach_polls = 0;
	d->kill_if_late = kill_if_late;
	uv_timer_start(&d->timer, poll_attach, 0, ATTACH_POLL_MS);
}

/* stdin and stdout on /dev/null, stderr appended to hv.log; a new session. */
static int spawn(struct mig_domain *d, char *const argv[], pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char log_path[PATH_MAX];
	sigset_t none, all;
	int err = mig_store_path(d, "hv.log", log_path, sizeof(log_path));

	if (err)
		return err;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_addopen(&fa, 2, log_path,
						       O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (!err)
		err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
						      POSIX_SPAWN_SETSIGDEF);
	if (!err)
		err = posix_spawnattr_setsigmask(&attr, &none);
	if (!err)
		err = posix_spawnattr_setsigdefault(&attr, &all);
	if (!err)
		err = posix_spawn(pid, d->t->hv_path, &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return -err;
}

int mig_sup_start(struct mig_domain *d, bool incoming)
{
	char config[PATH_MAX], domid[16];
	char *argv[] = { (char *)d->t->hv_path, "-v", "--domid", domid, config, NULL, NULL };
	uint64_t ticks = 0;
	pid_t pid;
	int pidfd, err = mig_store_path(d, "config", config, sizeof(config));

	snprintf(domid, sizeof(domid), "%u", d->rec.domid);
	if (incoming) {
		argv[5] = config;
		argv[4] = "--incoming";
	}
	if (!err)
		err = spawn(d, argv, &pid);
	if (err)
		return err;
	/* Our child, not yet waited for: pid cannot name another process. */
	pidfd = pidfd_open(pid, 0);
	err = pidfd < 0 ? -errno : start_time(pid, &ticks);
	if (!err)
		err = watch(d, pidfd);
	else if (pidfd >= 0)
		close(pidfd);
	if (err) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return err;
	}
	d->child = true;
	d->destroying = d->killed = d->forget = d->start_timed_out = false;
	d->stop_reason = HV_CTL_STOP_NONE;
	d->rec.state = MIG_DOM_STARTING;
	d->rec.reason = MIG_REASON_NONE;
	d->rec.pid = pid;
	d->rec.pid_start = ticks;
	d->rec.started = (uint64_t)time(NULL);
	memcpy(d->rec.boot_id, d->t->boot_id, sizeof(d->rec.boot_id));
	mig_domain_changed(d);
	mig_sup_attach(d, true);
	return 0;
}

/* Whether pid is still the process the state file names (see the header). */
static bool same_process(struct mig_domain *d)
{
	uint64_t ticks;

	return !strcmp(d->rec.boot_id, d->t->boot_id) && !start_time(d->rec.pid, &ticks) &&
	       ticks == d->rec.pid_start;
}

int mig_sup_adopt(struct mig_domain *d)
{
	char label[MIG_DOMAIN_LABEL_MAX];
	int pidfd = pidfd_open(d->rec.pid, 0);

	/* Checked after the pidfd is open, so that it names the process checked. */
	if (pidfd >= 0 && (!same_process(d) || watch(d, pidfd))) {
		close(pidfd);
		pidfd = -1;
	}
	if (pidfd < 0) {
		log_warnx("%s: its tern-hv (pid %d) is gone", mig_domain_label(d, label),
			  (int)d->rec.pid);
		shut_off(d, MIG_REASON_UNKNOWN);
		return -ESRCH;
	}
	d->child = false;
	log_warnx("%s: tern-hv (pid %d) found again, %s", mig_domain_label(d, label),
		  (int)d->rec.pid, mig_dom_state_name(d->rec.state));
	mig_sup_attach(d, false);
	return 0;
}

static void kill_late(uv_timer_t *timer)
{
	struct mig_domain *d = timer->data;

	log_warnx("%s: tern-hv still there %d ms after SIGTERM; sending SIGKILL", d->name,
		  MIG_SUP_KILL_DELAY_MS);
	d->killed = true;
	kill(d->rec.pid, SIGKILL);
}

void mig_sup_destroy(struct mig_domain *d, bool forget)
{
	d->forget = d->forget || forget;
	if (d->rec.state == MIG_DOM_SHUTOFF)
		return;
	uv_timer_stop(&d->timer);
	d->destroying = true;
	kill(d->rec.pid, SIGTERM);
	d->rec.state = MIG_DOM_STOPPING;
	uv_timer_start(&d->timer, kill_late, MIG_SUP_KILL_DELAY_MS, 0);
	mig_domain_changed(d);
}

void mig_sup_release(struct mig_domain *d)
{
	unwatch(d);
}
