/*
 * Unit tests for migrated/dom_state.c, the state file ternd reads back when
 * it restarts: what it writes it reads back, and a file that is cut,
 * repeats or lacks a key, holds a value out of range or an inconsistent
 * state is refused whole.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dom_state.h"

static const struct mig_dom_record live = {
	.domid = 7, .state = MIG_DOM_PAUSED, .reason = MIG_REASON_NONE, .pid = 4242,
	.pid_start = 123456789, .boot_id = "aa502c14-25ed-42ef-8203-4fb7c85318af",
	.started = 1700000000, .vcpus = 2, .memory = 256,
};

/* Field by field: the structs' padding is nobody's. */
static void assert_same_record(const struct mig_dom_record *a, const struct mig_dom_record *b)
{
	assert_int_equal(a->domid, b->domid);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->reason, b->reason);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->pid_start, b->pid_start);
	assert_string_equal(a->boot_id, b->boot_id);
	assert_int_equal(a->started, b->started);
	assert_int_equal(a->vcpus, b->vcpus);
	assert_int_equal(a->memory, b->memory);
}

static void round_trip(void **state)
{
	const struct mig_dom_record off = {
		.state = MIG_DOM_SHUTOFF, .reason = MIG_REASON_CRASH, .started = 5, .vcpus = 1,
		.memory = 64,
	};
	struct mig_dom_record out;
	char text[MIG_DOM_STATE_MAX];
	int n;

	(void)state;
	n = mig_dom_state_format(&live, text, sizeof(text));
	assert_true(n > 0);
	assert_int_equal(mig_dom_state_parse(text, (size_t)n, &out), 0);
	assert_same_record(&out, &live);
	n = mig_dom_state_format(&off, text, sizeof(text));
	assert_int_equal(mig_dom_state_parse(text, (size_t)n, &out), 0);
	assert_same_record(&out, &off);
	assert_int_equal(mig_dom_state_format(&live, text, 20), -ENOSPC);
}

/* The live record's file with one line replaced (or dropped if with is ""). */
static int parse_with(const char *key, const char *with)
{
	struct mig_dom_record out = { .domid = 99 };
	char text[MIG_DOM_STATE_MAX], edited[MIG_DOM_STATE_MAX * 2] = "";
	char *line, *save;
	int r;

	mig_dom_state_format(&live, text, sizeof(text));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		bool match = !strncmp(line, key, strlen(key)) && line[strlen(key)] == ' ';

		if (match && !*with)
			continue;
		strcat(edited, match ? with : line);
		strcat(edited, "\n");
	}
	r = mig_dom_state_parse(edited, strlen(edited), &out);
	if (r)
		assert_int_equal(out.domid, 99); /* untouched */
	return r;
}

static void bad_values(void **state)
{
	(void)state;
	assert_int_equal(parse_with("domid", "domid 8"), 0);
	assert_int_equal(parse_with("version", "version 2"), -EINVAL);
	assert_int_equal(parse_with("domid", "domid 0"), -EINVAL);      /* live needs one */
	assert_int_equal(parse_with("domid", "domid 32752"), -EINVAL);
	assert_int_equal(parse_with("domid", "domid 07"), -EINVAL);
	assert_int_equal(parse_with("domid", "domid -1"), -EINVAL);
	assert_int_equal(parse_with("domid", "domid "), -EINVAL);
	assert_int_equal(parse_with("domid", "domid"), -EINVAL);
	assert_int_equal(parse_with("domid", "domid 7 "), -EINVAL);
	assert_int_equal(parse_with("state", "state shutoff"), -EINVAL); /* with a pid */
	assert_int_equal(parse_with("state", "state none"), -EINVAL);
	assert_int_equal(parse_with("state", "state sleeping"), -EINVAL);
	assert_int_equal(parse_with("reason", "reason crash"), -EINVAL); /* while live */
	assert_int_equal(parse_with("pid", "pid 0"), -EINVAL);
	assert_int_equal(parse_with("pid", "pid 2147483648"), -EINVAL);
	assert_int_equal(parse_with("pid_start", "pid_start 18446744073709551616"), -EINVAL);
	assert_int_equal(parse_with("pid_start", "pid_start 18446744073709551615"), 0);
	assert_int_equal(parse_with("boot_id", "boot_id -"), -EINVAL);
	assert_int_equal(parse_with("boot_id", "boot_id AA502C14-25ED-42EF-8203-4FB7C85318AF"),
			 -EINVAL);
	assert_int_equal(parse_with("boot_id", "boot_id aa502c14"), -EINVAL);
	assert_int_equal(parse_with("vcpus", "vcpus 0"), -EINVAL);
	assert_int_equal(parse_with("vcpus", "vcpus 129"), -EINVAL);
	assert_int_equal(parse_with("memory", "memory 0"), -EINVAL);
	assert_int_equal(parse_with("memory", "memory 1048577"), -EINVAL);
}

static void bad_shapes(void **state)
{
	struct mig_dom_record out;
	char text[MIG_DOM_STATE_MAX * 2];
	int n;

	(void)state;
	assert_int_equal(parse_with("memory", ""), -EINVAL);            /* missing */
	assert_int_equal(parse_with("memory", "memory 1\nmemory 1"), -EINVAL); /* twice */
	assert_int_equal(parse_with("memory", "memory 1\ncolour blue"), -EINVAL);
	assert_int_equal(parse_with("memory", "memory 1\n"), -EINVAL);   /* an empty line */
	assert_int_equal(parse_with("memory", "memory\t1"), -EINVAL);
	assert_int_equal(parse_with("memory", "memory  1"), -EINVAL);

	n = mig_dom_state_format(&live, text, sizeof(text));
	assert_int_equal(mig_dom_state_parse(text, (size_t)n - 1, &out), -EINVAL); /* no \n */
	for (int cut = 0; cut < n - 1; cut++)
		assert_int_equal(mig_dom_state_parse(text, (size_t)cut, &out), -EINVAL);
	text[5] = '\0';
	assert_int_equal(mig_dom_state_parse(text, (size_t)n, &out), -EINVAL);
	memset(text, 'a', sizeof(text));
	assert_int_equal(mig_dom_state_parse(text, MIG_DOM_STATE_MAX + 1, &out), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(bad_values),
		cmocka_unit_test(bad_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
