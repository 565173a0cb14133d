/*
 * xenstore's sub-record (docs/stream-format.md): the store (every node with
 * its value, permissions and generation), the permissions of the special
 * watch paths, and the guest's connection: its watches with their tokens,
 * its open transactions (each with its copy of the tree, what it read,
 * wrote and removed, and the events it will fire), the request it has half
 * sent and the replies and events not yet in its ring.  The ring itself
 * (and whatever the guest has half written there) is guest memory.
 *
 * Not carried: dom0's socket clients (they reconnect, as to a restarted
 * xenstored) and the in-process watches of the backends (they set them
 * again when they start; a restore fires each once, so that a backend
 * looks at the restored tree).
 *
 * xs_state_tree.c writes and reads trees and permissions; xs_state.c the
 * record.  The xenstore device (xenstore.c) calls them under its lock.
 */
#ifndef HV_XS_STATE_H
#define HV_XS_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "device_state.h"
#include "xs_conn.h"
#include "xs_ring.h"
#include "xs_store.h"

/* Limits of what a record may hold (a save refuses more: -E2BIG). */
#define XS_STATE_MAX_VALUE (64u * 1024)    /* bytes in a node's value */
#define XS_STATE_MAX_PERMS 4096u           /* entries in a node's permissions */
#define XS_STATE_MAX_OUT (2u * 1024 * 1024) /* bytes queued for the guest */

/* Appends perms (a count, then the entries).  Returns 0 or -errno. */
int xs_state_put_perms(struct hv_state_buf *out, const struct xs_perms *p);

/* Reads perms into p (allocated; caller frees p->v).  0, -EINVAL or -ENOMEM. */
int xs_state_get_perms(struct hv_state_in *in, struct xs_perms *p);

/*
 * Appends tree t; with txn, the accessed/written marks of a transaction's
 * copy.  Returns 0 or -errno.
 */
int xs_state_put_tree(struct hv_state_buf *out, const struct xs_tree *t, bool txn);

/*
 * Reads a tree written by xs_state_put_tree into t (made here, for guest
 * domain guest; a transaction's copy with txn).  Every node is checked:
 * names, paths, permissions, sizes, generations, no two siblings alike.
 * Returns 0, -EINVAL or -ENOMEM; on error t holds nothing.
 */
int xs_state_get_tree(struct hv_state_in *in, struct xs_tree *t, uint16_t guest, bool txn);

/* A record, read and checked, waiting to replace the live state. */
struct xs_state {
	uint32_t port;                   /* the ring's event channel */
	bool guest_introduced;
	bool ring_broken;
	struct xs_tree tree;
	struct xs_perms special[XS_NR_SPECIAL];
	struct xs_conn conn;             /* the guest's: not on any server's list */
};

/*
 * Appends the record of server s, whose guest is served by ring r on port.
 * Returns 0 or -errno.
 */
int xs_state_save(struct hv_state_buf *out, const struct xs_server *s, const struct xs_ring *r,
		  uint32_t port);

/*
 * Reads and checks a record's body into st, for server s (whose quotas
 * and guest it is checked against).  Returns 0, -EINVAL or -ENOMEM; on
 * error st holds nothing.
 */
int xs_state_stage(struct xs_state *st, struct xs_server *s, const uint8_t *body, size_t len);

/*
 * Replaces s's store and the state of its guest connection and ring r
 * with st's (st is left empty), drops the other connections' transactions
 * (they were on the old store) and fires every in-process watch once.
 */
void xs_state_apply(struct xs_state *st, struct xs_server *s, struct xs_ring *r);

/* Frees what a staged st holds. */
void xs_state_discard(struct xs_state *st);

#endif
