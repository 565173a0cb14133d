/*
 * tern list [--json]: every domain ternd knows, live ones by id, then the
 * shut-off ones; as a table, or as a JSON array of objects.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "tern.h"

static void print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_json(const struct mig_cli_domain *d, bool first)
{
	printf("%s\n  {\"id\": ", first ? "" : ",");
	d->domid ? printf("%u", d->domid) : printf("null");
	printf(", \"name\": ");
	print_json_string(d->name);
	printf(", \"state\": \"%s\", \"reason\": ", mig_dom_state_name(d->state));
	d->reason ? printf("\"%s\"", mig_dom_reason_name(d->reason)) : printf("null");
	printf(", \"vcpus\": %u, \"memory_mib\": %llu, \"pid\": ", d->vcpus,
	       (unsigned long long)d->memory);
	d->pid ? printf("%u", d->pid) : printf("null");
	printf(", \"started\": %llu}", (unsigned long long)d->started);
}

static void print_row(const struct mig_cli_domain *d, time_t now)
{
	char id[16] = "-", pid[16] = "-", state[32], uptime[32] = "-";
	unsigned long long up = (unsigned long long)now - d->started;

	if (d->domid) {
		snprintf(id, sizeof(id), "%u", d->domid);
		snprintf(pid, sizeof(pid), "%u", d->pid);
		if ((unsigned long long)now >= d->started)
			snprintf(uptime, sizeof(uptime), "%llu:%02llu:%02llu", up / 3600,
				 up / 60 % 60, up % 60);
	}
	if (d->reason)
		snprintf(state, sizeof(state), "%s (%s)", mig_dom_state_name(d->state),
			 mig_dom_reason_name(d->reason));
	else
		snprintf(state, sizeof(state), "%s", mig_dom_state_name(d->state));
	printf("%-5s %-20s %-20s %5u %10llu %8s %10s\n", id, d->name, state, d->vcpus,
	       (unsigned long long)d->memory, pid, uptime);
}

/* Reads DOMAIN replies until END, printing each; the exit status. */
static int print_all(int fd, bool json)
{
	struct tern_reply rep;
	struct mig_cli_domain d;
	time_t now = time(NULL);
	bool first = true;
	int type;

	if (json)
		printf("[");
	else
		printf("%-5s %-20s %-20s %5s %10s %8s %10s\n", "ID", "NAME", "STATE", "VCPUS",
		       "MEMORY_MIB", "PID", "UPTIME");
	while ((type = tern_recv(fd, &rep)) == MIG_CLI_REP_DOMAIN) {
		if (mig_cli_read_domain(&rep.frame, &d))
			break;
		json ? print_json(&d, first) : print_row(&d, now);
		first = false;
	}
	if (type < 0)
		return 1;
	if (type != MIG_CLI_REP_END || mig_cli_read_empty(&rep.frame, MIG_CLI_REP_END)) {
		fprintf(stderr, "tern: ternd's reply is not understood (type %d)\n", type);
		return 1;
	}
	if (json)
		printf("%s]\n", first ? "" : "\n");
	return 0;
}

static int run(struct tern_ctx *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct mig_cli_msg req;
	bool json = false;
	int c, fd, status;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c != 'j')
			return tern_usage(&tern_cmd_list);
		json = true;
	}
	if (optind != argc)
		return tern_usage(&tern_cmd_list);
	mig_cli_write_empty(&req, MIG_CLI_REQ_LIST);
	fd = tern_send(ctx, &req);
	if (fd < 0)
		return 1;
	status = print_all(fd, json);
	close(fd);
	return status;
}

const struct tern_cmd tern_cmd_list = {
	.name = "list",
	.args = "[--json]",
	.help = "list the domains and their state",
	.run = run,
};
