/*
 * tern-hv: runs one domain.
 *
 *   tern-hv [options] [CONFIG]
 *
 * The guest's console goes to stdout, tern-hv's own messages to stderr.
 * Exit status: 0 the guest powered off, 2 it crashed, 3 it rebooted and
 * on_reboot says destroy, 4 destroyed by a signal, 1 a hypervisor error.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "bootdisk.h"
#include "control.h"
#include "domain.h"
#include "log.h"

enum exit_status {
	EXIT_POWEROFF = 0,
	EXIT_HV_ERROR = 1,
	EXIT_CRASH = 2,
	EXIT_REBOOT = 3,
	EXIT_DESTROYED = 4,
};

#define DEFAULT_DOMID 1
#define MAX_OPTIONS 64

struct options {
	const char *config;
	uint32_t domid;
	int verbose;
	bool print_boot;
	enum hv_control_start start;
	const char *start_arg;   /* its argv element, left out of a restart */
	const char *keys[MAX_OPTIONS];
	const char *values[MAX_OPTIONS];
	unsigned n;
};

static const struct option long_options[] = {
	{ "kernel", required_argument, NULL, 'k' },
	{ "ramdisk", required_argument, NULL, 'r' },
	{ "cmdline", required_argument, NULL, 'c' },
	{ "memory", required_argument, NULL, 'm' },
	{ "maxmem", required_argument, NULL, 'M' },
	{ "vcpus", required_argument, NULL, 'n' },
	{ "cpuid", required_argument, NULL, 'C' },
	{ "name", required_argument, NULL, 'N' },
	{ "disk", required_argument, NULL, 'D' },
	{ "vif", required_argument, NULL, 'F' },
	{ "xenstore-socket", required_argument, NULL, 'X' },
	{ "console-socket", required_argument, NULL, 'S' },
	{ "console-log", required_argument, NULL, 'L' },
	{ "control-socket", required_argument, NULL, 'K' },
	{ "paused", no_argument, NULL, 'P' },
	{ "print-boot", no_argument, NULL, 'B' },
	{ "incoming", no_argument, NULL, 'I' },
	{ "domid", required_argument, NULL, 'd' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tern-hv [options] [CONFIG]\n"
		"Runs one Xen PVH domain on KVM.  CONFIG is an xl.cfg file; options\n"
		"override its keys.\n"
		"  --kernel PATH     guest kernel (ELF with a PVH note, or bzImage)\n"
		"  --ramdisk PATH    initrd, passed as module 0\n"
		"  --cmdline TEXT    kernel command line\n"
		"  --memory MiB      RAM (default 128)\n"
		"  --maxmem MiB      maximum RAM (default: memory)\n"
		"  --vcpus N         vCPUs (default 1)\n"
		"  --cpuid POLICY    CPUID mask in xl.cfg cpuid= syntax (repeatable)\n"
		"  --name NAME       domain name\n"
		"  --disk SPEC       a disk in xl syntax, e.g. 'vdev=xvda,target=disk.img'\n"
		"                    (repeatable)\n"
		"  --vif SPEC        a network interface in xl syntax, e.g.\n"
		"                    'mac=00:16:3e:00:00:01,bridge=br0' or 'vifname=tap0'\n"
		"                    (repeatable; docs/network.md)\n"
		"  --xenstore-socket PATH  serve xenstore to dom0 clients on PATH\n"
		"  --console-socket PATH   let a terminal attach to the console on PATH\n"
		"  --console-log PATH      copy the console to PATH\n"
		"  --control-socket PATH   serve the domain's control protocol on PATH\n"
		"                    (docs/control.md)\n"
		"  --paused          boot the kernel but keep the vCPUs paused until a\n"
		"                    control client unpauses them\n"
		"  --incoming        restore target: load no kernel, write no boot tables;\n"
		"                    wait paused for memory, vCPU and device state through\n"
		"                    the control socket, then run when unpaused\n"
		"  --domid N         domain id the guest sees (default %d)\n"
		"  --print-boot      print the kernel, initrd and command line that the\n"
		"                    default entry of the boot disk's grub.cfg names, and exit\n"
		"  -v, --verbose     more messages (twice: debug)\n"
		"Exit status: 0 powered off, 2 crashed, 3 rebooted (on_reboot=destroy),\n"
		"4 destroyed by a signal, 1 hypervisor error.\n",
		DEFAULT_DOMID);
}

/* Maps an option to its xl.cfg key, or NULL for options that are not keys. */
static const char *option_key(int c)
{
	switch (c) {
	case 'k': return "kernel";
	case 'r': return "ramdisk";
	case 'c': return "cmdline";
	case 'm': return "memory";
	case 'M': return "maxmem";
	case 'n': return "vcpus";
	case 'C': return "cpuid";
	case 'N': return "name";
	case 'D': return "disk";
	case 'F': return "vif";
	case 'X': return "xenstore_socket";
	case 'S': return "console_socket";
	case 'L': return "console_log";
	case 'K': return "control_socket";
	default: return NULL;
	}
}

static int parse_domid(const char *s, uint32_t *domid)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v == 0 || v >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	*domid = (uint32_t)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int c;

	o->domid = DEFAULT_DOMID;
	while ((c = getopt_long(argc, argv, "vh", long_options, NULL)) != -1) {
		const char *key = option_key(c);

		if (key) {
			if (o->n == MAX_OPTIONS)
				return -E2BIG;
			o->keys[o->n] = key;
			o->values[o->n++] = optarg;
		} else if (c == 'd') {
			if (parse_domid(optarg, &o->domid)) {
				fprintf(stderr, "tern-hv: bad --domid %s\n", optarg);
				return -EINVAL;
			}
		} else if (c == 'P' || c == 'I') {
			if (o->start != HV_CONTROL_RUN) {
				fprintf(stderr, "tern-hv: --paused and --incoming exclude each other\n");
				return -EINVAL;
			}
			o->start = c == 'P' ? HV_CONTROL_PAUSED : HV_CONTROL_INCOMING;
			o->start_arg = argv[optind - 1];
		} else if (c == 'B') {
			o->print_boot = true;
		} else if (c == 'v') {
			o->verbose++;
		} else if (c == 'V') {
			printf("tern-hv %s\n", TERN_VERSION);
			exit(0);
		} else if (c == 'h') {
			usage(stdout);
			exit(0);
		} else {
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc)
		o->config = argv[optind++];
	if (optind < argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static int configure(struct hv_config *cfg, const struct options *o)
{
	char err[512];

	if (o->config && hv_config_load(cfg, o->config, err, sizeof(err))) {
		fprintf(stderr, "tern-hv: %s\n", err);
		return -EINVAL;
	}
	for (unsigned i = 0; i < o->n; i++) {
		if (hv_config_set(cfg, o->keys[i], o->values[i], err, sizeof(err))) {
			fprintf(stderr, "tern-hv: --%s: %s\n", o->keys[i], err);
			return -EINVAL;
		}
	}
	if (hv_config_check(cfg, err, sizeof(err))) {
		fprintf(stderr, "tern-hv: %s\n", err);
		return -EINVAL;
	}
	if (o->start != HV_CONTROL_RUN && !cfg->control_socket) {
		fprintf(stderr, "tern-hv: --paused and --incoming need a control socket\n");
		return -EINVAL;
	}
	return 0;
}

/*
 * Removes arg (an element of argv, which getopt may have reordered) so that
 * a rebooted domain boots its kernel and runs, paused or restored or not.
 */
static void drop_arg(char **argv, const char *arg)
{
	int i = 0;

	while (argv[i] && argv[i] != arg)
		i++;
	for (; argv[i]; i++)
		argv[i] = argv[i + 1];
}

/* --print-boot: what the host-side loader would boot, as pygrub -q shows. */
static int print_boot(const struct hv_config *cfg)
{
	struct hv_boot_files f;
	char err[768];
	int r;

	if (cfg->kernel) {
		fprintf(stderr, "tern-hv: --print-boot: the configuration names a kernel, so "
			"nothing is read from a disk\n");
		return EXIT_HV_ERROR;
	}
	r = hv_bootdisk_load_config(cfg, &f, err, sizeof(err));
	if (r)
		fprintf(stderr, "tern-hv: %s\n", err);
	else if (f.note[0])
		fprintf(stderr, "tern-hv: %s\n", f.note);
	if (!r)
		printf("config: %s\nentry: %s\nkernel: %s\ninitrd: %s\ncmdline: %s\n", f.config,
		       f.entry, f.kernel_name, f.initrd_name ? f.initrd_name : "", f.cmdline);
	hv_boot_files_free(&f);
	return r ? EXIT_HV_ERROR : EXIT_POWEROFF;
}

/* Waits until the domain stops; a termination signal destroys it. */
static void wait_for_stop(struct hv_domain *d, const sigset_t *set)
{
	for (;;) {
		int sig = sigwaitinfo(set, NULL);
		enum hv_stop stop;

		if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
			log_info("signal %d: destroying the domain", sig);
			hv_domain_stop(d, HV_STOP_DESTROY);
		}
		pthread_mutex_lock(&d->lock);
		stop = d->stop;
		pthread_mutex_unlock(&d->lock);
		if (stop != HV_STOP_NONE)
			return;
	}
}

/* What the configuration says to do, and the exit status if we exit. */
static enum hv_action decide(const struct hv_domain *d, int *status)
{
	switch (d->stop) {
	case HV_STOP_POWEROFF:
		*status = EXIT_POWEROFF;
		return d->cfg->on_poweroff;
	case HV_STOP_REBOOT:
		*status = EXIT_REBOOT;
		return d->cfg->on_reboot;
	case HV_STOP_CRASH:
		*status = EXIT_CRASH;
		return d->cfg->on_crash;
	case HV_STOP_DESTROY:
		*status = EXIT_DESTROYED;
		return HV_ACTION_DESTROY;
	default:
		*status = EXIT_HV_ERROR;
		return HV_ACTION_DESTROY;
	}
}

/* A restore target's memory map; the rest comes through the control socket. */
static int incoming_setup(struct hv_domain *d)
{
	d->nr_memmap = hv_boot_memmap(&d->mem, d->memmap, HV_MAX_MEMMAP);
	return 0;
}

static int run(struct hv_domain *d, const sigset_t *set, enum hv_control_start start,
	       struct hv_control **ctl)
{
	int err = start == HV_CONTROL_INCOMING ? incoming_setup(d) : hv_boot_setup(d);

	if (!err)
		err = hv_devices_init(d);
	if (err)
		return err;
	if (d->cfg->control_socket)
		err = hv_control_start(d, d->cfg->control_socket, start, ctl);
	if (!err)
		err = hv_vcpus_start(d);
	if (!err) {
		log_info("domain %s %s, %u vCPU(s), %llu MiB", d->cfg->name,
			 start == HV_CONTROL_RUN ? "running" : "paused", d->nr_vcpus,
			 (unsigned long long)d->cfg->memory);
		wait_for_stop(d, set);
	}
	hv_domain_stop(d, HV_STOP_DESTROY);
	if (*ctl)
		hv_control_stopped(*ctl);
	hv_vcpus_join(d);
	hv_devices_exit(d);
	return err;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct hv_config cfg;
	struct hv_domain d;
	struct hv_control *ctl = NULL;
	sigset_t set;
	int status, err;
	enum hv_action action;

	hv_config_init(&cfg);
	if (parse_args(argc, argv, &o) || configure(&cfg, &o)) {
		hv_config_free(&cfg);
		return EXIT_HV_ERROR;
	}
	if (o.print_boot) {
		status = print_boot(&cfg);
		hv_config_free(&cfg);
		return status;
	}
	hv_log_set_domain(cfg.name);
	hv_log_set_level(o.verbose);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGUSR1); /* unblocked by vCPU threads only */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigdelset(&set, SIGUSR1);

	if (hv_domain_create(&d, &cfg, o.domid)) {
		hv_config_free(&cfg);
		return EXIT_HV_ERROR;
	}
	err = hv_console_init(&d.console, STDOUT_FILENO, STDIN_FILENO);
	if (!err) {
		err = run(&d, &set, o.start, &ctl);
		hv_console_destroy(&d.console);
	}
	action = err ? HV_ACTION_DESTROY : decide(&d, &status);
	if (err)
		status = EXIT_HV_ERROR;
	if (action == HV_ACTION_PRESERVE) {
		log_warnx("domain stopped (status %d) and preserved; send SIGTERM to end", status);
		while (sigwaitinfo(&set, NULL) == SIGUSR2)
			;
	}
	if (ctl)
		hv_control_stop(ctl);
	hv_domain_destroy(&d);
	if (action == HV_ACTION_RESTART) {
		log_warnx("domain stopped (status %d): restarting it", status);
		hv_config_free(&cfg);
		drop_arg(argv, o.start_arg);
		execv("/proc/self/exe", argv);
		log_warn("cannot restart");
		return EXIT_HV_ERROR;
	}
	hv_config_free(&cfg);
	return status;
}
