/*
 * tern restore [--paused] FILE: the domain saved in FILE runs again, with
 * the configuration the file holds and a new domain id; --paused leaves
 * it paused.  If the restore fails, no domain is left.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "tern.h"

static int run(struct tern_ctx *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "paused", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	char path[PATH_MAX];
	struct mig_cli_stats s;
	struct mig_cli_domain d;
	struct mig_cli_msg m;
	uint32_t flags = 0;
	int c;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c != 'p')
			return tern_usage(&tern_cmd_restore);
		flags = MIG_CLI_RESTORE_PAUSED;
	}
	if (optind != argc - 1)
		return tern_usage(&tern_cmd_restore);
	if (!realpath(argv[optind], path)) {
		perror(argv[optind]);
		return 1;
	}
	if (mig_cli_write_path(&m, MIG_CLI_REQ_RESTORE, path, flags)) {
		fprintf(stderr, "tern: %s: path too long or with control characters\n", path);
		return 1;
	}
	if (tern_ask_stats(ctx, &m, &s, &d))
		return 1;
	printf("%s (id %u): restored from %s: %.1f MiB in %.3f s (%llu pages, %llu zero)\n",
	       d.name, d.domid, path, s.bytes / 1048576.0, s.total_ns / 1e9,
	       (unsigned long long)s.pages, (unsigned long long)s.zero_pages);
	tern_print_domain(&d, "");
	return 0;
}

const struct tern_cmd tern_cmd_restore = {
	.name = "restore",
	.args = "[--paused] FILE",
	.help = "run the domain saved in FILE again",
	.run = run,
};
