/*
 * tern: the command line of Tern, a client of ternd.
 *
 *   tern [--socket PATH] COMMAND [ARGS]
 *
 * Exit status: 0 done, 1 failed (the message says what failed and the
 * state the domain is left in), 2 bad usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern.h"

static const struct tern_cmd *const commands[] = {
	&tern_cmd_create,
	&tern_cmd_list,
	&tern_cmd_console,
	&tern_cmd_pause,
	&tern_cmd_unpause,
	&tern_cmd_shutdown,
	&tern_cmd_destroy,
	&tern_cmd_save,
	&tern_cmd_restore,
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: tern [--socket PATH] COMMAND [ARGS]\n"
		   "  --socket PATH  ternd's socket (default " TERN_DEFAULT_SOCKET ")\n"
		   "A domain (DOM) is named by its name or its id: web, 3 or dom3.\n"
		   "Commands:\n");
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-10s %-14s %s\n", commands[i]->name, commands[i]->args,
			commands[i]->help);
}

static const struct option long_options[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	struct tern_ctx ctx = { .socket = TERN_DEFAULT_SOCKET };
	int c;

	/* '+': options after the command are the command's. */
	while ((c = getopt_long(argc, argv, "+h", long_options, NULL)) != -1) {
		if (c == 's') {
			ctx.socket = optarg;
		} else if (c == 'V') {
			printf("tern %s\n", TERN_VERSION);
			return 0;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	argc -= optind;
	argv += optind;
	/* Each command parses its own arguments, its name first. */
	optind = 0;
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(argv[0], commands[i]->name))
			return commands[i]->run(&ctx, argc, argv);
	fprintf(stderr, "tern: unknown command \"%s\"\n", argv[0]);
	usage(stderr);
	return 2;
}
