/*
 * xenstore transactions.  A transaction works on its own copy of the tree,
 * taken when it starts; the copy records which nodes the transaction read,
 * wrote and removed.  Its commit fails with -EAGAIN when any of those nodes
 * changed in the store since the start (a node that did not exist is
 * checked through its nearest existing ancestor, whose children changed if
 * it was created meanwhile): conservative, never a lost update.  A commit
 * that passes replays the removals and writes onto the store, and the
 * changes the transaction recorded become watch events.
 */
#ifndef HV_XS_TXN_H
#define HV_XS_TXN_H

#include <stdint.h>

#include "xs_store.h"

/* A change made inside a transaction, fired as a watch event at commit. */
struct xs_txn_change {
	struct xs_txn_change *next;
	struct xs_change change;
	char path[];
};

struct xs_txn {
	struct xs_txn *next;          /* the connection's list */
	uint32_t id;
	uint64_t start_gen;           /* store generation when it started */
	unsigned start_guest_nodes;
	struct xs_tree tree;          /* the transaction's copy */
	struct xs_txn_change *changes; /* oldest first */
	struct xs_txn_change **changes_tail;
};

/* Starts a transaction on store.  Returns it, or NULL when out of memory. */
struct xs_txn *xs_txn_start(const struct xs_tree *store, uint32_t id);

/*
 * Records a change at path (absolute) to fire when the transaction commits.
 * Returns 0 or -ENOMEM.
 */
int xs_txn_note(struct xs_txn *t, const char *path, const struct xs_change *ch);

/*
 * Commits t onto store for who (quota q): returns 0, -EAGAIN (a conflict:
 * nothing applied), -ENOSPC (the guest's node quota would be exceeded) or
 * -ENOMEM.  t stays owned by the caller, who frees it either way; on
 * success t->changes are the events to fire.
 */
int xs_txn_commit(struct xs_tree *store, struct xs_txn *t, const struct xs_quota *q,
		  const struct xs_caller *who);

/* Frees t with its copy and recorded changes. */
void xs_txn_free(struct xs_txn *t);

#endif
