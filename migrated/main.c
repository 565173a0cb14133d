/*
 * ternd: the dom0 daemon.
 *
 *   ternd [--state-dir DIR] [--socket PATH] [--hv PATH] [-v]
 *
 * Runs in the foreground and logs to stderr.  It starts and watches the
 * domains' tern-hv processes and serves `tern` on its socket; when it exits
 * (SIGTERM, SIGINT) the domains run on, and the next ternd finds them
 * again (docs/ternd.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_server.h"
#include "log.h"
#include "store.h"
#include "supervise.h"

#define DEFAULT_STATE_DIR "/var/lib/tern"
#define DEFAULT_SOCKET "/run/tern/ternd.sock"

struct options {
	const char *state_dir, *socket, *hv;
	int verbose;
};

static const struct option long_options[] = {
	{ "state-dir", required_argument, NULL, 's' },
	{ "socket", required_argument, NULL, 'S' },
	{ "hv", required_argument, NULL, 'H' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ternd [options]\n"
		"The dom0 daemon: runs domains (tern-hv processes) and serves the tern CLI.\n"
		"  --state-dir DIR   domains' configurations, state and console logs\n"
		"                    (default " DEFAULT_STATE_DIR ")\n"
		"  --socket PATH     the CLI socket (default " DEFAULT_SOCKET ")\n"
		"  --hv PATH         the tern-hv executable (default: $TERN_HV, else tern-hv\n"
		"                    next to ternd, else ../hv/tern-hv from it: the build tree)\n"
		"  -v, --verbose     more messages (twice: debug)\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int c;

	*o = (struct options){ .state_dir = DEFAULT_STATE_DIR, .socket = DEFAULT_SOCKET,
			       .hv = getenv("TERN_HV") };
	while ((c = getopt_long(argc, argv, "vh", long_options, NULL)) != -1) {
		switch (c) {
		case 's': o->state_dir = optarg; break;
		case 'S': o->socket = optarg; break;
		case 'H': o->hv = optarg; break;
		case 'v': o->verbose++; break;
		case 'V': printf("ternd %s\n", TERN_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* The tern-hv to run, as an absolute path (see usage). */
static int find_hv(const char *given, char *out)
{
	char self[PATH_MAX], candidate[PATH_MAX * 2];
	const char *tails[] = { "tern-hv", "../hv/tern-hv" }, *dir;
	ssize_t n;

	if (given)
		return realpath(given, out) && !access(out, X_OK) ? 0 : -errno;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = '\0';
	dir = dirname(self);
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		snprintf(candidate, sizeof(candidate), "%s/%s", dir, tails[i]);
		if (realpath(candidate, out) && !access(out, X_OK))
			return 0;
	}
	return -ENOENT;
}

static int read_boot_id(char out[37])
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, out, 36);

	if (fd >= 0)
		close(fd);
	if (n != 36)
		return -EIO;
	out[36] = '\0';
	return 0;
}

/* ternd exits; the domains' processes run on. */
static void on_signal(uv_signal_t *s, int sig)
{
	struct ternd *t = s->data;

	log_warnx("signal %d: exiting; the domains run on", sig);
	mig_cli_close(t);
	while (t->domains) {
		mig_sup_release(t->domains);
		mig_domain_free(t->domains);
	}
	uv_close((uv_handle_t *)&t->sigterm, NULL);
	uv_close((uv_handle_t *)&t->sigint, NULL);
}

/* Finds the domains again that the state folder says are live. */
static void adopt_all(struct ternd *t)
{
	for (struct mig_domain *d = t->domains; d; d = d->next)
		if (d->rec.state != MIG_DOM_SHUTOFF)
			mig_sup_adopt(d);
}

static int setup(struct ternd *t, const struct options *o, char *err, size_t errlen)
{
	int r = mig_store_open(t, err, errlen);

	if (!r && (r = mig_store_load(t)))
		snprintf(err, errlen, "%s/domains: %s", t->state_dir, strerror(-r));
	if (r)
		return r;
	adopt_all(t);
	r = mig_cli_listen(t, err, errlen);
	if (r)
		return r;
	uv_signal_init(t->loop, &t->sigterm);
	uv_signal_init(t->loop, &t->sigint);
	t->sigterm.data = t->sigint.data = t;
	uv_signal_start(&t->sigterm, on_signal, SIGTERM);
	uv_signal_start(&t->sigint, on_signal, SIGINT);
	log_warnx("serving %s; state in %s; tern-hv is %s", o->socket, t->state_dir, t->hv_path);
	return 0;
}

/* The state folder made and made absolute, tern-hv found, this boot's id read. */
static int locate(struct ternd *t, const struct options *o)
{
	static char state_dir[PATH_MAX], hv[PATH_MAX];
	int r;

	if ((mkdir(o->state_dir, 0700) && errno != EEXIST) || !realpath(o->state_dir, state_dir)) {
		log_warn("%s", o->state_dir);
		return -errno;
	}
	r = find_hv(o->hv, hv);
	if (r) {
		log_warnx("cannot find tern-hv (%s): %s; give --hv PATH", o->hv ? o->hv :
			  "next to ternd", strerror(-r));
		return r;
	}
	r = read_boot_id(t->boot_id);
	if (r) {
		log_warnx("cannot read this boot's id");
		return r;
	}
	t->state_dir = state_dir;
	t->socket_path = o->socket;
	t->hv_path = hv;
	return 0;
}

int main(int argc, char **argv)
{
	struct ternd t = { .loop = uv_default_loop(), .lock_fd = -1 };
	struct options o;
	char err[PATH_MAX + 256];

	if (parse_args(argc, argv, &o))
		return 2;
	mig_log_set_level(o.verbose);
	signal(SIGPIPE, SIG_IGN);
	umask(077);
	if (locate(&t, &o))
		return 1;
	if (setup(&t, &o, err, sizeof(err))) {
		log_warnx("%s", err);
		return 1;
	}
	uv_run(t.loop, UV_RUN_DEFAULT);
	uv_loop_close(t.loop);
	close(t.lock_fd);
	return 0;
}
