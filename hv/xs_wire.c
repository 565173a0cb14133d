#include "xs_wire.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xs_txn.h"
#include "xs_watch.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* One request being handled. */
struct req {
	struct xs_conn *c;
	struct xs_server *s;
	const struct xsd_sockmsg *h;
	const char *data;
	size_t len;
	struct xs_txn *txn;   /* the request's transaction, if any */
	struct xs_tree *tree; /* the transaction's copy, or the store */
};

const char *xs_wire_errname(int err)
{
	for (size_t i = 0; i < ARRAY_SIZE(xsd_errors); i++)
		if (xsd_errors[i].errnum == err)
			return xsd_errors[i].errstring;
	return "EINVAL";
}

static int reply2(const struct req *r, const void *a, size_t alen, const void *b, size_t blen)
{
	return xs_conn_send(r->c, r->h->type, r->h->req_id, r->h->tx_id, a, alen, b, blen);
}

static int reply(const struct req *r, const void *a, size_t alen)
{
	return reply2(r, a, alen, NULL, 0);
}

static int reply_str(const struct req *r, const char *s)
{
	return reply(r, s, strlen(s) + 1);
}

/* The payload as exactly one NUL-terminated string, or NULL. */
static const char *one_arg(const struct req *r)
{
	if (!r->len || r->data[r->len - 1] || strlen(r->data) != r->len - 1)
		return NULL;
	return r->data;
}

/*
 * Counts the NUL-terminated strings of the payload (bytes after the last
 * NUL are not one) and points v at the first max of them.
 */
static unsigned get_args(const struct req *r, const char **v, unsigned max)
{
	unsigned n = 0;
	size_t i = 0;

	while (i < r->len) {
		const char *nul = memchr(r->data + i, 0, r->len - i);

		if (!nul)
			break;
		if (n < max)
			v[n] = r->data + i;
		n++;
		i = (size_t)(nul - r->data) + 1;
	}
	return n;
}

/*
 * Makes arg absolute in out (XS_ABS_PATH_BUF bytes): a relative path is
 * below the connection's base, which only domains have; @special names are
 * no nodes.  Returns 0 or -EINVAL for a path xenstored would not accept.
 */
static int resolve(const struct req *r, const char *arg, char *out)
{
	size_t len = strlen(arg);

	if (arg[0] == '/') {
		if (len >= XS_ABS_PATH_BUF)
			return -EINVAL;
		memcpy(out, arg, len + 1);
	} else {
		if (!r->c->prefix[0] || arg[0] == '@' || len > XS_PATH_MAX)
			return -EINVAL;
		snprintf(out, XS_ABS_PATH_BUF, "%s/%s", r->c->prefix, arg);
	}
	return xs_path_valid(out) ? 0 : -EINVAL;
}

/* Fires the watches of a change now, or at commit inside a transaction. */
static int changed(const struct req *r, const char *path, const struct xs_change *ch)
{
	if (!ch->changed)
		return 0;
	if (r->txn)
		return xs_txn_note(r->txn, path, ch);
	xs_watch_fire(r->s, path, ch);
	return 0;
}

/* The node the one-path request names, readable by the caller. */
static int get_node(const struct req *r, const struct xs_node **n)
{
	const char *arg = one_arg(r);
	char p[XS_ABS_PATH_BUF];
	int err;

	if (!arg)
		return -EINVAL;
	err = resolve(r, arg, p);
	return err ? err : xs_op_get(r->tree, &r->c->who, p, n);
}

static int do_read(struct req *r)
{
	const struct xs_node *n;
	int err = get_node(r, &n);

	return err ? err : reply(r, n->value, n->len);
}

/* Writes n's children names (each NUL-terminated) into buf; returns the length. */
static size_t list_children(const struct xs_node *n, char *buf, size_t size)
{
	size_t used = 0;

	for (unsigned i = 0; i < n->nr_children; i++) {
		size_t l = strlen(n->children[i]->name) + 1;

		if (used + l <= size)
			memcpy(buf + used, n->children[i]->name, l);
		used += l;
	}
	return used;
}

static int do_directory(struct req *r)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	const struct xs_node *n;
	int err = get_node(r, &n);
	size_t len;

	if (err)
		return err;
	len = list_children(n, buf, sizeof(buf));
	return len > sizeof(buf) ? -E2BIG : reply(r, buf, len);
}

/* DIRECTORY_PART's reply from byte off of the children list all (size total). */
static int directory_part(const struct req *r, const struct xs_node *n, const char *all,
			  size_t total, size_t off)
{
	char gen[24], buf[XENSTORE_PAYLOAD_MAX];
	size_t glen = (size_t)snprintf(gen, sizeof(gen), "%" PRIu64, n->gen) + 1;
	size_t max = sizeof(buf) - glen - 1, len = 0;

	memcpy(buf, gen, glen);
	if (off < total) {
		/* Whole names from off, as many as fit. */
		while (off + len < total && len + strlen(all + off + len) < max)
			len += strlen(all + off + len) + 1;
		memcpy(buf + glen, all + off, len);
	}
	if (off + len >= total)
		buf[glen + len++] = '\0'; /* an empty name ends the list */
	return reply(r, buf, glen + len);
}

static int do_directory_part(struct req *r)
{
	const char *v[2];
	char p[XS_ABS_PATH_BUF], *all;
	const struct xs_node *n;
	unsigned long off;
	size_t total;
	int err;

	if (get_args(r, v, 2) != 2 || r->data[r->len - 1] || xs_parse_uint(v[1], UINT32_MAX, &off))
		return -EINVAL;
	err = resolve(r, v[0], p);
	if (!err)
		err = xs_op_get(r->tree, &r->c->who, p, &n);
	if (err)
		return err;
	total = list_children(n, NULL, 0);
	all = malloc(total + 1);
	if (!all)
		return -ENOMEM;
	list_children(n, all, total);
	err = directory_part(r, n, all, total, off);
	free(all);
	return err;
}

/* The permissions of a special path, or NULL. */
static struct xs_perms *special_perms(const struct req *r, const char *name)
{
	for (unsigned i = 0; i < XS_NR_SPECIAL; i++)
		if (!strcmp(name, xs_special_name(i)))
			return &r->s->special[i];
	return NULL;
}

static int do_get_perms(struct req *r)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	const struct xs_perms *perms;
	const struct xs_node *n;
	int len, err;

	if (r->len && r->data[0] == '@' && one_arg(r)) {
		perms = special_perms(r, r->data);
		if (!perms)
			return -EINVAL;
	} else {
		err = get_node(r, &n);
		if (err)
			return err;
		perms = &n->perms;
	}
	len = xs_perms_format(perms, buf, sizeof(buf));
	return len < 0 ? len : reply(r, buf, (size_t)len);
}

static int ok(const struct req *r)
{
	return reply_str(r, "OK");
}

static int do_write(struct req *r)
{
	char p[XS_ABS_PATH_BUF];
	struct xs_change ch;
	const char *v[1];
	size_t off;
	int err;

	if (get_args(r, v, 1) < 1)
		return -EINVAL;
	off = strlen(v[0]) + 1;
	err = resolve(r, v[0], p);
	if (!err)
		err = xs_op_write(r->tree, &r->s->quota, &r->c->who, p, r->data + off,
				  r->len - off, &ch);
	if (!err)
		err = changed(r, p, &ch);
	return err ? err : ok(r);
}

/* MKDIR and RM: one path, then the operation. */
static int do_path_op(struct req *r)
{
	const char *arg = one_arg(r);
	char p[XS_ABS_PATH_BUF];
	struct xs_change ch;
	int err;

	if (!arg)
		return -EINVAL;
	err = resolve(r, arg, p);
	if (!err && r->h->type == XS_MKDIR)
		err = xs_op_mkdir(r->tree, &r->s->quota, &r->c->who, p, &ch);
	else if (!err)
		err = xs_op_rm(r->tree, &r->c->who, p, &ch);
	if (!err)
		err = changed(r, p, &ch);
	return err ? err : ok(r);
}

/* SET_PERMS on @introduceDomain or @releaseDomain: dom0's alone. */
static int set_special_perms(struct req *r, const char *name, struct xs_perms *perms)
{
	struct xs_perms *cur = special_perms(r, name);

	if (!cur)
		return -EINVAL;
	if ((xs_perms_for(cur, &r->c->who) & (XS_PERM_WRITE | XS_PERM_OWNER)) !=
	    (XS_PERM_WRITE | XS_PERM_OWNER))
		return -EACCES;
	free(cur->v);
	*cur = *perms;
	perms->v = NULL;
	return 0;
}

static int do_set_perms(struct req *r)
{
	char p[XS_ABS_PATH_BUF];
	struct xs_perms perms;
	struct xs_change ch;
	const char *v[1];
	unsigned n = get_args(r, v, 1);
	int err;

	if (n < 2 || r->data[r->len - 1])
		return -EINVAL;
	err = xs_perms_parse(&perms, v[0] + strlen(v[0]) + 1, n - 1);
	if (err)
		return err;
	if (v[0][0] == '@') {
		err = set_special_perms(r, v[0], &perms);
	} else {
		err = resolve(r, v[0], p);
		if (!err)
			err = xs_op_set_perms(r->tree, &r->s->quota, &r->c->who, p, &perms, &ch);
		if (!err)
			err = changed(r, p, &ch);
	}
	free(perms.v);
	return err ? err : ok(r);
}

/* The watch path of WATCH and UNWATCH: @special as it is, else resolved. */
static int watch_path(const struct req *r, const char *arg, char *out)
{
	if (arg[0] != '@')
		return resolve(r, arg, out);
	if (strlen(arg) > XS_PATH_MAX)
		return -EINVAL;
	strcpy(out, arg);
	return 0;
}

static int do_watch(struct req *r)
{
	char p[XS_ABS_PATH_BUF];
	struct xs_watch *w;
	const char *v[2];
	int err;

	if (get_args(r, v, 2) < 2)
		return -EINVAL;
	err = watch_path(r, v[0], p);
	if (!err)
		err = xs_watch_add(r->c, p, v[1], v[0][0] != '/' && v[0][0] != '@', &w);
	if (!err)
		err = ok(r);
	if (!err)
		xs_watch_first(r->c, w);
	return err;
}

static int do_unwatch(struct req *r)
{
	char p[XS_ABS_PATH_BUF];
	const char *v[2];
	int err;

	if (get_args(r, v, 2) < 2)
		return -EINVAL;
	err = watch_path(r, v[0], p);
	if (!err)
		err = xs_watch_remove(r->c, p, v[1]);
	return err ? err : ok(r);
}

static bool txid_used(const struct xs_conn *c, uint32_t id)
{
	for (const struct xs_txn *t = c->txns; t; t = t->next)
		if (t->id == id)
			return true;
	return false;
}

static int do_transaction_start(struct req *r)
{
	struct xs_conn *c = r->c;
	struct xs_txn *t;
	char id[16];

	if (r->txn)
		return -EBUSY;
	if (c->nr_txns >= r->s->quota.transactions)
		return -ENOSPC;
	while (!c->next_txid || txid_used(c, c->next_txid))
		c->next_txid++;
	t = xs_txn_start(&r->s->tree, c->next_txid++);
	if (!t)
		return -ENOMEM;
	snprintf(id, sizeof(id), "%" PRIu32, t->id);
	if (reply_str(r, id)) {
		xs_txn_free(t);
		return -ENOMEM;
	}
	t->next = c->txns;
	c->txns = t;
	c->nr_txns++;
	return 0;
}

static int do_transaction_end(struct req *r)
{
	const char *arg = one_arg(r);
	struct xs_txn **p;
	int err = 0;

	if (!arg || (strcmp(arg, "T") && strcmp(arg, "F")))
		return -EINVAL;
	if (!r->txn)
		return -ENOENT;
	for (p = &r->c->txns; *p != r->txn; p = &(*p)->next)
		;
	*p = r->txn->next;
	r->c->nr_txns--;
	if (arg[0] == 'T') {
		err = xs_txn_commit(&r->s->tree, r->txn, &r->s->quota, &r->c->who);
		for (const struct xs_txn_change *ch = r->txn->changes; !err && ch; ch = ch->next)
			xs_watch_fire(r->s, ch->path, &ch->change);
	}
	xs_txn_free(r->txn);
	r->txn = NULL;
	return err ? err : ok(r);
}

/* The domain id argument of a domain request. */
static int domid_arg(const char *arg, uint16_t *domid)
{
	unsigned long v;

	if (!arg || xs_parse_uint(arg, XS_DOMID_MAX, &v))
		return -EINVAL;
	*domid = (uint16_t)v;
	return 0;
}

static int do_get_domain_path(struct req *r)
{
	char path[32];
	uint16_t domid;
	int err = domid_arg(one_arg(r), &domid);

	if (err)
		return err;
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	return reply_str(r, path);
}

static int do_is_domain_introduced(struct req *r)
{
	uint16_t domid;
	int err = domid_arg(one_arg(r), &domid);

	if (err)
		return err;
	return reply_str(r, !domid || (domid == r->s->tree.guest && r->s->guest_introduced) ?
				    "T" :
				    "F");
}

/*
 * INTRODUCE, RELEASE and RESUME name a domain: this store serves one guest,
 * whose ring is fixed, so they can only (re)attach or detach that ring.
 */
static int do_domain(struct req *r)
{
	struct xs_server *s = r->s;
	const char *v[3];
	uint16_t domid;
	unsigned n = get_args(r, v, 3);
	int err = domid_arg(n ? v[0] : NULL, &domid);

	if (err)
		return err;
	if (domid != s->tree.guest)
		return domid ? -ENOENT : -EINVAL;
	if (r->h->type == XS_INTRODUCE) {
		if (n < 3)
			return -EINVAL;
		if (!s->guest_introduced) {
			s->guest_introduced = true;
			if (s->guest)
				xs_conn_clear(s->guest);
			xs_watch_fire_special(s, XS_SPECIAL_INTRODUCE);
		}
	} else if (!s->guest_introduced) {
		return -ENOENT;
	} else if (r->h->type == XS_RELEASE) {
		s->guest_introduced = false;
		if (s->guest)
			xs_conn_clear(s->guest);
		xs_watch_fire_special(s, XS_SPECIAL_RELEASE);
	}
	return ok(r);
}

static int do_reset_watches(struct req *r)
{
	xs_conn_reset(r->c);
	return ok(r);
}

static int do_control(struct req *r)
{
	const char *v[2];
	unsigned n = get_args(r, v, 2);

	if (!n)
		return -EINVAL;
	if (!strcmp(v[0], "check"))
		return ok(r);
	if (!strcmp(v[0], "print")) {
		log_info("xenstore: %s", n > 1 ? v[1] : "");
		return ok(r);
	}
	if (!strcmp(v[0], "help"))
		return reply_str(r, "check\nhelp\nprint <string>\n");
	return -EINVAL;
}

#define PRIV 1u  /* dom0 only */
#define NOTID 2u /* the transaction id is ignored */

static const struct {
	int (*fn)(struct req *r);
	unsigned flags;
} handlers[XS_TYPE_COUNT] = {
	[XS_CONTROL] = { do_control, PRIV },
	[XS_DIRECTORY] = { do_directory, 0 },
	[XS_READ] = { do_read, 0 },
	[XS_GET_PERMS] = { do_get_perms, 0 },
	[XS_WATCH] = { do_watch, NOTID },
	[XS_UNWATCH] = { do_unwatch, NOTID },
	[XS_TRANSACTION_START] = { do_transaction_start, 0 },
	[XS_TRANSACTION_END] = { do_transaction_end, 0 },
	[XS_INTRODUCE] = { do_domain, PRIV },
	[XS_RELEASE] = { do_domain, PRIV },
	[XS_GET_DOMAIN_PATH] = { do_get_domain_path, 0 },
	[XS_WRITE] = { do_write, 0 },
	[XS_MKDIR] = { do_path_op, 0 },
	[XS_RM] = { do_path_op, 0 },
	[XS_SET_PERMS] = { do_set_perms, 0 },
	[XS_IS_DOMAIN_INTRODUCED] = { do_is_domain_introduced, PRIV },
	[XS_RESUME] = { do_domain, PRIV },
	[XS_RESET_WATCHES] = { do_reset_watches, 0 },
	[XS_DIRECTORY_PART] = { do_directory_part, 0 },
};

/* Points r at the transaction the request names (tx_id 0: none). */
static int find_txn(struct req *r)
{
	if (!r->h->tx_id)
		return 0;
	for (struct xs_txn *t = r->c->txns; t; t = t->next) {
		if (t->id == r->h->tx_id) {
			r->txn = t;
			r->tree = &t->tree;
			return 0;
		}
	}
	return -ENOENT;
}

void xs_wire_dispatch(struct xs_conn *c, const struct xsd_sockmsg *h, const uint8_t *payload)
{
	struct req r = { .c = c, .s = c->srv, .h = h, .data = (const char *)payload,
			 .len = h->len, .tree = &c->srv->tree };
	const char *name;
	int err;

	if (h->type >= XS_TYPE_COUNT || !handlers[h->type].fn)
		err = -ENOSYS;
	else if ((handlers[h->type].flags & PRIV) && !c->who.priv)
		err = -EACCES;
	else if (!(handlers[h->type].flags & NOTID) && find_txn(&r))
		err = -ENOENT;
	else
		err = handlers[h->type].fn(&r);
	if (!err)
		return;
	name = xs_wire_errname(-err);
	if (xs_conn_send(c, XS_ERROR, h->req_id, h->tx_id, name, strlen(name) + 1, NULL, 0))
		log_warnx("xenstore: cannot queue an error reply (%s)", name);
}
