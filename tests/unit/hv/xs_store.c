/*
 * Unit tests for hv/xs_store.c: paths, permission strings, every tree
 * operation for dom0 and for the guest (xenstored's answers), inheritance
 * of permissions, and the guest's node and value quotas.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xs_store.h"

#define GUEST 5

static const struct xs_caller dom0 = { .domid = 0, .priv = true };
static const struct xs_caller guest = { .domid = GUEST, .priv = false };
static const struct xs_caller other = { .domid = 9, .priv = false };
static struct xs_quota quota;
static struct xs_tree t;

static struct xs_perms perms(const char *s, unsigned n)
{
	struct xs_perms p;

	assert_int_equal(xs_perms_parse(&p, s, n), 0);
	return p;
}

/* Puts p with the permission string text ("n0\0r5", n entries). */
static void put(const char *p, const char *value, const char *text, unsigned n)
{
	struct xs_perms ps = perms(text, n);

	assert_non_null(xs_tree_put(&t, p, value, strlen(value), &ps));
	free(ps.v);
}

static int setup(void **state)
{
	(void)state;
	quota = XS_QUOTA_DEFAULT;
	if (xs_tree_init(&t, GUEST))
		return -1;
	put("/local/domain/5", "", "n0\0r5", 2);
	put("/local/domain/5/data", "", "n5", 1);
	put("/local/domain/5/secret", "s", "n0", 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xs_tree_destroy(&t);
	return 0;
}

static int get(const struct xs_caller *who, const char *p, const char *value)
{
	const struct xs_node *n;
	int err = xs_op_get(&t, who, p, &n);

	if (!err && value) {
		assert_int_equal(n->len, strlen(value));
		assert_memory_equal(n->value, value, n->len);
	}
	return err;
}

static int wr(const struct xs_caller *who, const char *p, const char *value)
{
	struct xs_change ch;

	return xs_op_write(&t, &quota, who, p, value, strlen(value), &ch);
}

static void paths(void **state)
{
	char longp[3000];

	(void)state;
	assert_true(xs_path_valid("/"));
	assert_true(xs_path_valid("/a/b-c_d@e/F9"));
	assert_false(xs_path_valid(""));
	assert_false(xs_path_valid("a/b"));
	assert_false(xs_path_valid("/a/"));
	assert_false(xs_path_valid("/a//b"));
	assert_false(xs_path_valid("/a b"));
	assert_false(xs_path_valid("/a.b"));
	assert_false(xs_path_valid("/a/\xff"));
	/* 2048 bytes after /local/domain/<id>/, or in all elsewhere. */
	memset(longp, 'x', sizeof(longp));
	memcpy(longp, "/local/domain/7/", 16);
	longp[16 + XS_PATH_MAX] = '\0';
	assert_true(xs_path_valid(longp));
	longp[16 + XS_PATH_MAX] = 'x';
	longp[16 + XS_PATH_MAX + 1] = '\0';
	assert_false(xs_path_valid(longp));
	longp[0] = '/';
	longp[1] = 'y';
	longp[XS_PATH_MAX + 1] = '\0';
	assert_false(xs_path_valid(longp));
	assert_true(xs_path_is_child("/a/b", "/a"));
	assert_true(xs_path_is_child("/a", "/a"));
	assert_true(xs_path_is_child("/a", "/"));
	assert_false(xs_path_is_child("/ab", "/a"));
}

static void perm_strings(void **state)
{
	struct xs_perms p;
	char buf[64];

	(void)state;
	p = perms("n0\0r5\0w7\0b32751", 4);
	assert_int_equal(p.n, 4);
	assert_int_equal(p.v[3].domid, 32751);
	assert_int_equal(p.v[3].access, XS_PERM_READ | XS_PERM_WRITE);
	assert_int_equal(xs_perms_format(&p, buf, sizeof(buf)), 16);
	assert_memory_equal(buf, "n0\0r5\0w7\0b32751", 16);
	assert_int_equal(xs_perms_format(&p, buf, 10), -E2BIG);
	free(p.v);
	assert_int_equal(xs_perms_parse(&p, "x1", 1), -EINVAL);
	assert_int_equal(xs_perms_parse(&p, "r", 1), -EINVAL);
	assert_int_equal(xs_perms_parse(&p, "r1x", 1), -EINVAL);
	assert_int_equal(xs_perms_parse(&p, "r-1", 1), -EINVAL);
	assert_int_equal(xs_perms_parse(&p, "r32752", 1), -EINVAL);
	assert_int_equal(xs_perms_parse(&p, "r99999999999999999999", 1), -EINVAL);
	assert_int_equal(xs_perms_parse(&p, "", 0), -EINVAL);
}

static void write_read_binary(void **state)
{
	static const uint8_t bin[] = { 0, 1, 0, 0xff };
	struct xs_change ch;
	const struct xs_node *n;

	(void)state;
	assert_int_equal(xs_op_write(&t, &quota, &dom0, "/a/b/c", bin, sizeof(bin), &ch), 0);
	assert_true(ch.changed);
	assert_int_equal(xs_op_get(&t, &dom0, "/a/b/c", &n), 0);
	assert_int_equal(n->len, sizeof(bin));
	assert_memory_equal(n->value, bin, sizeof(bin));
	assert_int_equal(get(&dom0, "/a/b", ""), 0); /* parents made, empty */
	assert_int_equal(get(&dom0, "/a/x", NULL), -ENOENT);
	assert_int_equal(wr(&dom0, "/a/b/c", ""), 0);
	assert_int_equal(get(&dom0, "/a/b/c", ""), 0);
}

static void mkdir_rm(void **state)
{
	struct xs_change ch;
	const struct xs_node *n;

	(void)state;
	assert_int_equal(wr(&dom0, "/d/keep", "v"), 0);
	assert_int_equal(xs_op_mkdir(&t, &quota, &dom0, "/d/keep", &ch), 0);
	assert_false(ch.changed);
	assert_int_equal(get(&dom0, "/d/keep", "v"), 0); /* value kept */
	assert_int_equal(xs_op_mkdir(&t, &quota, &dom0, "/d/e/f", &ch), 0);
	assert_true(ch.changed);
	assert_int_equal(xs_op_get(&t, &dom0, "/d", &n), 0);
	assert_int_equal(n->nr_children, 2);
	assert_string_equal(n->children[0]->name, "keep"); /* creation order */
	assert_int_equal(xs_op_rm(&t, &dom0, "/d/e", &ch), 0);
	assert_true(ch.changed && ch.removal);
	assert_int_equal(get(&dom0, "/d/e/f", NULL), -ENOENT);
	assert_int_equal(xs_op_rm(&t, &dom0, "/d/e", &ch), 0); /* absent, parent there */
	assert_false(ch.changed);
	assert_int_equal(xs_op_rm(&t, &dom0, "/d/e/f", &ch), -ENOENT);
	assert_int_equal(xs_op_rm(&t, &dom0, "/", &ch), -EINVAL);
}

static void guest_permissions(void **state)
{
	struct xs_change ch;
	const struct xs_node *n;

	(void)state;
	assert_int_equal(get(&guest, "/local/domain/5", ""), 0);
	assert_int_equal(get(&guest, "/local/domain/5/secret", NULL), -EACCES);
	assert_int_equal(get(&other, "/local/domain/5", NULL), -EACCES);
	/* A missing node: ENOENT only if the nearest parent is readable. */
	assert_int_equal(get(&guest, "/local/domain/5/nothing", NULL), -ENOENT);
	assert_int_equal(get(&guest, "/local/domain/5/secret/x", NULL), -EACCES);
	assert_int_equal(get(&guest, "/nothing", NULL), -EACCES);
	/* Creating needs write on the nearest existing node. */
	assert_int_equal(wr(&guest, "/local/domain/5/x", "v"), -EACCES);
	assert_int_equal(wr(&guest, "/local/domain/5/data/x/y", "v"), 0);
	assert_int_equal(xs_op_get(&t, &guest, "/local/domain/5/data/x", &n), 0);
	assert_int_equal(n->perms.v[0].domid, GUEST);
	assert_int_equal(wr(&guest, "/local/domain/5/domid", "9"), -EACCES);
	assert_int_equal(xs_op_mkdir(&t, &quota, &guest, "/local/domain/5/secret", &ch), -EACCES);
	assert_int_equal(xs_op_rm(&t, &guest, "/local/domain/5/secret", &ch), -EACCES);
	assert_int_equal(xs_op_rm(&t, &guest, "/local/domain/5/nope", &ch), -EACCES);
	assert_int_equal(xs_op_rm(&t, &guest, "/local/domain/5/data/x", &ch), 0);
	assert_true(ch.guest_visible);
}

static void inheritance(void **state)
{
	const struct xs_node *n;

	(void)state;
	put("/shared", "", "n0\0b5", 2);
	/* The guest owns what it creates; the other entries are inherited. */
	assert_int_equal(wr(&guest, "/shared/g", "1"), 0);
	assert_int_equal(xs_op_get(&t, &dom0, "/shared/g", &n), 0);
	assert_int_equal(n->perms.n, 2);
	assert_int_equal(n->perms.v[0].domid, GUEST);
	assert_int_equal(n->perms.v[1].domid, GUEST);
	/* Dom0 copies its parent's permissions, owner included (xenstored). */
	assert_int_equal(wr(&dom0, "/local/domain/5/data/d", "1"), 0);
	assert_int_equal(xs_op_get(&t, &dom0, "/local/domain/5/data/d", &n), 0);
	assert_int_equal(n->perms.v[0].domid, GUEST);
	assert_int_equal(get(&guest, "/local/domain/5/data/d", "1"), 0);
}

static void set_perms(void **state)
{
	struct xs_perms p = perms("n5\0r0", 2), chown = perms("n0", 1);
	struct xs_perms many = perms("n5\0r1\0r2\0r3\0r4\0r6", 6);
	struct xs_change ch;

	(void)state;
	assert_int_equal(wr(&guest, "/local/domain/5/data/p", "1"), 0);
	assert_int_equal(xs_op_set_perms(&t, &quota, &guest, "/local/domain/5/data/p", &p, &ch),
			 0);
	assert_true(ch.changed && ch.guest_visible);
	assert_int_equal(
		xs_op_set_perms(&t, &quota, &guest, "/local/domain/5/data/p", &chown, &ch), -EPERM);
	assert_int_equal(
		xs_op_set_perms(&t, &quota, &guest, "/local/domain/5/data/p", &many, &ch), -ENOSPC);
	assert_int_equal(xs_op_set_perms(&t, &quota, &guest, "/local/domain/5", &p, &ch), -EACCES);
	assert_int_equal(xs_op_set_perms(&t, &quota, &guest, "/local/domain/5/data/none", &p, &ch),
			 -ENOENT);
	/* Dom0 may give the node away; then the guest cannot read it. */
	assert_int_equal(xs_op_set_perms(&t, &quota, &dom0, "/local/domain/5/data/p", &chown, &ch),
			 0);
	assert_true(ch.guest_visible); /* readable before */
	assert_int_equal(get(&guest, "/local/domain/5/data/p", NULL), -EACCES);
	free(p.v);
	free(chown.v);
	free(many.v);
}

static void quotas(void **state)
{
	char big[3000];
	unsigned start = t.guest_nodes;
	struct xs_change ch;

	(void)state;
	memset(big, 'v', sizeof(big));
	quota.nodes = start + 3;
	assert_int_equal(xs_op_write(&t, &quota, &guest, "/local/domain/5/data/v", big,
				     quota.value_size + 1, &ch),
			 -ENOSPC);
	assert_int_equal(xs_op_write(&t, &quota, &guest, "/local/domain/5/data/v", big,
				     quota.value_size, &ch),
			 0);
	/* Two more nodes fit, not three. */
	assert_int_equal(wr(&guest, "/local/domain/5/data/a/b/c", "x"), -ENOSPC);
	assert_int_equal(t.guest_nodes, start + 1);
	assert_int_equal(wr(&guest, "/local/domain/5/data/a/b", "x"), 0);
	assert_int_equal(wr(&guest, "/local/domain/5/data/q", "x"), -ENOSPC);
	/*
	 * Dom0 is not held to it, but what it creates in the guest's
	 * directory is the guest's and counts; removing gives room back.
	 */
	assert_int_equal(wr(&dom0, "/local/domain/5/data/dom0", "x"), 0);
	assert_int_equal(t.guest_nodes, start + 4);
	assert_int_equal(xs_op_rm(&t, &guest, "/local/domain/5/data/a", &ch), 0);
	assert_int_equal(wr(&guest, "/local/domain/5/data/n1", "x"), 0);
	assert_int_equal(t.guest_nodes, start + 3);
	assert_int_equal(wr(&guest, "/local/domain/5/data/n2", "x"), -ENOSPC);
}

static void clone_is_deep(void **state)
{
	struct xs_tree c;

	(void)state;
	assert_int_equal(wr(&dom0, "/c/x", "1"), 0);
	assert_int_equal(xs_tree_clone(&c, &t), 0);
	assert_true(c.track);
	assert_non_null(xs_tree_lookup(&c, "/c/x"));
	xs_tree_remove(&t, "/c");
	assert_null(xs_tree_lookup(&t, "/c/x"));
	assert_non_null(xs_tree_lookup(&c, "/c/x"));
	xs_tree_destroy(&c);
}

static void nearest(void **state)
{
	(void)state;
	assert_string_equal(xs_tree_nearest(&t, "/local/domain/5/data/zz/y")->name, "data");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paths),
		cmocka_unit_test(perm_strings),
		cmocka_unit_test_setup_teardown(write_read_binary, setup, teardown),
		cmocka_unit_test_setup_teardown(mkdir_rm, setup, teardown),
		cmocka_unit_test_setup_teardown(guest_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(inheritance, setup, teardown),
		cmocka_unit_test_setup_teardown(set_perms, setup, teardown),
		cmocka_unit_test_setup_teardown(quotas, setup, teardown),
		cmocka_unit_test_setup_teardown(clone_is_deep, setup, teardown),
		cmocka_unit_test_setup_teardown(nearest, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
