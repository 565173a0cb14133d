/*
 * tern-ctl: talks to one domain's control socket directly (docs/control.md),
 * for operators debugging a domain and for tests; day-to-day management
 * goes through ternd and `tern`.
 *
 *   tern-ctl SOCKET COMMAND [ARGS]
 *
 * Exit status 0 on success, 1 on a failure (the reason on stderr), 2 for
 * bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_client.h"

struct cmd {
	const char *name;
	int nargs;          /* arguments after the command; -1: 0 or 1; -2: 1 or 2 */
	const char *args;   /* for the usage text */
	const char *help;
	int (*run)(struct hv_ctl_client *c, char **argv);
};

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || end == s || *end ? -EINVAL : 0;
}

static int write_file(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");
	int err = 0;

	if (!f)
		return -errno;
	if (fwrite(p, 1, len, f) != len)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

/* Reads a whole file of at most max bytes into a malloc'd buffer. */
static int read_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(max + 1);
	int err = 0;

	if (!f || !buf) {
		err = f ? -ENOMEM : -errno;
		goto out;
	}
	*len = fread(buf, 1, max + 1, f);
	if (ferror(f))
		err = -EIO;
	else if (*len > max)
		err = -EFBIG;
out:
	if (f)
		fclose(f);
	if (err)
		free(buf);
	else
		*out = buf;
	return err;
}

static int cmd_info(struct hv_ctl_client *c, char **argv)
{
	struct hv_ctl_info i;
	int err = hv_ctl_info(c, &i);

	(void)argv;
	if (err)
		return err;
	printf("name: %s\ndomid: %u\nvcpus: %u\nmemory: %llu MiB\nstate: %s\n", i.name, i.domid,
	       i.nr_vcpus, (unsigned long long)i.memory_mib, hv_ctl_state_name(i.state));
	if (i.state == HV_CTL_STATE_SHUTDOWN)
		printf("reason: %s\n", hv_ctl_stop_name(i.stop_reason));
	printf("incoming: %s\nlog-dirty: %s\nuptime: %.3f s\n",
	       i.flags & HV_CTL_INFO_INCOMING ? "yes" : "no",
	       i.flags & HV_CTL_INFO_DIRTY ? "on" : "off", (double)i.uptime_ns / 1e9);
	return 0;
}

static int cmd_pause(struct hv_ctl_client *c, char **argv)
{
	(void)argv;
	return hv_ctl_pause(c);
}

static int cmd_unpause(struct hv_ctl_client *c, char **argv)
{
	(void)argv;
	return hv_ctl_unpause(c);
}

static int cmd_destroy(struct hv_ctl_client *c, char **argv)
{
	(void)argv;
	return hv_ctl_destroy(c);
}

static int cmd_shutdown(struct hv_ctl_client *c, char **argv)
{
	const char *how = argv[0] ? argv[0] : "poweroff";

	if (strcmp(how, "poweroff") && strcmp(how, "reboot")) {
		snprintf(c->err, sizeof(c->err), "poweroff or reboot, not %s", how);
		return -EINVAL;
	}
	return hv_ctl_shutdown(c, strcmp(how, "reboot") ? HV_CTL_SHUTDOWN_POWEROFF
							: HV_CTL_SHUTDOWN_REBOOT);
}

/* Prints the reason the domain stopped, once it has. */
static int cmd_wait(struct hv_ctl_client *c, char **argv)
{
	uint64_t secs = 0;
	int32_t reason;
	int err;

	if (argv[0] && (parse_u64(argv[0], &secs) || secs > 86400)) {
		snprintf(c->err, sizeof(c->err), "bad number of seconds %s", argv[0]);
		return -EINVAL;
	}
	err = hv_ctl_subscribe(c);
	if (!err)
		err = hv_ctl_wait_stopped(c, argv[0] ? (int)secs * 1000 : -1, &reason);
	if (!err)
		printf("stopped: %s\n", hv_ctl_stop_name(reason));
	return err;
}

static int vcpu_number(struct hv_ctl_client *c, const char *s, unsigned *vcpu)
{
	uint64_t v;

	if (parse_u64(s, &v) || v > UINT32_MAX) {
		snprintf(c->err, sizeof(c->err), "bad vCPU number %s", s);
		return -EINVAL;
	}
	*vcpu = (unsigned)v;
	return 0;
}

/* Writes the state in its wire form (struct hv_ctl_vcpu), which vcpu-set reads back. */
static int cmd_vcpu_get(struct hv_ctl_client *c, char **argv)
{
	struct hv_vcpu_state s;
	struct hv_ctl_vcpu w;
	unsigned vcpu;
	int err = vcpu_number(c, argv[0], &vcpu);

	if (!err)
		err = hv_ctl_vcpu_get(c, vcpu, &s);
	if (!err)
		err = hv_ctl_vcpu_encode(&s, vcpu, &w);
	if (!err)
		err = write_file(argv[1], &w, sizeof(w));
	return err;
}

static int cmd_vcpu_set(struct hv_ctl_client *c, char **argv)
{
	struct hv_vcpu_state s;
	uint8_t *buf = NULL;
	size_t len = 0;
	unsigned vcpu;
	int err = vcpu_number(c, argv[0], &vcpu);

	if (!err)
		err = read_file(argv[1], sizeof(struct hv_ctl_vcpu), &buf, &len);
	if (!err && (len != sizeof(struct hv_ctl_vcpu) ||
		     hv_ctl_vcpu_decode((const struct hv_ctl_vcpu *)buf, &s))) {
		snprintf(c->err, sizeof(c->err), "%s is not a vCPU state (version %u)", argv[1],
			 HV_CTL_VCPU_VERSION);
		err = -EINVAL;
	}
	if (!err)
		err = hv_ctl_vcpu_set(c, vcpu, &s);
	free(buf);
	return err;
}

static int cmd_devices_get(struct hv_ctl_client *c, char **argv)
{
	uint8_t *blob;
	size_t len;
	int err = hv_ctl_devices_get(c, &blob, &len);

	if (err)
		return err;
	err = write_file(argv[0], blob, len);
	free(blob);
	return err;
}

static int cmd_devices_set(struct hv_ctl_client *c, char **argv)
{
	uint8_t *blob;
	size_t len;
	int err = read_file(argv[0], HV_CTL_MAX_BLOB, &blob, &len);

	if (err)
		return err;
	err = hv_ctl_devices_set(c, blob, len);
	free(blob);
	return err;
}

static int cmd_memory(struct hv_ctl_client *c, char **argv)
{
	struct hv_ctl_guest_mem g;
	int err = hv_ctl_guest_map(c, &g);

	(void)argv;
	if (err)
		return err;
	for (uint32_t i = 0; i < g.map.nr_regions; i++) {
		const struct hv_ctl_region *r = &g.map.regions[i];

		printf("0x%012llx-0x%012llx %s fd %u offset 0x%llx\n", (unsigned long long)r->gpa,
		       (unsigned long long)(r->gpa + r->size - 1),
		       r->flags & HV_CTL_REGION_RAM ? "ram  " : "frame", r->fd,
		       (unsigned long long)r->offset);
	}
	hv_ctl_guest_unmap(&g);
	return 0;
}

/* Copies guest memory to stdout, raw, from the mapped memfd. */
static int cmd_read(struct hv_ctl_client *c, char **argv)
{
	struct hv_ctl_guest_mem g;
	uint64_t gpa, len;
	const void *p;
	int err;

	if (parse_u64(argv[0], &gpa) || parse_u64(argv[1], &len) || !len) {
		snprintf(c->err, sizeof(c->err), "bad address or length %s %s", argv[0], argv[1]);
		return -EINVAL;
	}
	err = hv_ctl_guest_map(c, &g);
	if (err)
		return err;
	p = hv_ctl_guest_ptr(&g, gpa, len);
	if (!p) {
		snprintf(c->err, sizeof(c->err), "0x%llx+%llu is not inside one region",
			 (unsigned long long)gpa, (unsigned long long)len);
		err = -EFAULT;
	} else if (fwrite(p, 1, len, stdout) != len || fflush(stdout)) {
		err = -EIO;
	}
	hv_ctl_guest_unmap(&g);
	return err;
}

/* Reads a file straight into guest memory through the mapped memfd (a restore's RAM). */
static int cmd_write(struct hv_ctl_client *c, char **argv)
{
	struct hv_ctl_guest_mem g;
	FILE *f = NULL;
	struct stat st;
	uint64_t gpa;
	void *p = NULL;
	int err = 0;

	if (parse_u64(argv[0], &gpa)) {
		snprintf(c->err, sizeof(c->err), "bad address %s", argv[0]);
		return -EINVAL;
	}
	f = fopen(argv[1], "rb");
	if (!f || fstat(fileno(f), &st) < 0 || st.st_size <= 0) {
		snprintf(c->err, sizeof(c->err), "%s: %s", argv[1], f ? "empty" : strerror(errno));
		err = -EINVAL;
	}
	if (!err)
		err = hv_ctl_guest_map(c, &g);
	if (!err) {
		p = hv_ctl_guest_ptr(&g, gpa, (size_t)st.st_size);
		if (!p) {
			snprintf(c->err, sizeof(c->err), "0x%llx+%lld is not inside one region",
				 (unsigned long long)gpa, (long long)st.st_size);
			err = -EFAULT;
		} else if (fread(p, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
			err = -EIO;
		}
		hv_ctl_guest_unmap(&g);
	}
	if (f)
		fclose(f);
	return err;
}

/* Counts the bits set in the first nr_frames bits of the bitmap. */
static uint64_t count_bits(const uint64_t *bits, uint64_t nr_frames)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < (nr_frames + 63) / 64; i++)
		n += (uint64_t)__builtin_popcountll(bits[i]);
	return n;
}

/* Turns log-dirty tracking on, harvests COUNT times SECONDS apart, turns it off. */
static int cmd_dirty(struct hv_ctl_client *c, char **argv)
{
	uint64_t secs, count = 1, nr_dirty;
	struct hv_ctl_dirty shape;
	const uint64_t *bits;
	int fd, err;

	if (parse_u64(argv[0], &secs) || secs > 3600 ||
	    (argv[1] && (parse_u64(argv[1], &count) || !count || count > 100000))) {
		snprintf(c->err, sizeof(c->err), "bad seconds or count");
		return -EINVAL;
	}
	err = hv_ctl_dirty_enable(c, &shape, &fd);
	if (err)
		return err;
	bits = mmap(NULL, shape.bitmap_bytes, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (bits == MAP_FAILED)
		return -errno;
	for (uint64_t i = 1; !err && i <= count; i++) {
		sleep((unsigned)secs);
		err = hv_ctl_dirty_harvest(c, &nr_dirty);
		if (!err && count_bits(bits, c->dirty_frames) != nr_dirty) {
			snprintf(c->err, sizeof(c->err), "the bitmap does not hold %llu bits",
				 (unsigned long long)nr_dirty);
			err = -EPROTO;
		}
		if (!err)
			printf("harvest %llu: %llu of %llu frames dirty\n", (unsigned long long)i,
			       (unsigned long long)nr_dirty, (unsigned long long)c->dirty_frames);
		fflush(stdout);
	}
	munmap((void *)bits, shape.bitmap_bytes);
	return err ? err : hv_ctl_dirty_disable(c);
}

static const struct cmd cmds[] = {
	{ "info", 0, "", "name, id, vCPUs, memory and state", cmd_info },
	{ "pause", 0, "", "park the vCPUs and the devices", cmd_pause },
	{ "unpause", 0, "", "let them run again", cmd_unpause },
	{ "destroy", 0, "", "stop the domain now", cmd_destroy },
	{ "shutdown", -1, "[poweroff|reboot]", "ask the guest (xenstore control/shutdown)",
	  cmd_shutdown },
	{ "wait", -1, "[SECONDS]", "wait for the domain to stop; print why", cmd_wait },
	{ "vcpu-get", 2, "N FILE", "save vCPU N's state (paused)", cmd_vcpu_get },
	{ "vcpu-set", 2, "N FILE", "load vCPU N's state (paused)", cmd_vcpu_set },
	{ "devices-get", 1, "FILE", "save the device state (paused)", cmd_devices_get },
	{ "devices-set", 1, "FILE", "load it (--incoming, before the first run)",
	  cmd_devices_set },
	{ "memory", 0, "", "list the guest-memory regions and their memfds", cmd_memory },
	{ "read", 2, "GPA LEN", "copy guest memory to stdout (mapped, not sent)", cmd_read },
	{ "write", 2, "GPA FILE", "copy FILE into guest memory (mapped)", cmd_write },
	{ "dirty", -2, "SECONDS [COUNT]", "log-dirty: COUNT harvests SECONDS apart", cmd_dirty },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tern-ctl SOCKET COMMAND [ARGS]\n"
		   "Talks to a domain's control socket (tern-hv --control-socket).\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-12s %-18s %s\n", cmds[i].name, cmds[i].args, cmds[i].help);
}

int main(int argc, char **argv)
{
	const struct cmd *cmd = NULL;
	struct hv_ctl_client c;
	int nargs = argc - 3, err;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; argc >= 3 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[2], cmds[i].name))
			cmd = &cmds[i];
	if (!cmd || (cmd->nargs >= 0 ? nargs != cmd->nargs
				     : nargs < -1 - cmd->nargs || nargs > -cmd->nargs)) {
		usage(stderr);
		return 2;
	}
	err = hv_ctl_connect(&c, argv[1]);
	if (!err)
		err = cmd->run(&c, argv + 3);
	if (err)
		fprintf(stderr, "tern-ctl: %s: %s\n", cmd->name, c.err[0] ? c.err : strerror(-err));
	hv_ctl_close(&c);
	return err ? 1 : 0;
}
