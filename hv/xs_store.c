#include "xs_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOMAIN_PREFIX "/local/domain/"

static const struct xs_perm root_perm = { .domid = 0, .access = XS_PERM_NONE };

int xs_perms_copy(struct xs_perms *dst, const struct xs_perms *src)
{
	dst->v = malloc(src->n * sizeof(*dst->v));
	if (!dst->v)
		return -ENOMEM;
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = src->n;
	return 0;
}

unsigned xs_perms_for(const struct xs_perms *p, const struct xs_caller *who)
{
	if (who->priv || p->v[0].domid == who->domid)
		return XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;
	for (unsigned i = 1; i < p->n; i++)
		if (p->v[i].domid == who->domid)
			return p->v[i].access;
	return p->v[0].access;
}

static bool guest_reads(const struct xs_tree *t, const struct xs_perms *p)
{
	const struct xs_caller guest = { .domid = t->guest, .priv = false };

	return xs_perms_for(p, &guest) & XS_PERM_READ;
}

int xs_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > max)
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_perm(struct xs_perm *out, const char *s)
{
	static const char letters[] = "nrwb"; /* index = access bits */
	const char *l = s[0] ? strchr(letters, s[0]) : NULL;
	unsigned long id;

	if (!l || xs_parse_uint(s + 1, XS_DOMID_MAX, &id))
		return -EINVAL;
	out->domid = (uint16_t)id;
	out->access = (uint8_t)(l - letters);
	return 0;
}

int xs_perms_parse(struct xs_perms *out, const char *s, unsigned n)
{
	if (n == 0)
		return -EINVAL;
	out->v = calloc(n, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	out->n = n;
	for (unsigned i = 0; i < n; i++, s += strlen(s) + 1) {
		if (parse_perm(&out->v[i], s)) {
			free(out->v);
			out->v = NULL;
			return -EINVAL;
		}
	}
	return 0;
}

int xs_perms_format(const struct xs_perms *p, char *buf, size_t size)
{
	size_t used = 0;

	for (unsigned i = 0; i < p->n; i++) {
		int n = snprintf(buf + used, size - used, "%c%u", "nrwb"[p->v[i].access & 3],
				 p->v[i].domid);

		if (n < 0 || (size_t)n + 1 > size - used)
			return -E2BIG;
		used += (size_t)n + 1; /* keep the NUL */
	}
	return (int)used;
}

/* Length of the "/local/domain/<id>/" prefix of p, or 0. */
static size_t domain_prefix(const char *p)
{
	size_t n = strlen(DOMAIN_PREFIX), digits = 0;

	if (strncmp(p, DOMAIN_PREFIX, n))
		return 0;
	while (p[n + digits] >= '0' && p[n + digits] <= '9' && digits < 5)
		digits++;
	if (!digits || p[n + digits] != '/')
		return 0;
	return n + digits + 1;
}

bool xs_path_valid(const char *p)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				 "0123456789-/_@";
	size_t len = strlen(p);

	if (p[0] != '/' || (len > 1 && p[len - 1] == '/') || strstr(p, "//"))
		return false;
	if (len > domain_prefix(p) + XS_PATH_MAX)
		return false;
	return strspn(p, ok) == len;
}

bool xs_path_is_child(const char *child, const char *p)
{
	size_t len = strlen(p);

	if (!strcmp(p, "/"))
		return child[0] == '/';
	return !strncmp(child, p, len) && (child[len] == '/' || child[len] == '\0');
}

static struct xs_node *find_child(const struct xs_node *n, const char *name, size_t len)
{
	for (unsigned i = 0; i < n->nr_children; i++) {
		struct xs_node *c = n->children[i];

		if (!strncmp(c->name, name, len) && c->name[len] == '\0')
			return c;
	}
	return NULL;
}

/*
 * Walks p from the root: returns the node, or NULL with *nearest the deepest
 * existing ancestor; *rest then points at the first missing component.
 */
static struct xs_node *walk(const struct xs_tree *t, const char *p, struct xs_node **nearest,
			    const char **rest)
{
	struct xs_node *n = t->root;

	p++;
	while (*p) {
		size_t len = strcspn(p, "/");
		struct xs_node *c = find_child(n, p, len);

		if (!c) {
			*nearest = n;
			*rest = p;
			return NULL;
		}
		n = c;
		p += len + (p[len] == '/');
	}
	*nearest = n;
	*rest = p;
	return n;
}

struct xs_node *xs_tree_lookup(const struct xs_tree *t, const char *p)
{
	struct xs_node *nearest;
	const char *rest;

	return walk(t, p, &nearest, &rest);
}

struct xs_node *xs_tree_nearest(const struct xs_tree *t, const char *p)
{
	struct xs_node *nearest;
	const char *rest;

	walk(t, p, &nearest, &rest);
	return nearest;
}

/* Marks n as read by a transaction. */
static void mark(struct xs_tree *t, struct xs_node *n)
{
	if (t->track)
		n->accessed = true;
}

/* Records a change of n's children: a new generation, and an access. */
static void bump(struct xs_tree *t, struct xs_node *n)
{
	n->gen = ++t->gen;
	mark(t, n);
}

/* Records a change of n's value or permissions. */
static void touch(struct xs_tree *t, struct xs_node *n)
{
	n->gen = ++t->gen;
	n->written = t->track;
}

static void count_owner(struct xs_tree *t, const struct xs_perms *p, int delta)
{
	if (p->n && p->v[0].domid == t->guest)
		t->guest_nodes += (unsigned)delta;
}

static void node_free(struct xs_node *n)
{
	free(n->name);
	free(n->children);
	free(n->value);
	free(n->perms.v);
	free(n);
}

/* Adds a child called name (len bytes) to parent with a copy of perms. */
static struct xs_node *node_add(struct xs_tree *t, struct xs_node *parent, const char *name,
				size_t len, const struct xs_perms *perms)
{
	struct xs_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = strndup(name, len);
	if (!n->name || xs_perms_copy(&n->perms, perms))
		goto err_free;
	if (parent->nr_children == parent->cap_children) {
		unsigned cap = parent->cap_children ? parent->cap_children * 2 : 4;
		struct xs_node **c = realloc(parent->children, cap * sizeof(*c));

		if (!c)
			goto err_free;
		parent->children = c;
		parent->cap_children = cap;
	}
	parent->children[parent->nr_children++] = n;
	n->parent = parent;
	count_owner(t, &n->perms, 1);
	touch(t, n);
	bump(t, parent);
	return n;

err_free:
	node_free(n);
	return NULL;
}

/* Frees n and its subtree, keeping the owner count. */
static void subtree_free(struct xs_tree *t, struct xs_node *n)
{
	for (unsigned i = 0; i < n->nr_children; i++)
		subtree_free(t, n->children[i]);
	count_owner(t, &n->perms, -1);
	node_free(n);
}

/* Unlinks n from its parent and frees it with everything below. */
static void node_remove(struct xs_tree *t, struct xs_node *n)
{
	struct xs_node *parent = n->parent;

	for (unsigned i = 0; i < parent->nr_children; i++) {
		if (parent->children[i] == n) {
			memmove(&parent->children[i], &parent->children[i + 1],
				(parent->nr_children - i - 1) * sizeof(n));
			parent->nr_children--;
			break;
		}
	}
	bump(t, parent);
	subtree_free(t, n);
}

static int set_value(struct xs_node *n, const void *value, size_t len)
{
	uint8_t *v = NULL;

	if (len) {
		v = malloc(len);
		if (!v)
			return -ENOMEM;
		memcpy(v, value, len);
	}
	free(n->value);
	n->value = v;
	n->len = (uint32_t)len;
	return 0;
}

int xs_tree_init(struct xs_tree *t, uint16_t guest)
{
	const struct xs_perms perms = { .v = (struct xs_perm *)&root_perm, .n = 1 };

	memset(t, 0, sizeof(*t));
	t->guest = guest;
	t->root = calloc(1, sizeof(*t->root));
	if (!t->root)
		return -ENOMEM;
	t->root->name = strdup("");
	if (!t->root->name || xs_perms_copy(&t->root->perms, &perms)) {
		node_free(t->root);
		t->root = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void removed_free(struct xs_tree *t)
{
	while (t->removed) {
		struct xs_removed *r = t->removed;

		t->removed = r->next;
		free(r);
	}
}

void xs_tree_destroy(struct xs_tree *t)
{
	if (t->root)
		subtree_free(t, t->root);
	t->root = NULL;
	removed_free(t);
}

static struct xs_node *node_clone(const struct xs_node *src, struct xs_node *parent)
{
	struct xs_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->parent = parent;
	n->gen = src->gen;
	n->name = strdup(src->name);
	n->children = calloc(src->nr_children ? src->nr_children : 1, sizeof(*n->children));
	if (!n->name || !n->children || xs_perms_copy(&n->perms, &src->perms) ||
	    set_value(n, src->value, src->len))
		goto err_free;
	n->cap_children = src->nr_children;
	for (; n->nr_children < src->nr_children; n->nr_children++) {
		struct xs_node *c = node_clone(src->children[n->nr_children], n);

		if (!c)
			goto err_free;
		n->children[n->nr_children] = c;
	}
	return n;

err_free:
	subtree_free(&(struct xs_tree){ 0 }, n);
	return NULL;
}

int xs_tree_clone(struct xs_tree *dst, const struct xs_tree *src)
{
	*dst = *src;
	dst->removed = NULL;
	dst->track = true;
	dst->root = node_clone(src->root, NULL);
	return dst->root ? 0 : -ENOMEM;
}

/* Creates the missing nodes of p below nearest, the first at rest. */
static struct xs_node *create(struct xs_tree *t, struct xs_node *nearest, const char *rest,
			      const struct xs_perms *perms, const struct xs_caller *who)
{
	struct xs_node *n = nearest;

	while (*rest) {
		size_t len = strcspn(rest, "/");

		n = node_add(t, n, rest, len, perms ? perms : &n->perms);
		if (!n)
			return NULL;
		if (who && !who->priv && n->perms.v[0].domid != who->domid) {
			count_owner(t, &n->perms, -1);
			n->perms.v[0].domid = who->domid;
			count_owner(t, &n->perms, 1);
		}
		rest += len + (rest[len] == '/');
	}
	return n;
}

struct xs_node *xs_tree_put(struct xs_tree *t, const char *p, const void *value, size_t len,
			    const struct xs_perms *perms)
{
	struct xs_node *nearest, *n;
	struct xs_perms copy;
	const char *rest;

	n = walk(t, p, &nearest, &rest);
	if (!n)
		n = create(t, nearest, rest, perms, NULL);
	if (!n || set_value(n, value, len) || xs_perms_copy(&copy, perms))
		return NULL;
	count_owner(t, &n->perms, -1);
	free(n->perms.v);
	n->perms = copy;
	count_owner(t, &n->perms, 1);
	touch(t, n);
	return n;
}

void xs_tree_remove(struct xs_tree *t, const char *p)
{
	struct xs_node *n = xs_tree_lookup(t, p);

	if (n && n->parent)
		node_remove(t, n);
}

struct xs_node *xs_tree_add_child(struct xs_tree *t, struct xs_node *parent, const char *name,
				  size_t len, const void *value, size_t vlen,
				  const struct xs_perms *perms)
{
	struct xs_node *n = node_add(t, parent, name, len, perms);

	if (n && set_value(n, value, vlen)) {
		node_remove(t, n);
		return NULL;
	}
	return n;
}

/* How many nodes creating the components in rest makes. */
static unsigned count_components(const char *rest)
{
	unsigned n = 0;

	for (; *rest; n++)
		rest += strcspn(rest, "/") + (rest[strcspn(rest, "/")] == '/');
	return n;
}

/* The error for a missing node as xenstored gives it: ENOENT or EACCES. */
static int missing(const struct xs_node *nearest, const struct xs_caller *who, unsigned need)
{
	return (xs_perms_for(&nearest->perms, who) & need) ? -ENOENT : -EACCES;
}

int xs_op_get(struct xs_tree *t, const struct xs_caller *who, const char *p,
	      const struct xs_node **out)
{
	struct xs_node *nearest, *n;
	const char *rest;

	n = walk(t, p, &nearest, &rest);
	mark(t, nearest);
	if (!n)
		return missing(nearest, who, XS_PERM_READ);
	if (!(xs_perms_for(&n->perms, who) & XS_PERM_READ))
		return -EACCES;
	*out = n;
	return 0;
}

/*
 * Finds p for a change by who, creating it (and its parents) if it is
 * absent: returns 0 with *out, or -errno.
 */
static int find_for_change(struct xs_tree *t, const struct xs_quota *q,
			   const struct xs_caller *who, const char *p, struct xs_node **out,
			   bool *created)
{
	struct xs_node *nearest, *n;
	const char *rest;
	int err;

	*created = false;
	n = walk(t, p, &nearest, &rest);
	mark(t, nearest);
	if (n) {
		*out = n;
		return (xs_perms_for(&n->perms, who) & XS_PERM_WRITE) ? 0 : -EACCES;
	}
	err = missing(nearest, who, XS_PERM_WRITE);
	if (err != -ENOENT)
		return err;
	if (!who->priv && t->guest_nodes + count_components(rest) > q->nodes)
		return -ENOSPC;
	*out = create(t, nearest, rest, NULL, who);
	*created = true;
	return *out ? 0 : -ENOMEM;
}

int xs_op_write(struct xs_tree *t, const struct xs_quota *q, const struct xs_caller *who,
		const char *p, const void *value, size_t len, struct xs_change *ch)
{
	struct xs_node *n;
	bool created;
	int err;

	if (!who->priv && len > q->value_size)
		return -ENOSPC;
	err = find_for_change(t, q, who, p, &n, &created);
	if (!err)
		err = set_value(n, value, len);
	if (err)
		return err;
	touch(t, n);
	*ch = (struct xs_change){ .changed = true, .guest_visible = guest_reads(t, &n->perms) };
	return 0;
}

int xs_op_mkdir(struct xs_tree *t, const struct xs_quota *q, const struct xs_caller *who,
		const char *p, struct xs_change *ch)
{
	struct xs_node *n;
	bool created;
	int err;

	err = find_for_change(t, q, who, p, &n, &created);
	if (err)
		return err;
	*ch = (struct xs_change){ .changed = created,
				  .guest_visible = guest_reads(t, &n->perms) };
	return 0;
}

static int note_removed(struct xs_tree *t, const char *p)
{
	size_t len = strlen(p) + 1;
	struct xs_removed *r;

	if (!t->track)
		return 0;
	r = malloc(sizeof(*r) + len);
	if (!r)
		return -ENOMEM;
	memcpy(r->path, p, len);
	r->next = t->removed;
	t->removed = r;
	return 0;
}

int xs_op_rm(struct xs_tree *t, const struct xs_caller *who, const char *p, struct xs_change *ch)
{
	struct xs_node *nearest, *n;
	const char *rest;
	int err;

	*ch = (struct xs_change){ 0 };
	n = walk(t, p, &nearest, &rest);
	mark(t, nearest);
	if (!n) {
		err = missing(nearest, who, XS_PERM_WRITE);
		/* Absent is fine when the parent exists. */
		return err == -ENOENT && count_components(rest) == 1 ? 0 : err;
	}
	if (!(xs_perms_for(&n->perms, who) & XS_PERM_WRITE))
		return -EACCES;
	if (!n->parent)
		return -EINVAL;
	err = note_removed(t, p);
	if (err)
		return err;
	*ch = (struct xs_change){ .changed = true,
				  .removal = true,
				  .guest_visible = guest_reads(t, &n->perms) ||
						   guest_reads(t, &n->parent->perms) };
	node_remove(t, n);
	return 0;
}

int xs_op_set_perms(struct xs_tree *t, const struct xs_quota *q, const struct xs_caller *who,
		    const char *p, const struct xs_perms *perms, struct xs_change *ch)
{
	struct xs_node *nearest, *n;
	struct xs_perms copy;
	const char *rest;
	bool before;

	if (!who->priv && perms->n > q->perms)
		return -ENOSPC;
	n = walk(t, p, &nearest, &rest);
	mark(t, nearest);
	if (!n)
		return missing(nearest, who, XS_PERM_WRITE | XS_PERM_OWNER);
	if ((xs_perms_for(&n->perms, who) & (XS_PERM_WRITE | XS_PERM_OWNER)) !=
	    (XS_PERM_WRITE | XS_PERM_OWNER))
		return -EACCES;
	if (!who->priv && perms->v[0].domid != n->perms.v[0].domid)
		return -EPERM;
	if (xs_perms_copy(&copy, perms))
		return -ENOMEM;
	before = guest_reads(t, &n->perms);
	count_owner(t, &n->perms, -1);
	free(n->perms.v);
	n->perms = copy;
	count_owner(t, &n->perms, 1);
	touch(t, n);
	*ch = (struct xs_change){ .changed = true,
				  .guest_visible = before || guest_reads(t, &n->perms) };
	return 0;
}
