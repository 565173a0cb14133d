/*
 * Tests for hv/grubcfg.c and grubcfg_parse.c.
 *
 * Files: each $TERN_UNIT_DATA/grub/NAME.cfg is run with $root "hd0,msdos1"
 * and a search callback that knows the UUID "known-uuid" (hd0,msdos3) and
 * the label "known-label" (hd0,gpt4); NAME.expected holds the chosen entry
 * as describe() writes it, or "error: " and the exact message.
 * TERN_UNIT_UPDATE=1 rewrites the .expected files (review the diff).
 *
 * Code: the size limits, and texts no file holds (NUL bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grubcfg.h"

static int fake_search(void *opaque, const char *kind, const char *key, char *dev,
		       size_t devlen)
{
	(void)opaque;
	if (!strcmp(kind, "fs-uuid") && !strcmp(key, "known-uuid"))
		snprintf(dev, devlen, "hd0,msdos3");
	else if (!strcmp(kind, "label") && !strcmp(key, "known-label"))
		snprintf(dev, devlen, "hd0,gpt4");
	else
		return -ENOENT;
	return 0;
}

static const struct hv_grubcfg_opts opts = {
	.root = "hd0,msdos1",
	.prefix = "(hd0,msdos1)/boot/grub",
	.search = fake_search,
};

/* Runs text and returns what it chose, or the error, as text (caller frees). */
static char *describe(const char *name, const char *text, size_t len)
{
	struct hv_grub_boot b;
	char err[512], *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);

	assert_non_null(f);
	if (hv_grubcfg_choose(name, text, len, &opts, &b, err, sizeof(err))) {
		fprintf(f, "error: %s\n", err);
		assert_null(b.kernel);
	} else {
		fprintf(f, "title: %s\nkernel: %s\nargs: %s\n", b.title, b.kernel, b.args);
		for (unsigned i = 0; i < b.nr_initrds; i++)
			fprintf(f, "initrd: %s\n", b.initrds[i]);
		fprintf(f, "root: %s\nline: %u\n", b.root ? b.root : "(unset)", b.line);
		if (b.note[0])
			fprintf(f, "note: %s\n", b.note);
	}
	hv_grub_boot_free(&b);
	hv_grub_boot_free(&b);
	assert_int_equal(fclose(f), 0);
	return out;
}

/* Reads dir/name whole into a new buffer; NULL if it is missing. */
static char *slurp(const char *dir, const char *name, size_t *len)
{
	char *path = NULL, *buf;
	FILE *f;
	long n;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "rb");
	free(path);
	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* 0 if name.cfg gives name.expected. */
static int check_case(const char *dir, const char *cfg)
{
	char expected_name[NAME_MAX + 16];
	size_t len, elen = 0;
	char *text = slurp(dir, cfg, &len), *got, *want;
	int bad;

	assert_non_null(text);
	got = describe(cfg, text, len);
	snprintf(expected_name, sizeof(expected_name), "%.*s.expected",
		 (int)(strlen(cfg) - 4), cfg);
	if (getenv("TERN_UNIT_UPDATE")) {
		char *path = NULL;
		FILE *f;

		assert_true(asprintf(&path, "%s/%s", dir, expected_name) > 0);
		f = fopen(path, "w");
		free(path);
		assert_non_null(f);
		fputs(got, f);
		assert_int_equal(fclose(f), 0);
	}
	want = slurp(dir, expected_name, &elen);
	bad = !want || strcmp(got, want);
	if (bad)
		print_error("%s: expected\n%s--- got\n%s---\n", cfg, want ? want : "(no file)\n",
			    got);
	free(want);
	free(got);
	free(text);
	return bad;
}

static void test_files(void **state)
{
	const char *data = getenv("TERN_UNIT_DATA");
	char dir[PATH_MAX];
	struct dirent **names;
	unsigned good = 0, bad = 0, failed = 0;
	int n;

	(void)state;
	assert_non_null(data);
	snprintf(dir, sizeof(dir), "%s/grub", data);
	n = scandir(dir, &names, NULL, alphasort);
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		const char *s = names[i]->d_name;
		size_t len = strlen(s);

		if (len > 4 && !strcmp(s + len - 4, ".cfg")) {
			failed += check_case(dir, s);
			good += !strncmp(s, "good-", 5);
			bad += !strncmp(s, "bad-", 4);
		}
		free(names[i]);
	}
	free(names);
	print_message("%u grub.cfg files: %u good, %u bad, %u failed\n", good + bad, good, bad,
		      failed);
	assert_true(good >= 20 && bad >= 20);
	assert_int_equal(failed, 0);
}

static void expect_error(const char *text, size_t len, const char *msg)
{
	char *got = describe("t.cfg", text, len);

	assert_string_equal(got, msg);
	free(got);
}

/* Builds a text of n copies of unit between head and tail. */
static char *repeat(const char *head, const char *unit, size_t n, const char *tail, size_t *len)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + n * ul + tl + 1), *p = s;

	assert_non_null(s);
	p = stpcpy(p, head);
	for (size_t i = 0; i < n; i++)
		p = stpcpy(p, unit);
	strcpy(p, tail);
	*len = hl + n * ul + tl;
	return s;
}

static void test_limits(void **state)
{
	size_t len;
	char *s;

	(void)state;
	s = repeat("", "if true; then ", GRUBCFG_MAX_DEPTH + 1, "", &len);
	expect_error(s, len, "error: t.cfg:1: blocks nested more than 32 deep\n");
	free(s);
	s = repeat("set x=", "a", GRUBCFG_MAX_WORD, "\n", &len);
	expect_error(s, len, "error: t.cfg:1: a word is longer than 65536 bytes\n");
	free(s);
	s = repeat("", "menuentry e { linux /k; }\n", GRUBCFG_MAX_ITEMS + 1, "", &len);
	expect_error(s, len, "error: t.cfg:1025: more than 1024 menu entries\n");
	free(s);
	s = repeat("", "x ", GRUBCFG_MAX_WORDS + 1, "", &len);
	expect_error(s, len, "error: t.cfg:1: more than 200000 words\n");
	free(s);
	s = repeat("", "#", GRUBCFG_MAX_TEXT + 1, "", &len);
	expect_error(s, len, "error: t.cfg:1: larger than 1048576 bytes\n");
	free(s);
	/* Expansion doubles the word each time: bounded, not exponential. */
	s = repeat("set v=aaaaaaaaaaaaaaaa\n", "set v=$v$v\n", 20, "", &len);
	expect_error(s, len, "error: t.cfg:13: a word expands to more than 65536 bytes\n");
	free(s);
}

static void test_variables_limit(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	for (int i = 0; i <= GRUBCFG_MAX_VARS; i++)
		fprintf(f, "set v%d=x\n", i);
	assert_int_equal(fclose(f), 0);
	expect_error(text, len, "error: t.cfg:1016: more than 1024 variables\n");
	free(text);
}

static void test_nul(void **state)
{
	static const char text[] = "menuentry a { linux /k\0x }\n";

	(void)state;
	expect_error(text, sizeof(text) - 1, "error: t.cfg:1: control character 0x00\n");
	expect_error("", 0, "error: t.cfg: no menu entry\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_variables_limit),
		cmocka_unit_test(test_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
