#include "xs_txn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct xs_txn *xs_txn_start(const struct xs_tree *store, uint32_t id)
{
	struct xs_txn *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (xs_tree_clone(&t->tree, store)) {
		free(t);
		return NULL;
	}
	t->id = id;
	t->start_gen = store->gen;
	t->start_guest_nodes = store->guest_nodes;
	t->changes_tail = &t->changes;
	return t;
}

int xs_txn_note(struct xs_txn *t, const char *path, const struct xs_change *ch)
{
	size_t len = strlen(path) + 1;
	struct xs_txn_change *c = malloc(sizeof(*c) + len);

	if (!c)
		return -ENOMEM;
	c->next = NULL;
	c->change = *ch;
	memcpy(c->path, path, len);
	*t->changes_tail = c;
	t->changes_tail = &c->next;
	return 0;
}

void xs_txn_free(struct xs_txn *t)
{
	while (t->changes) {
		struct xs_txn_change *c = t->changes;

		t->changes = c->next;
		free(c);
	}
	xs_tree_destroy(&t->tree);
	free(t);
}

/* True if anything in n's subtree changed after generation gen. */
static bool subtree_changed(const struct xs_node *n, uint64_t gen)
{
	if (n->gen > gen)
		return true;
	for (unsigned i = 0; i < n->nr_children; i++)
		if (subtree_changed(n->children[i], gen))
			return true;
	return false;
}

/*
 * True if path p of the store changed after gen: the node itself, or for
 * an absent node its nearest ancestor (whose children changed if p was
 * created or removed meanwhile); whole subtrees for removals.
 */
static bool changed_since(const struct xs_tree *store, const char *p, uint64_t gen, bool subtree)
{
	const struct xs_node *n = xs_tree_lookup(store, p);

	if (!n)
		return xs_tree_nearest(store, p)->gen > gen;
	return subtree ? subtree_changed(n, gen) : n->gen > gen;
}

/* Appends name to the path of len bytes in buf; returns the new length. */
static size_t path_push(char *buf, size_t len, const char *name)
{
	size_t l = strlen(name);

	if (len > 1)
		buf[len++] = '/';
	memcpy(buf + len, name, l + 1);
	return len + l;
}

/* True if a node of the copy below n (at path buf) that t used changed. */
static bool conflicts(const struct xs_tree *store, const struct xs_node *n, char *buf,
		      size_t len, uint64_t gen)
{
	if ((n->accessed || n->written) && changed_since(store, buf, gen, false))
		return true;
	for (unsigned i = 0; i < n->nr_children; i++) {
		size_t l = path_push(buf, len, n->children[i]->name);
		bool c = conflicts(store, n->children[i], buf, l, gen);

		buf[len] = '\0';
		if (c)
			return true;
	}
	return false;
}

/* Copies the written nodes of the copy below n (at path buf) to the store. */
static int apply(struct xs_tree *store, const struct xs_node *n, char *buf, size_t len)
{
	if (n->written && !xs_tree_put(store, buf, n->value, n->len, &n->perms))
		return -ENOMEM;
	for (unsigned i = 0; i < n->nr_children; i++) {
		size_t l = path_push(buf, len, n->children[i]->name);
		int err = apply(store, n->children[i], buf, l);

		buf[len] = '\0';
		if (err)
			return err;
	}
	return 0;
}

int xs_txn_commit(struct xs_tree *store, struct xs_txn *t, const struct xs_quota *q,
		  const struct xs_caller *who)
{
	char buf[XS_ABS_PATH_BUF] = "/";
	long grown = (long)t->tree.guest_nodes - (long)t->start_guest_nodes;
	int err;

	for (const struct xs_removed *r = t->tree.removed; r; r = r->next)
		if (changed_since(store, r->path, t->start_gen, true))
			return -EAGAIN;
	if (conflicts(store, t->tree.root, buf, 1, t->start_gen))
		return -EAGAIN;
	if (!who->priv && grown > 0 && store->guest_nodes + (unsigned long)grown > q->nodes)
		return -ENOSPC;
	for (const struct xs_removed *r = t->tree.removed; r; r = r->next)
		xs_tree_remove(store, r->path);
	err = apply(store, t->tree.root, buf, 1);
	if (err)
		log_warnx("xenstore: out of memory committing transaction %u", t->id);
	return err;
}
