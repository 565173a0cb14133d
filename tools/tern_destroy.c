/* tern destroy DOM: end the domain at once; a shut-off one leaves the list. */
#include "tern.h"

static int run(struct tern_ctx *ctx, int argc, char **argv)
{
	return tern_one_domain(ctx, &tern_cmd_destroy, argc, argv, MIG_CLI_REQ_DESTROY);
}

const struct tern_cmd tern_cmd_destroy = {
	.name = "destroy",
	.args = "DOM",
	.help = "end the domain at once; a shut-off one leaves the list",
	.run = run,
};
