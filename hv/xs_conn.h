/*
 * xenstore connections and the server that holds them.
 *
 * A connection is one client: the guest's ring, a dom0 client on the Unix
 * socket, or the in-process dom0 connection behind hv/xenstore.h.  It
 * frames the byte stream that its transport feeds it into xs_wire messages
 * (dispatched by xs_wire.c), queues the replies and watch events its
 * transport drains, and owns its watches and transactions.
 *
 * Nothing here locks: the server's owner (xenstore.c) holds its lock
 * around every call.  Transports move bytes with the in_/out_ functions
 * below and never look inside messages.
 */
#ifndef HV_XS_CONN_H
#define HV_XS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenstore.h"
#include "xs_store.h" /* and xen/io/xs_wire.h */

struct hv_domain;
struct xs_txn;
struct xs_watch;

/* A connection stops reading requests while this much output waits. */
#define XS_OUT_LIMIT (64u * 1024)
/* Watch events for a connection are dropped while this much output waits. */
#define XS_EVENT_LIMIT (1024u * 1024)
/* Size of a message header on the wire. */
#define XS_HDR_SIZE ((size_t)sizeof(struct xsd_sockmsg))

/* A queued outgoing message: header and payload, partly sent up to off. */
struct xs_msg {
	struct xs_msg *next;
	size_t len;
	size_t off;
	uint8_t data[];
};

/* An in-process watch callback waiting to run on the xenstore thread. */
struct xs_callback {
	struct xs_callback *next;
	hv_xs_watch_fn fn;
	void *opaque;
	char path[];
};

struct xs_server;

struct xs_conn {
	struct xs_conn *next;         /* the server's list */
	struct xs_server *srv;
	struct xs_caller who;
	char prefix[32];              /* base of relative paths; "" if none */
	int error;                    /* -errno once the stream is broken */

	/* Input: the message being received, header first. */
	uint8_t in[XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX];
	size_t in_used;

	/* Output, oldest first. */
	struct xs_msg *out;
	struct xs_msg **out_tail;
	size_t out_bytes;
	bool dropped_events;          /* an event was dropped (logged once) */

	struct xs_watch *watches;
	unsigned nr_watches;
	struct xs_txn *txns;
	unsigned nr_txns;
	uint32_t next_txid;
};

/* Special watch paths and their permissions (SET_PERMS on them). */
enum xs_special {
	XS_SPECIAL_INTRODUCE,
	XS_SPECIAL_RELEASE,
	XS_NR_SPECIAL,
};

struct xs_server {
	struct hv_domain *d;          /* passed to in-process watch callbacks */
	struct xs_tree tree;
	struct xs_quota quota;
	struct xs_perms special[XS_NR_SPECIAL];
	struct xs_conn *conns;        /* every connection, internal included */
	struct xs_conn internal;      /* dom0 inside tern-hv (hv/xenstore.h) */
	bool guest_introduced;        /* the guest's ring is served */
	struct xs_conn *guest;        /* the guest's ring connection, if any */
	struct xs_callback *callbacks; /* waiting to run, oldest first */
	struct xs_callback **callbacks_tail;
};

/* The name of a special watch path, "@introduceDomain" or "@releaseDomain". */
const char *xs_special_name(enum xs_special s);

/*
 * Sets up s for the guest domain guest: an empty tree, default quotas,
 * the internal connection.  Returns 0 or -ENOMEM.
 */
int xs_server_init(struct xs_server *s, struct hv_domain *d, uint16_t guest);

/* Frees the tree, the callbacks and the internal connection's state. */
void xs_server_destroy(struct xs_server *s);

/*
 * Sets up c as a client of s for who and adds it to s; a connection of
 * domain who->domid != 0 resolves relative paths under
 * /local/domain/<domid>.  The caller owns c's memory.
 */
void xs_conn_init(struct xs_conn *c, struct xs_server *s, const struct xs_caller *who);

/* Drops c's watches and transactions (RESET_WATCHES). */
void xs_conn_reset(struct xs_conn *c);

/* xs_conn_reset, and drops partial input, queued output and the error. */
void xs_conn_clear(struct xs_conn *c);

/* Removes c from its server and frees what it holds (not c itself). */
void xs_conn_remove(struct xs_conn *c);

/*
 * Where the transport puts the next input bytes: returns how many c takes
 * now (at *buf), 0 when it takes none (output backed up, or broken).
 */
size_t xs_conn_in_space(struct xs_conn *c, uint8_t **buf);

/*
 * Accounts n bytes stored at the place xs_conn_in_space gave and
 * dispatches the message they complete.  Returns 0, or -E2BIG when a
 * header announces more than XENSTORE_PAYLOAD_MAX (the stream is then
 * broken: c->error is set and no more input is taken).
 */
int xs_conn_in_done(struct xs_conn *c, size_t n);

/*
 * Queues a message of type for c with a payload made of two pieces (b may
 * be empty).  Payloads over XENSTORE_PAYLOAD_MAX are never sent: replies
 * become E2BIG errors by their callers, events are dropped.  Watch events
 * are dropped too while XS_EVENT_LIMIT bytes wait.  Returns 0, -E2BIG,
 * -ENOBUFS or -ENOMEM.
 */
int xs_conn_send(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
		 const void *a, size_t alen, const void *b, size_t blen);

/* The next output bytes of c: returns how many are at *buf (0: none). */
size_t xs_conn_out_peek(struct xs_conn *c, const uint8_t **buf);

/* Accounts n bytes of output as sent. */
void xs_conn_out_done(struct xs_conn *c, size_t n);

/* Queues an in-process watch callback of fn for path.  Returns 0 or -ENOMEM. */
int xs_server_queue_callback(struct xs_server *s, hv_xs_watch_fn fn, void *opaque,
			     const char *path);

#endif
