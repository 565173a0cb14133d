/*
 * tern shutdown [--wait] DOM: asks the guest to power off, as xl does
 * (control/shutdown in its xenstore); the guest may take its time, or
 * ignore it.  With --wait, tern returns once the domain is shut off.
 */
#include <getopt.h>

#include "tern.h"

static int run(struct tern_ctx *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "wait", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct mig_cli_domain d;
	uint32_t flags = 0;
	int c, status;

	while ((c = getopt_long(argc, argv, "w", options, NULL)) != -1) {
		if (c != 'w')
			return tern_usage(&tern_cmd_shutdown);
		flags = MIG_CLI_SHUTDOWN_WAIT;
	}
	if (optind != argc - 1)
		return tern_usage(&tern_cmd_shutdown);
	status = tern_domain_request(ctx, MIG_CLI_REQ_SHUTDOWN, argv[optind], flags, &d);
	if (!status)
		tern_print_domain(&d, flags ? "" : "asked to shut down; ");
	return status;
}

const struct tern_cmd tern_cmd_shutdown = {
	.name = "shutdown",
	.args = "[--wait] DOM",
	.help = "ask the guest to power off (--wait: until it is shut off)",
	.run = run,
};
