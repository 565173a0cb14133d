/*
 * tern create CFG: starts a domain from an xl.cfg file.  ternd reads the
 * file itself, so its absolute path is sent; it answers once the domain
 * runs.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern.h"

static int run(struct tern_ctx *ctx, int argc, char **argv)
{
	char path[PATH_MAX];
	struct mig_cli_domain d;
	struct mig_cli_msg req;

	if (argc != 2)
		return tern_usage(&tern_cmd_create);
	if (!realpath(argv[1], path)) {
		fprintf(stderr, "tern: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (mig_cli_write_path(&req, MIG_CLI_REQ_CREATE, path, 0)) {
		fprintf(stderr, "tern: %s: path too long or with control characters\n", path);
		return 1;
	}
	if (tern_ask_domain(ctx, &req, &d))
		return 1;
	printf("%s (id %u): %s, pid %u\n", d.name, d.domid, mig_dom_state_name(d.state), d.pid);
	return 0;
}

const struct tern_cmd tern_cmd_create = {
	.name = "create",
	.args = "CFG",
	.help = "start a domain from an xl.cfg file",
	.run = run,
};
