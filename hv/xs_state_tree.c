/*
 * xenstore trees and permissions on the wire (see xs_state.h): a tree is
 * its generation counter, then its nodes in pre-order (children in their
 * order), each a wire_node followed by its name, value and permissions.
 * Reading builds the tree node by node without recursion, so that a deep
 * hostile tree costs no stack: every node's path must be a valid path,
 * which bounds the depth.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_state.h"

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_@"
/* Nodes on one path, the root included: each level takes at least two bytes. */
#define MAX_DEPTH (XS_ABS_PATH_BUF / 2 + 1)

struct wire_perm {
	uint16_t domid;
	uint8_t access; /* XS_PERM_READ | XS_PERM_WRITE */
	uint8_t pad;
};
_Static_assert(sizeof(struct wire_perm) == 4, "xenstore state permission");

struct wire_node {
	uint64_t gen;
	uint32_t value_len;
	uint32_t nr_children;
	uint16_t name_len;   /* 0 for the root only */
	uint16_t nr_perms;
	uint8_t marks;       /* a transaction's copy: MARK_* */
	uint8_t pad[3];
};
_Static_assert(sizeof(struct wire_node) == 24, "xenstore state node");

#define MARK_ACCESSED 1u
#define MARK_WRITTEN 2u

int xs_state_put_perms(struct hv_state_buf *out, const struct xs_perms *p)
{
	uint32_t n = p->n;
	int err;

	if (p->n > XS_STATE_MAX_PERMS)
		return -E2BIG;
	err = hv_state_put(out, &n, sizeof(n));
	for (unsigned i = 0; !err && i < p->n; i++) {
		struct wire_perm w = { .domid = p->v[i].domid, .access = p->v[i].access };

		err = hv_state_put(out, &w, sizeof(w));
	}
	return err;
}

/* Reads n entries into p. */
static int get_entries(struct hv_state_in *in, struct xs_perms *p, uint32_t n)
{
	if (n == 0 || n > XS_STATE_MAX_PERMS)
		return -EINVAL;
	p->v = calloc(n, sizeof(*p->v));
	if (!p->v)
		return -ENOMEM;
	p->n = n;
	for (unsigned i = 0; i < n; i++) {
		struct wire_perm w;

		if (hv_state_get(in, &w, sizeof(w)) || w.domid > XS_DOMID_MAX || w.access > 3 ||
		    w.pad) {
			free(p->v);
			p->v = NULL;
			return -EINVAL;
		}
		p->v[i] = (struct xs_perm){ .domid = w.domid, .access = w.access };
	}
	return 0;
}

int xs_state_get_perms(struct hv_state_in *in, struct xs_perms *p)
{
	uint32_t n;

	if (hv_state_get(in, &n, sizeof(n)))
		return -EINVAL;
	return get_entries(in, p, n);
}

static int put_node(struct hv_state_buf *out, const struct xs_node *n, bool txn)
{
	struct wire_node w = { .gen = n->gen, .value_len = n->len,
			       .nr_children = n->nr_children,
			       .name_len = (uint16_t)strlen(n->name),
			       .nr_perms = (uint16_t)n->perms.n };
	int err;

	if (txn)
		w.marks = (n->accessed ? MARK_ACCESSED : 0) | (n->written ? MARK_WRITTEN : 0);
	if (n->len > XS_STATE_MAX_VALUE || n->perms.n > XS_STATE_MAX_PERMS ||
	    strlen(n->name) >= XS_ABS_PATH_BUF)
		return -E2BIG;
	err = hv_state_put(out, &w, sizeof(w));
	if (!err)
		err = hv_state_put(out, n->name, w.name_len);
	if (!err)
		err = hv_state_put(out, n->value, n->len);
	for (unsigned i = 0; !err && i < n->perms.n; i++) {
		struct wire_perm p = { .domid = n->perms.v[i].domid,
				       .access = n->perms.v[i].access };

		err = hv_state_put(out, &p, sizeof(p));
	}
	for (unsigned i = 0; !err && i < n->nr_children; i++)
		err = put_node(out, n->children[i], txn);
	return err;
}

int xs_state_put_tree(struct hv_state_buf *out, const struct xs_tree *t, bool txn)
{
	uint64_t gen = t->gen;
	int err = hv_state_put(out, &gen, sizeof(gen));

	return err ? err : put_node(out, t->root, txn);
}

/* The node being read at one level, and how many of its children are to come. */
struct level {
	struct xs_node *node;
	uint64_t gen;
	uint32_t children_left;
	size_t path_len;
};

/* One node's fields, in place in the body. */
struct parsed {
	struct wire_node w;
	const char *name;
	const uint8_t *value;
	struct xs_perms perms;
};

/* True if the n bytes at s (not NUL-terminated) are a node's name. */
static bool name_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(NAME_CHARS, s[i]))
			return false;
	return true;
}

static int parse_node(struct hv_state_in *in, struct parsed *p, uint64_t tree_gen, bool txn)
{
	int err;

	if (hv_state_get(in, &p->w, sizeof(p->w)) || p->w.gen > tree_gen ||
	    p->w.value_len > XS_STATE_MAX_VALUE || p->w.marks > (txn ? 3 : 0) ||
	    !hv_state_zero(p->w.pad, sizeof(p->w.pad)) ||
	    !(p->name = (const char *)hv_state_take(in, p->w.name_len)) ||
	    !(p->value = hv_state_take(in, p->w.value_len)))
		return -EINVAL;
	err = get_entries(in, &p->perms, p->w.nr_perms);
	if (!err && !name_valid(p->name, p->w.name_len)) {
		free(p->perms.v);
		err = -EINVAL;
	}
	return err;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp((*(struct xs_node *const *)a)->name, (*(struct xs_node *const *)b)->name);
}

/* 0 if no two children of n have one name, else -EINVAL (or -ENOMEM). */
static int children_unique(const struct xs_node *n)
{
	struct xs_node **sorted;
	int err = 0;

	if (n->nr_children < 2)
		return 0;
	sorted = malloc(n->nr_children * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, n->children, n->nr_children * sizeof(*sorted));
	qsort(sorted, n->nr_children, sizeof(*sorted), compare_names);
	for (unsigned i = 1; !err && i < n->nr_children; i++)
		if (!strcmp(sorted[i - 1]->name, sorted[i]->name))
			err = -EINVAL;
	free(sorted);
	return err;
}

/*
 * Adds the node p below the top of stack (at path, of len bytes); pushes it
 * if children are to follow.
 */
static int add_node(struct xs_tree *t, struct level *stack, unsigned *depth, char *path,
		    const struct parsed *p)
{
	struct level *top = &stack[*depth - 1];
	size_t len = top->path_len + (top->path_len > 1) + p->w.name_len;
	struct xs_node *n;

	if (!p->w.name_len || len >= XS_ABS_PATH_BUF)
		return -EINVAL;
	if (top->path_len > 1)
		path[top->path_len] = '/';
	memcpy(path + len - p->w.name_len, p->name, p->w.name_len);
	path[len] = '\0';
	if (!xs_path_valid(path) || *depth >= MAX_DEPTH)
		return -EINVAL;
	n = xs_tree_add_child(t, top->node, p->name, p->w.name_len, p->value, p->w.value_len,
			      &p->perms);
	if (!n)
		return -ENOMEM;
	n->accessed = p->w.marks & MARK_ACCESSED;
	n->written = p->w.marks & MARK_WRITTEN;
	n->gen = p->w.gen;
	stack[(*depth)++] = (struct level){ .node = n, .gen = p->w.gen,
					    .children_left = p->w.nr_children, .path_len = len };
	return 0;
}

/* The root's fields, and the frame at the bottom of the stack. */
static int add_root(struct xs_tree *t, struct level *stack, char *path, const struct parsed *p)
{
	if (p->w.name_len || !xs_tree_put(t, "/", p->value, p->w.value_len, &p->perms))
		return p->w.name_len ? -EINVAL : -ENOMEM;
	t->root->accessed = p->w.marks & MARK_ACCESSED;
	t->root->written = p->w.marks & MARK_WRITTEN;
	strcpy(path, "/");
	stack[0] = (struct level){ .node = t->root, .gen = p->w.gen,
				   .children_left = p->w.nr_children, .path_len = 1 };
	return 0;
}

/* Reads every node of the tree whose generation counter is gen into t. */
static int get_nodes(struct hv_state_in *in, struct xs_tree *t, uint64_t gen, bool txn,
		     struct level *stack, char *path)
{
	unsigned depth = 0;
	struct parsed p;
	int err = parse_node(in, &p, gen, txn);

	if (!err) {
		err = add_root(t, stack, path, &p);
		free(p.perms.v);
		depth = 1;
	}
	while (!err && depth) {
		struct level *top = &stack[depth - 1];

		if (!top->children_left) {
			/* Adding children bumped its generation: it gets its own back. */
			top->node->gen = top->gen;
			err = children_unique(top->node);
			depth--;
			continue;
		}
		top->children_left--;
		err = parse_node(in, &p, gen, txn);
		if (!err) {
			err = add_node(t, stack, &depth, path, &p);
			free(p.perms.v);
		}
	}
	return err;
}

int xs_state_get_tree(struct hv_state_in *in, struct xs_tree *t, uint16_t guest, bool txn)
{
	struct level *stack = malloc(MAX_DEPTH * sizeof(*stack));
	char *path = malloc(XS_ABS_PATH_BUF);
	uint64_t gen;
	int err = !stack || !path ? -ENOMEM : hv_state_get(in, &gen, sizeof(gen));

	if (!err)
		err = xs_tree_init(t, guest);
	if (!err) {
		err = get_nodes(in, t, gen, txn, stack, path);
		t->gen = gen;
		t->track = txn;
		if (err)
			xs_tree_destroy(t);
	}
	free(stack);
	free(path);
	return err;
}
