/*
 * xenstore watches: registration per connection (with tokens, relative
 * paths for the guest, in-process callbacks for dom0's backends), matching
 * a change against every watch, and the events that result.
 *
 * A change at path P fires every watch whose path is P or above it, with P
 * as the event path; a removal of P also fires the watches below P, with
 * their own path.  A relative watch gets event paths relative to its
 * connection's base.  The guest only hears of changes to nodes it may read
 * and of special events (@introduceDomain, @releaseDomain) whose
 * permissions let it read.  Every watch fires once when it is set.
 */
#ifndef HV_XS_WATCH_H
#define HV_XS_WATCH_H

#include <stdbool.h>

#include "xs_conn.h"

struct xs_watch {
	struct xs_watch *next;
	bool relative;           /* event paths drop the connection's base */
	hv_xs_watch_fn fn;       /* in-process watches: the callback */
	void *opaque;
	char *token;             /* points into path's allocation */
	char path[];             /* absolute, or @special */
};

/*
 * Adds a watch on path (absolute or @special) with token to c; its first
 * event is for the caller to queue (after the reply) with xs_watch_first.
 * Returns 0 and the watch in *out, -EEXIST (same path and token), -E2BIG
 * (the connection's watch quota) or -ENOMEM.
 */
int xs_watch_add(struct xs_conn *c, const char *path, const char *token, bool relative,
		 struct xs_watch **out);

/* Queues the event that a new watch w of c fires at once. */
void xs_watch_first(struct xs_conn *c, const struct xs_watch *w);

/* Removes c's watch on path with token.  Returns 0 or -ENOENT. */
int xs_watch_remove(struct xs_conn *c, const char *path, const char *token);

/*
 * In-process watches on the server's internal connection: fn(opaque) runs
 * (queued with xs_server_queue_callback) for each event, the first queued
 * at once.  Returns 0, -EEXIST or -ENOMEM.
 */
int xs_watch_add_fn(struct xs_server *s, const char *path, hv_xs_watch_fn fn, void *opaque);

/*
 * Removes the in-process watch (path, fn, opaque) and its queued callbacks.
 * Returns 0 or -ENOENT.
 */
int xs_watch_remove_fn(struct xs_server *s, const char *path, hv_xs_watch_fn fn, void *opaque);

/* Removes every watch of c. */
void xs_watch_remove_all(struct xs_conn *c);

/* Fires the watches that a change at path (absolute) concerns. */
void xs_watch_fire(struct xs_server *s, const char *path, const struct xs_change *ch);

/* Fires the watches on a special path. */
void xs_watch_fire_special(struct xs_server *s, enum xs_special which);

#endif
