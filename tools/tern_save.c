/*
 * tern save [--live] [--keep] [--compress] DOM FILE: writes the domain to
 * FILE (its configuration and a Xen migration stream), then destroys it;
 * --keep leaves it as it was; --live copies memory while it runs and
 * pauses it only for the last round; --compress gzips the stream.  If the
 * save fails, the domain is left as it was and FILE is not written.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern.h"

/* FILE made absolute (ternd writes it): its folder must exist. */
static int absolute(const char *file, char *out, size_t len)
{
	char dir[PATH_MAX];

	if (file[0] == '/') {
		snprintf(out, len, "%s", file);
		return 0;
	}
	if (!getcwd(dir, sizeof(dir)))
		return -errno;
	return snprintf(out, len, "%s/%s", dir, file) >= (int)len ? -ENAMETOOLONG : 0;
}

static int parse(int argc, char **argv, struct mig_cli_save *req)
{
	static const struct option options[] = {
		{ "live", no_argument, NULL, 'l' },
		{ "keep", no_argument, NULL, 'k' },
		{ "compress", no_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c == 'l')
			req->flags |= MIG_CLI_SAVE_LIVE;
		else if (c == 'k')
			req->flags |= MIG_CLI_SAVE_KEEP;
		else if (c == 'z')
			req->flags |= MIG_CLI_SAVE_COMPRESS;
		else
			return -EINVAL;
	}
	if (optind != argc - 2 || strlen(argv[optind]) > MIG_CLI_NAME_MAX)
		return -EINVAL;
	strcpy(req->ref, argv[optind]);
	return 0;
}

static int run(struct tern_ctx *ctx, int argc, char **argv)
{
	struct mig_cli_save req = { .flags = 0 };
	struct mig_cli_stats s;
	struct mig_cli_domain d;
	struct mig_cli_msg m;
	int err;

	if (parse(argc, argv, &req))
		return tern_usage(&tern_cmd_save);
	err = absolute(argv[argc - 1], req.path, sizeof(req.path));
	if (err || mig_cli_write_save(&m, &req)) {
		fprintf(stderr, "tern: cannot save to %s: %s\n", argv[argc - 1],
			err ? strerror(-err) : "not a domain and a usable path");
		return err ? 1 : 2;
	}
	if (tern_ask_stats(ctx, &m, &s, &d))
		return 1;
	printf("%s: saved to %s: %.1f MiB in %.3f s (paused %.1f ms, %u rounds, "
	       "%llu pages, %llu zero)\n", d.name, req.path, s.bytes / 1048576.0,
	       s.total_ns / 1e9, s.paused_ns / 1e6, s.rounds, (unsigned long long)s.pages,
	       (unsigned long long)s.zero_pages);
	tern_print_domain(&d, "");
	return 0;
}

const struct tern_cmd tern_cmd_save = {
	.name = "save",
	.args = "[--live] [--keep] [--compress] DOM FILE",
	.help = "write the domain to FILE, then destroy it (--keep: leave it)",
	.run = run,
};
