/* tern unpause DOM: let a paused domain run again. */
#include "tern.h"

static int run(struct tern_ctx *ctx, int argc, char **argv)
{
	return tern_one_domain(ctx, &tern_cmd_unpause, argc, argv, MIG_CLI_REQ_UNPAUSE);
}

const struct tern_cmd tern_cmd_unpause = {
	.name = "unpause",
	.args = "DOM",
	.help = "let a paused domain run again",
	.run = run,
};
