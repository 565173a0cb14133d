/*
 * Unit tests for hv/xs_txn.c: a transaction sees its own changes only,
 * commits them, fails with EAGAIN when a node it read or wrote changed
 * meanwhile (including nodes created or removed), not for unrelated
 * changes, and the guest's node quota holds at commit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xs_txn.h"

#define GUEST 3

static const struct xs_caller dom0 = { .domid = 0, .priv = true };
static const struct xs_caller guest = { .domid = GUEST, .priv = false };
static struct xs_quota quota;
static struct xs_tree t;

static int wr(struct xs_tree *tree, const struct xs_caller *who, const char *p, const char *v)
{
	struct xs_change ch;

	return xs_op_write(tree, &quota, who, p, v, strlen(v), &ch);
}

static int rd(struct xs_tree *tree, const char *p, const char *v)
{
	const struct xs_node *n;
	int err = xs_op_get(tree, &dom0, p, &n);

	if (!err && v) {
		assert_int_equal(n->len, strlen(v));
		assert_memory_equal(n->value, v, n->len);
	}
	return err;
}

static int rm(struct xs_tree *tree, const char *p)
{
	struct xs_change ch;

	return xs_op_rm(tree, &dom0, p, &ch);
}

static int setup(void **state)
{
	static const struct xs_perm own = { .domid = GUEST, .access = 0 };
	const struct xs_perms p = { .v = (struct xs_perm *)&own, .n = 1 };

	(void)state;
	quota = XS_QUOTA_DEFAULT;
	if (xs_tree_init(&t, GUEST) || !xs_tree_put(&t, "/g", "", 0, &p))
		return -1;
	return wr(&t, &dom0, "/a/x", "1") || wr(&t, &dom0, "/b/y", "2");
}

static int teardown(void **state)
{
	(void)state;
	xs_tree_destroy(&t);
	return 0;
}

static int commit(struct xs_txn *x, const struct xs_caller *who)
{
	int err = xs_txn_commit(&t, x, &quota, who);

	xs_txn_free(x);
	return err;
}

static void isolation_and_commit(void **state)
{
	struct xs_txn *x = xs_txn_start(&t, 1);

	(void)state;
	assert_non_null(x);
	assert_int_equal(wr(&x->tree, &dom0, "/a/new/deep", "n"), 0);
	assert_int_equal(rm(&x->tree, "/b"), 0);
	assert_int_equal(rd(&t, "/a/new/deep", NULL), -ENOENT); /* not seen outside */
	assert_int_equal(rd(&t, "/b/y", "2"), 0);
	assert_int_equal(commit(x, &dom0), 0);
	assert_int_equal(rd(&t, "/a/new/deep", "n"), 0);
	assert_int_equal(rd(&t, "/b", NULL), -ENOENT);
	assert_int_equal(rd(&t, "/a/x", "1"), 0);
}

static void abort_discards(void **state)
{
	struct xs_txn *x = xs_txn_start(&t, 1);

	(void)state;
	assert_int_equal(wr(&x->tree, &dom0, "/a/x", "changed"), 0);
	xs_txn_free(x);
	assert_int_equal(rd(&t, "/a/x", "1"), 0);
}

static void conflict_on_read_node(void **state)
{
	struct xs_txn *x = xs_txn_start(&t, 1);

	(void)state;
	assert_int_equal(rd(&x->tree, "/a/x", "1"), 0);
	assert_int_equal(wr(&x->tree, &dom0, "/b/z", "3"), 0);
	assert_int_equal(wr(&t, &dom0, "/a/x", "other"), 0);
	assert_int_equal(commit(x, &dom0), -EAGAIN);
	assert_int_equal(rd(&t, "/b/z", NULL), -ENOENT); /* nothing applied */
}

static void conflict_on_written_node(void **state)
{
	struct xs_txn *x = xs_txn_start(&t, 1);

	(void)state;
	assert_int_equal(wr(&x->tree, &dom0, "/b/y", "mine"), 0);
	assert_int_equal(wr(&t, &dom0, "/b/y", "theirs"), 0);
	assert_int_equal(commit(x, &dom0), -EAGAIN);
	assert_int_equal(rd(&t, "/b/y", "theirs"), 0);
}

static void conflict_on_created_and_removed(void **state)
{
	struct xs_txn *x = xs_txn_start(&t, 1), *y;

	(void)state;
	/* Read a missing node that someone then creates. */
	assert_int_equal(rd(&x->tree, "/a/missing", NULL), -ENOENT);
	assert_int_equal(wr(&t, &dom0, "/a/missing", "now"), 0);
	assert_int_equal(commit(x, &dom0), -EAGAIN);
	/* Read a node that someone then removes. */
	y = xs_txn_start(&t, 2);
	assert_int_equal(rd(&y->tree, "/b/y", "2"), 0);
	assert_int_equal(rm(&t, "/b"), 0);
	assert_int_equal(commit(y, &dom0), -EAGAIN);
	/* Remove a subtree below which someone then writes. */
	assert_int_equal(wr(&t, &dom0, "/c/d/e", "1"), 0);
	x = xs_txn_start(&t, 3);
	assert_int_equal(rm(&x->tree, "/c"), 0);
	assert_int_equal(wr(&t, &dom0, "/c/d/e", "2"), 0);
	assert_int_equal(commit(x, &dom0), -EAGAIN);
}

static void no_conflict_when_unrelated(void **state)
{
	struct xs_txn *x = xs_txn_start(&t, 1);

	(void)state;
	assert_int_equal(rd(&x->tree, "/a/x", "1"), 0);
	assert_int_equal(wr(&x->tree, &dom0, "/a/x", "tx"), 0);
	assert_int_equal(wr(&t, &dom0, "/b/y", "elsewhere"), 0);
	assert_int_equal(commit(x, &dom0), 0);
	assert_int_equal(rd(&t, "/a/x", "tx"), 0);
	assert_int_equal(rd(&t, "/b/y", "elsewhere"), 0); /* kept */
}

static void remove_then_recreate(void **state)
{
	struct xs_txn *x = xs_txn_start(&t, 1);

	(void)state;
	assert_int_equal(rm(&x->tree, "/a"), 0);
	assert_int_equal(wr(&x->tree, &dom0, "/a/z", "fresh"), 0);
	assert_int_equal(commit(x, &dom0), 0);
	assert_int_equal(rd(&t, "/a/x", NULL), -ENOENT);
	assert_int_equal(rd(&t, "/a/z", "fresh"), 0);
}

static void changes_recorded(void **state)
{
	struct xs_txn *x = xs_txn_start(&t, 1);
	struct xs_change ch = { .changed = true };

	(void)state;
	assert_int_equal(xs_txn_note(x, "/a/x", &ch), 0);
	assert_int_equal(xs_txn_note(x, "/b", &ch), 0);
	assert_string_equal(x->changes->path, "/a/x");
	assert_string_equal(x->changes->next->path, "/b");
	xs_txn_free(x);
}

static void quota_at_commit(void **state)
{
	static const struct xs_perm own = { .domid = GUEST, .access = 0 };
	const struct xs_perms p = { .v = (struct xs_perm *)&own, .n = 1 };
	struct xs_txn *x;

	(void)state;
	assert_non_null(xs_tree_put(&t, "/h", "", 0, &p));
	quota.nodes = t.guest_nodes + 2;
	x = xs_txn_start(&t, 1);
	assert_int_equal(wr(&x->tree, &guest, "/g/1", "1"), 0);
	assert_int_equal(wr(&x->tree, &guest, "/g/2", "1"), 0);
	assert_int_equal(wr(&x->tree, &guest, "/g/3", "1"), -ENOSPC);
	/* Meanwhile dom0 makes a node that the guest owns, elsewhere. */
	assert_int_equal(wr(&t, &dom0, "/h/dom0", "x"), 0);
	assert_int_equal(commit(x, &guest), -ENOSPC);
	assert_int_equal(rd(&t, "/g/1", NULL), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(isolation_and_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(abort_discards, setup, teardown),
		cmocka_unit_test_setup_teardown(conflict_on_read_node, setup, teardown),
		cmocka_unit_test_setup_teardown(conflict_on_written_node, setup, teardown),
		cmocka_unit_test_setup_teardown(conflict_on_created_and_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(no_conflict_when_unrelated, setup, teardown),
		cmocka_unit_test_setup_teardown(remove_then_recreate, setup, teardown),
		cmocka_unit_test_setup_teardown(changes_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(quota_at_commit, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
