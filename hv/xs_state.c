/*
 * xenstore's sub-record (see xs_state.h): a wire_hdr, the special paths'
 * permissions, the store's tree, then the guest connection's half-received
 * request, queued output, watches and transactions.
 */
#include "xs_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_txn.h"
#include "xs_watch.h"

struct wire_hdr {
	uint32_t port;
	uint8_t guest_introduced;
	uint8_t ring_broken;     /* the guest broke its ring: ignored until it reconnects */
	uint8_t conn_broken;     /* a header announced too long a message */
	uint8_t dropped_events;  /* events were dropped (logged once) */
	uint32_t next_txid;
	uint32_t in_used;        /* bytes of the half-received message */
	uint32_t nr_out;
	uint32_t nr_watches;
	uint32_t nr_txns;
	uint32_t pad;
};
_Static_assert(sizeof(struct wire_hdr) == 32, "xenstore state header");

struct wire_msg {
	uint32_t len; /* header and payload */
	uint32_t off; /* bytes already in the ring */
};
_Static_assert(sizeof(struct wire_msg) == 8, "xenstore state message");

struct wire_watch {
	uint8_t relative; /* events name paths relative to the guest's home */
	uint8_t pad[3];   /* then the path and the token */
};
_Static_assert(sizeof(struct wire_watch) == 4, "xenstore state watch");

struct wire_txn {
	uint32_t id;
	uint32_t start_guest_nodes;
	uint64_t start_gen;
	uint32_t nr_removed;      /* after the copy of the tree, newest first */
	uint32_t nr_changes;      /* then the events, oldest first */
};
_Static_assert(sizeof(struct wire_txn) == 24, "xenstore state transaction");

/* A change's flags on the wire. */
#define CHANGE_CHANGED 1u
#define CHANGE_REMOVAL 2u
#define CHANGE_VISIBLE 4u

/* Saving */

static int put_out(struct hv_state_buf *out, const struct xs_conn *c)
{
	int err = 0;

	for (const struct xs_msg *m = c->out; !err && m; m = m->next) {
		struct wire_msg w = { .len = (uint32_t)m->len, .off = (uint32_t)m->off };

		err = hv_state_put(out, &w, sizeof(w));
		if (!err)
			err = hv_state_put(out, m->data, m->len);
	}
	return err;
}

static int put_watches(struct hv_state_buf *out, const struct xs_conn *c)
{
	const struct wire_watch zero = { 0 }, rel = { .relative = 1 };
	int err = 0;

	for (const struct xs_watch *w = c->watches; !err && w; w = w->next) {
		err = hv_state_put(out, w->relative ? &rel : &zero, sizeof(zero));
		if (!err)
			err = hv_state_put_str(out, w->path);
		if (!err)
			err = hv_state_put_str(out, w->token);
	}
	return err;
}

static int put_txn(struct hv_state_buf *out, const struct xs_txn *t)
{
	struct wire_txn w = { .id = t->id, .start_guest_nodes = t->start_guest_nodes,
			      .start_gen = t->start_gen };
	size_t hdr = out->len;
	int err = hv_state_put(out, &w, sizeof(w));

	if (!err)
		err = xs_state_put_tree(out, &t->tree, true);
	for (const struct xs_removed *r = t->tree.removed; !err && r; r = r->next, w.nr_removed++)
		err = hv_state_put_str(out, r->path);
	for (const struct xs_txn_change *c = t->changes; !err && c; c = c->next, w.nr_changes++) {
		uint32_t flags = (c->change.changed ? CHANGE_CHANGED : 0) |
				 (c->change.removal ? CHANGE_REMOVAL : 0) |
				 (c->change.guest_visible ? CHANGE_VISIBLE : 0);

		err = hv_state_put(out, &flags, sizeof(flags));
		if (!err)
			err = hv_state_put_str(out, c->path);
	}
	if (!err)
		memcpy(out->data + hdr, &w, sizeof(w)); /* now with the counts */
	return err;
}

/* The header of guest connection c, served by ring r on port. */
static int put_hdr(struct hv_state_buf *out, const struct xs_server *s, const struct xs_conn *c,
		   const struct xs_ring *r, uint32_t port)
{
	struct wire_hdr h = { .port = port, .guest_introduced = s->guest_introduced,
			      .ring_broken = r->broken, .conn_broken = c->error != 0,
			      .dropped_events = c->dropped_events, .next_txid = c->next_txid,
			      .in_used = (uint32_t)c->in_used, .nr_watches = c->nr_watches,
			      .nr_txns = c->nr_txns };

	for (const struct xs_msg *m = c->out; m; m = m->next)
		h.nr_out++;
	if (c->out_bytes > XS_STATE_MAX_OUT)
		return -E2BIG;
	return hv_state_put(out, &h, sizeof(h));
}

int xs_state_save(struct hv_state_buf *out, const struct xs_server *s, const struct xs_ring *r,
		  uint32_t port)
{
	const struct xs_conn *c = s->guest;
	int err = put_hdr(out, s, c, r, port);

	for (unsigned i = 0; !err && i < XS_NR_SPECIAL; i++)
		err = xs_state_put_perms(out, &s->special[i]);
	if (!err)
		err = xs_state_put_tree(out, &s->tree, false);
	if (!err)
		err = hv_state_put(out, c->in, c->in_used);
	if (!err)
		err = put_out(out, c);
	if (!err)
		err = put_watches(out, c);
	for (const struct xs_txn *t = c->txns; !err && t; t = t->next)
		err = put_txn(out, t);
	return err;
}

/* Restoring */

/* The half-received message: whole header and payload still to come. */
static int get_in(struct hv_state_in *in, struct xs_conn *c, uint32_t used)
{
	const uint8_t *p = hv_state_take(in, used);
	struct xsd_sockmsg h;

	if (!p || used > sizeof(c->in))
		return -EINVAL;
	memcpy(c->in, p, used);
	c->in_used = used;
	if (c->error || used < XS_HDR_SIZE)
		return 0; /* a broken stream takes no more input: any bytes do */
	memcpy(&h, c->in, sizeof(h));
	return h.len <= XENSTORE_PAYLOAD_MAX && used < XS_HDR_SIZE + h.len ? 0 : -EINVAL;
}

static int get_out(struct hv_state_in *in, struct xs_conn *c, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct wire_msg w;
		struct xsd_sockmsg h;
		const uint8_t *data;
		struct xs_msg *m;

		if (hv_state_get(in, &w, sizeof(w)) || w.len < XS_HDR_SIZE ||
		    w.len > XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX || w.off >= w.len ||
		    !(data = hv_state_take(in, w.len)))
			return -EINVAL;
		memcpy(&h, data, sizeof(h));
		if (h.len != w.len - XS_HDR_SIZE || c->out_bytes + w.len - w.off > XS_STATE_MAX_OUT)
			return -EINVAL;
		m = malloc(sizeof(*m) + w.len);
		if (!m)
			return -ENOMEM;
		*m = (struct xs_msg){ .len = w.len, .off = w.off };
		memcpy(m->data, data, w.len);
		*c->out_tail = m;
		c->out_tail = &m->next;
		c->out_bytes += w.len - w.off;
	}
	return 0;
}

/* A watch's path: @special, or a node's path (below the guest's home if relative). */
static bool watch_path_valid(const struct xs_conn *c, const char *path, bool relative)
{
	if (path[0] == '@')
		return !relative && strlen(path) <= XS_PATH_MAX;
	if (!xs_path_valid(path))
		return false;
	return !relative || (xs_path_is_child(path, c->prefix) && strcmp(path, c->prefix));
}

static int get_watches(struct hv_state_in *in, struct xs_conn *c, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct wire_watch w;
		const char *path, *token;
		struct xs_watch *added;

		if (hv_state_get(in, &w, sizeof(w)) || w.relative > 1 ||
		    !hv_state_zero(w.pad, sizeof(w.pad)) ||
		    !(path = hv_state_get_str(in, XS_ABS_PATH_BUF - 1)) ||
		    !(token = hv_state_get_str(in, XENSTORE_PAYLOAD_MAX)) ||
		    !watch_path_valid(c, path, w.relative))
			return -EINVAL;
		switch (xs_watch_add(c, path, token, w.relative, &added)) {
		case 0:
			break;
		case -ENOMEM:
			return -ENOMEM;
		default:
			return -EINVAL; /* the same watch twice, or over the quota */
		}
	}
	return 0;
}

/* The paths t removed, newest first as the list keeps them. */
static int get_removed(struct hv_state_in *in, struct xs_txn *t, uint32_t n)
{
	struct xs_removed **tail = &t->tree.removed;

	for (uint32_t i = 0; i < n; i++) {
		const char *path = hv_state_get_str(in, XS_ABS_PATH_BUF - 1);
		struct xs_removed *r;

		if (!path || !xs_path_valid(path))
			return -EINVAL;
		r = malloc(sizeof(*r) + strlen(path) + 1);
		if (!r)
			return -ENOMEM;
		r->next = NULL;
		strcpy(r->path, path);
		*tail = r;
		tail = &r->next;
	}
	return 0;
}

static int get_changes(struct hv_state_in *in, struct xs_txn *t, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t flags;
		const char *path;
		int err;

		if (hv_state_get(in, &flags, sizeof(flags)) || !(flags & CHANGE_CHANGED) ||
		    flags > (CHANGE_CHANGED | CHANGE_REMOVAL | CHANGE_VISIBLE) ||
		    !(path = hv_state_get_str(in, XS_ABS_PATH_BUF - 1)) || !xs_path_valid(path))
			return -EINVAL;
		err = xs_txn_note(t, path, &(struct xs_change){
						   .changed = true,
						   .removal = flags & CHANGE_REMOVAL,
						   .guest_visible = flags & CHANGE_VISIBLE });
		if (err)
			return err;
	}
	return 0;
}

/* One transaction of c, on the staged store (whose generation is gen). */
static int get_txn(struct hv_state_in *in, struct xs_conn *c, uint64_t gen,
		   struct xs_txn ***tail)
{
	struct wire_txn w;
	struct xs_txn *t;
	int err;

	if (hv_state_get(in, &w, sizeof(w)) || !w.id || w.start_gen > gen)
		return -EINVAL;
	for (const struct xs_txn *o = c->txns; o; o = o->next)
		if (o->id == w.id)
			return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	*t = (struct xs_txn){ .id = w.id, .start_gen = w.start_gen,
			      .start_guest_nodes = w.start_guest_nodes };
	t->changes_tail = &t->changes;
	err = xs_state_get_tree(in, &t->tree, c->srv->tree.guest, true);
	if (err) {
		free(t);
		return err;
	}
	**tail = t; /* from here on c owns it, and frees it on errors */
	*tail = &t->next;
	c->nr_txns++;
	if (t->tree.gen < w.start_gen)
		return -EINVAL;
	err = get_removed(in, t, w.nr_removed);
	return err ? err : get_changes(in, t, w.nr_changes);
}

static int get_txns(struct hv_state_in *in, struct xs_conn *c, uint64_t gen, uint32_t n)
{
	struct xs_txn **tail = &c->txns;
	int err = n > c->srv->quota.transactions ? -EINVAL : 0;

	for (uint32_t i = 0; !err && i < n; i++)
		err = get_txn(in, c, gen, &tail);
	return err;
}

/* The header's fields into st; st->conn set up for the guest of s. */
static int get_hdr(struct hv_state_in *in, struct xs_state *st, struct xs_server *s,
		   struct wire_hdr *h)
{
	struct xs_conn *c = &st->conn;

	if (hv_state_get(in, h, sizeof(*h)) || !h->port || h->guest_introduced > 1 ||
	    h->ring_broken > 1 || h->conn_broken > 1 || h->dropped_events > 1 || h->pad)
		return -EINVAL;
	c->srv = s;
	c->who = (struct xs_caller){ .domid = s->tree.guest };
	snprintf(c->prefix, sizeof(c->prefix), "/local/domain/%u", s->tree.guest);
	c->out_tail = &c->out;
	c->error = h->conn_broken ? -E2BIG : 0;
	c->dropped_events = h->dropped_events;
	c->next_txid = h->next_txid;
	st->port = h->port;
	st->guest_introduced = h->guest_introduced;
	st->ring_broken = h->ring_broken;
	return 0;
}

int xs_state_stage(struct xs_state *st, struct xs_server *s, const uint8_t *body, size_t len)
{
	struct hv_state_in in;
	struct wire_hdr h;
	int err;

	memset(st, 0, sizeof(*st));
	hv_state_in_init(&in, body, len);
	err = get_hdr(&in, st, s, &h);
	for (unsigned i = 0; !err && i < XS_NR_SPECIAL; i++)
		err = xs_state_get_perms(&in, &st->special[i]);
	if (!err)
		err = xs_state_get_tree(&in, &st->tree, s->tree.guest, false);
	if (!err)
		err = get_in(&in, &st->conn, h.in_used);
	if (!err)
		err = get_out(&in, &st->conn, h.nr_out);
	if (!err)
		err = get_watches(&in, &st->conn, h.nr_watches);
	if (!err)
		err = get_txns(&in, &st->conn, st->tree.gen, h.nr_txns);
	if (!err)
		err = hv_state_in_end(&in);
	if (err)
		xs_state_discard(st);
	return err;
}

void xs_state_discard(struct xs_state *st)
{
	xs_tree_destroy(&st->tree);
	for (unsigned i = 0; i < XS_NR_SPECIAL; i++)
		free(st->special[i].v);
	if (st->conn.out_tail)
		xs_conn_clear(&st->conn);
	memset(st, 0, sizeof(*st));
}

/* Moves the staged connection's state into the guest's connection g. */
static void move_conn(struct xs_conn *g, struct xs_conn *c)
{
	xs_conn_clear(g);
	g->error = c->error;
	memcpy(g->in, c->in, c->in_used);
	g->in_used = c->in_used;
	g->out = c->out;
	g->out_tail = c->out ? c->out_tail : &g->out;
	g->out_bytes = c->out_bytes;
	g->dropped_events = c->dropped_events;
	g->watches = c->watches;
	g->nr_watches = c->nr_watches;
	g->txns = c->txns;
	g->nr_txns = c->nr_txns;
	g->next_txid = c->next_txid;
	memset(c, 0, sizeof(*c));
}

void xs_state_apply(struct xs_state *st, struct xs_server *s, struct xs_ring *r)
{
	xs_tree_destroy(&s->tree);
	s->tree = st->tree;
	for (unsigned i = 0; i < XS_NR_SPECIAL; i++) {
		free(s->special[i].v);
		s->special[i] = st->special[i];
	}
	s->guest_introduced = st->guest_introduced;
	move_conn(s->guest, &st->conn);
	r->broken = st->ring_broken;
	for (struct xs_conn *c = s->conns; c; c = c->next) {
		while (c != s->guest && c->txns) {
			struct xs_txn *t = c->txns;

			c->txns = t->next;
			c->nr_txns--;
			xs_txn_free(t);
		}
	}
	for (const struct xs_watch *w = s->internal.watches; w; w = w->next)
		xs_watch_first(&s->internal, w);
	memset(st, 0, sizeof(*st));
}
