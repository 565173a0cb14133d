/*
 * The xenstore tree: nodes with binary values and permissions, paths,
 * permission checks and the per-domain quotas, in the semantics of Xen's
 * docs/misc/xenstore.txt and of C xenstored.
 *
 * A tree is not thread-safe: its owner (the xenstore server) serialises
 * every call with its lock.  A transaction works on a copy of the tree
 * (xs_tree_clone) whose operations record which nodes they read and wrote,
 * so that the commit can detect conflicts (xs_txn.h).
 *
 * Only one domain is unprivileged here: the guest.  Dom0 (backends, socket
 * clients) may do everything; the guest is checked against each node's
 * permissions and is held to the quotas.
 */
#ifndef HV_XS_STORE_H
#define HV_XS_STORE_H

/* errno.h before xs_wire.h: it then defines xsd_errors, the errno names. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

/* Access bits of a permission entry and of a caller's rights on a node. */
#define XS_PERM_NONE 0u
#define XS_PERM_READ 1u
#define XS_PERM_WRITE 2u
#define XS_PERM_OWNER 4u

/* Longest path below /local/domain/<id>/ (or whole path elsewhere). */
#define XS_PATH_MAX XENSTORE_REL_PATH_MAX
/* Size of a buffer that holds any valid absolute path and its NUL. */
#define XS_ABS_PATH_BUF (XENSTORE_ABS_PATH_MAX + 1)
/* Largest domain id in a permission or a domain path (DOMID_FIRST_RESERVED - 1). */
#define XS_DOMID_MAX 0x7fefu

/* One permission entry: the first of a node's is its owner and default. */
struct xs_perm {
	uint16_t domid;
	uint8_t access; /* XS_PERM_READ | XS_PERM_WRITE */
};

/* A node's permissions: n >= 1 entries, v[0] the owner. */
struct xs_perms {
	struct xs_perm *v;
	unsigned n;
};

struct xs_node {
	char *name;                  /* leaf name; "" for the root */
	struct xs_node *parent;      /* NULL for the root */
	struct xs_node **children;   /* in creation order */
	unsigned nr_children;
	unsigned cap_children;
	uint8_t *value;              /* len bytes, not NUL-terminated; NULL if 0 */
	uint32_t len;
	struct xs_perms perms;
	uint64_t gen;                /* tree generation of its last change */
	bool accessed;               /* transaction copies: read or looked up */
	bool written;                /* transaction copies: created or changed */
};

/* A path that a transaction removed (to check and replay at commit). */
struct xs_removed {
	struct xs_removed *next;
	char path[];
};

struct xs_tree {
	struct xs_node *root;
	uint64_t gen;                /* last generation given out */
	uint16_t guest;              /* the unprivileged domain */
	unsigned guest_nodes;        /* nodes the guest owns (quota) */
	bool track;                  /* a transaction's copy: record accesses */
	struct xs_removed *removed;  /* with track: removals, newest first */
};

/* Limits on the guest (xenstored's defaults, per domain). */
struct xs_quota {
	unsigned nodes;        /* nodes the guest may own (ENOSPC) */
	unsigned value_size;   /* bytes in one value (ENOSPC) */
	unsigned perms;        /* entries in one node's permissions (ENOSPC) */
	unsigned watches;      /* watches per connection (E2BIG) */
	unsigned transactions; /* open transactions per connection (ENOSPC) */
};

#define XS_QUOTA_DEFAULT                                                                 \
	((struct xs_quota){ .nodes = 1000, .value_size = 2048, .perms = 5, .watches = 128, \
			    .transactions = 10 })

/* Who is asking: dom0 is privileged, the guest is not. */
struct xs_caller {
	uint16_t domid;
	bool priv;
};

/* What an operation changed, for watches. */
struct xs_change {
	bool changed;       /* the tree changed: watches fire */
	bool removal;       /* path and everything below it went away */
	bool guest_visible; /* the guest may read the node (before or after) */
};

/*
 * Makes t an empty tree ("/" owned by dom0, "n0") for guest domain guest.
 * Returns 0 or -ENOMEM.
 */
int xs_tree_init(struct xs_tree *t, uint16_t guest);

/* Frees every node of t. */
void xs_tree_destroy(struct xs_tree *t);

/*
 * Makes dst a deep copy of src that records accesses (a transaction's
 * view).  Returns 0 or -ENOMEM (dst then holds nothing).
 */
int xs_tree_clone(struct xs_tree *dst, const struct xs_tree *src);

/* The node at absolute path p, or NULL. */
struct xs_node *xs_tree_lookup(const struct xs_tree *t, const char *p);

/* The node at p, or its nearest existing ancestor (never NULL). */
struct xs_node *xs_tree_nearest(const struct xs_tree *t, const char *p);

/*
 * Sets p to exactly value/len and perms, creating missing parents with
 * perms too; no permission or quota checks (a transaction's commit and the
 * initial layout).  Returns the node, or NULL when out of memory.
 */
struct xs_node *xs_tree_put(struct xs_tree *t, const char *p, const void *value, size_t len,
			    const struct xs_perms *perms);

/* Removes p and everything below it, if p exists; no checks. */
void xs_tree_remove(struct xs_tree *t, const char *p);

/*
 * Adds a child called name (len bytes) to parent, last among its children,
 * with value/vlen and a copy of perms; no checks (a restore, which checked
 * them, builds a tree with it).  Returns the node, or NULL when out of
 * memory.
 */
struct xs_node *xs_tree_add_child(struct xs_tree *t, struct xs_node *parent, const char *name,
				  size_t len, const void *value, size_t vlen,
				  const struct xs_perms *perms);

/*
 * True if p is a valid absolute path: "/" or /-separated names of
 * [A-Za-z0-9-_@], no empty component, and at most XS_PATH_MAX bytes after
 * "/local/domain/<id>/" (or in all).
 */
bool xs_path_valid(const char *p);

/* True if child is p or below p ("/" is above everything). */
bool xs_path_is_child(const char *child, const char *p);

/* The rights (XS_PERM_*) that who has on a node with perms p. */
unsigned xs_perms_for(const struct xs_perms *p, const struct xs_caller *who);

/* Parses a decimal number (digits only) <= max.  Returns 0 or -EINVAL. */
int xs_parse_uint(const char *s, unsigned long max, unsigned long *out);

/*
 * Parses n NUL-terminated permission strings ("r5", "b0", ...) from s into
 * out (allocated; caller frees out->v).  Returns 0, -EINVAL or -ENOMEM.
 */
int xs_perms_parse(struct xs_perms *out, const char *s, unsigned n);

/*
 * Writes perms as NUL-terminated strings into buf (size bytes).  Returns
 * the length, or -E2BIG if they do not fit.
 */
int xs_perms_format(const struct xs_perms *p, char *buf, size_t size);

/* Deep copy of src into dst.  Returns 0 or -ENOMEM. */
int xs_perms_copy(struct xs_perms *dst, const struct xs_perms *src);

/*
 * The operations of the protocol, on a tree, for who, with the guest's
 * quotas q.  p is an absolute valid path.  Each returns 0 or a negative
 * errno as xenstored answers it, and fills *ch (when given) for watches.
 */

/* The node at p, which who may read: 0, -ENOENT or -EACCES. */
int xs_op_get(struct xs_tree *t, const struct xs_caller *who, const char *p,
	      const struct xs_node **out);

/* WRITE: sets p's value, creating it and its missing parents. */
int xs_op_write(struct xs_tree *t, const struct xs_quota *q, const struct xs_caller *who,
		const char *p, const void *value, size_t len, struct xs_change *ch);

/* MKDIR: creates p (and parents) with an empty value unless it exists. */
int xs_op_mkdir(struct xs_tree *t, const struct xs_quota *q, const struct xs_caller *who,
		const char *p, struct xs_change *ch);

/* RM: removes p and its children; fine if p is absent but its parent is not. */
int xs_op_rm(struct xs_tree *t, const struct xs_caller *who, const char *p,
	     struct xs_change *ch);

/* SET_PERMS: replaces p's permissions (owner or dom0; the guest keeps the owner). */
int xs_op_set_perms(struct xs_tree *t, const struct xs_quota *q, const struct xs_caller *who,
		    const char *p, const struct xs_perms *perms, struct xs_change *ch);

#endif
