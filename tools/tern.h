/*
 * tern, the CLI: one file per verb (tern_VERB.c), each defining its entry
 * of the command table in tern.c, and the client side of ternd's protocol
 * (tern_client.c, migrated/cli_msg.h).
 */
#ifndef TERN_H
#define TERN_H

#include <stdint.h>

#include "cli_msg.h"

#define TERN_DEFAULT_SOCKET "/run/tern/ternd.sock"

/* What every verb gets: the global options. */
struct tern_ctx {
	const char *socket; /* ternd's CLI socket */
};

/* One verb.  run returns the exit status: 0 done, 1 failed, 2 bad usage. */
struct tern_cmd {
	const char *name;
	const char *args; /* for usage: "CFG", "DOM", "[--json]" */
	const char *help; /* one line */
	int (*run)(struct tern_ctx *ctx, int argc, char **argv);
};

extern const struct tern_cmd tern_cmd_create, tern_cmd_list, tern_cmd_console,
	tern_cmd_pause, tern_cmd_unpause, tern_cmd_destroy, tern_cmd_shutdown, tern_cmd_save,
	tern_cmd_restore;

/* A reply read from ternd: frame points into buf. */
struct tern_reply {
	struct mig_cli_frame frame;
	uint8_t buf[MIG_CLI_HDR_SIZE + MIG_CLI_MAX_PAYLOAD];
};

/* Connects to the Unix socket at path: the socket, or -1 with errno. */
int tern_connect(const char *path);

/*
 * Connects to ternd and sends req.  Returns the connected socket, or -1
 * with a message on stderr.
 */
int tern_send(const struct tern_ctx *ctx, const struct mig_cli_msg *req);

/*
 * Reads one reply from fd.  An ERROR reply is printed on stderr ("tern:
 * what failed; state") and so is a broken one.  Returns the reply's type,
 * or -1 for an ERROR or a broken reply.
 */
int tern_recv(int fd, struct tern_reply *rep);

/*
 * Sends req and reads a DOMAIN reply into d.  Returns 0, or 1 with a
 * message on stderr.
 */
int tern_ask_domain(const struct tern_ctx *ctx, const struct mig_cli_msg *req,
		    struct mig_cli_domain *d);

/*
 * Sends req (SAVE, RESTORE) and reads its replies, a STATS and a DOMAIN,
 * into s and d.  Returns 0, or 1 with a message on stderr.
 */
int tern_ask_stats(const struct tern_ctx *ctx, const struct mig_cli_msg *req,
		   struct mig_cli_stats *s, struct mig_cli_domain *d);

/*
 * Sends a request naming the domain ref (PAUSE, UNPAUSE, DESTROY, ...) with
 * flags and reads the domain's new state from the reply into d.  Returns
 * the exit status (messages printed).
 */
int tern_domain_request(const struct tern_ctx *ctx, enum mig_cli_type type, const char *ref,
			uint32_t flags, struct mig_cli_domain *d);

/* Prints "NAME (id N): NOTE STATE" or "NAME: NOTE shutoff (REASON)". */
void tern_print_domain(const struct mig_cli_domain *d, const char *note);

/* Runs a verb that takes exactly one domain argument; 2 on bad usage. */
int tern_one_domain(const struct tern_ctx *ctx, const struct tern_cmd *cmd, int argc,
		    char **argv, enum mig_cli_type type);

/* Prints "tern VERB ARGS" usage for cmd on stderr and returns 2. */
int tern_usage(const struct tern_cmd *cmd);

#endif
