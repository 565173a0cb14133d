/* tern pause DOM: pause the domain's vCPUs. */
#include "tern.h"

static int run(struct tern_ctx *ctx, int argc, char **argv)
{
	return tern_one_domain(ctx, &tern_cmd_pause, argc, argv, MIG_CLI_REQ_PAUSE);
}

const struct tern_cmd tern_cmd_pause = {
	.name = "pause",
	.args = "DOM",
	.help = "pause the domain's vCPUs",
	.run = run,
};
