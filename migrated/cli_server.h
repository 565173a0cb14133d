/*
 * ternd's CLI socket: a Unix socket that only root may connect to (mode
 * 0600, and the peer's uid checked), and the connections of `tern`.
 *
 * A connection carries requests one after the other (cli_msg.h); each is
 * answered with one reply, or for LIST a DOMAIN per domain and an END.  A
 * request is served by a handler (cli_ops.h), at once or later when the
 * domain it waits on changes; the next request is read only then.  A
 * message that breaks the protocol (bad header, malformed payload, unknown
 * type) gets an ERROR reply and the connection is closed after it.
 */
#ifndef MIG_CLI_SERVER_H
#define MIG_CLI_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "cli_msg.h"
#include "domain.h"
#include "ternd.h"

#define MIG_CLI_MAX_CONNS 64

struct cli_conn {
	struct ternd *t;
	struct cli_conn *next;
	uv_pipe_t pipe;
	uint8_t in[MIG_CLI_HDR_SIZE + MIG_CLI_MAX_PAYLOAD]; /* unread bytes */
	size_t in_len;
	bool busy;        /* a request is being served */
	bool dispatching; /* in its handler's first call */
	bool closing;
	struct mig_waiter wait;   /* a request that waits on a domain */
	/* Where work in the thread pool points back here; cleared when c closes. */
	struct cli_conn **owner_ref;
	uint32_t flags;           /* of the request being served */
};

/*
 * Listens on t->socket_path (its folder is made, mode 0700, if missing).
 * Returns 0 or -errno with a message in err.
 */
int mig_cli_listen(struct ternd *t, char *err, size_t errlen);

/* Closes the socket (removing its file) and every connection. */
void mig_cli_close(struct ternd *t);

/* Sends one reply message; an error closes the connection. */
void mig_cli_send(struct cli_conn *c, const struct mig_cli_msg *m);

/* Sends d's state as a DOMAIN message. */
void mig_cli_send_domain(struct cli_conn *c, const struct mig_domain *d);

/* Ends the request being served: the connection reads the next one. */
void mig_cli_done(struct cli_conn *c);

/*
 * Ends the request with an ERROR reply: err (a negative errno), what
 * failed (printf-style), and d's state (NONE without d).
 */
void mig_cli_fail(struct cli_conn *c, int err, const struct mig_domain *d, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
