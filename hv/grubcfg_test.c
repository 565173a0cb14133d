/*
 * GRUB's test command ("[ ... ]" and test) for grubcfg.c: the expression
 * grammar of grub-core/commands/test.c (read for the rules), on strings
 * only.  File tests are false: the script cannot see the disk here.
 */
#include "grubcfg_int.h"

#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct texpr {
	char **v;
	unsigned n, i;
};

static bool t_or(struct texpr *t);

static bool binop(const char *a, const char *op, const char *b)
{
	long long x = strtoll(a, NULL, 10), y = strtoll(b, NULL, 10);
	int c = strcmp(a, b);

	if (!strcmp(op, "=") || !strcmp(op, "=="))
		return c == 0;
	if (!strcmp(op, "!="))
		return c != 0;
	if (op[0] == '<' || op[0] == '>')
		return op[0] == '<' ? (op[1] ? c <= 0 : c < 0) : (op[1] ? c >= 0 : c > 0);
	if (!strcmp(op, "-eq") || !strcmp(op, "-ne"))
		return (x == y) == (op[1] == 'e');
	if (!strcmp(op, "-lt") || !strcmp(op, "-ge"))
		return (x < y) == (op[1] == 'l');
	return (x > y) == (op[1] == 'g');
}

/* File tests (-e -f -d -s) are false: the script cannot see the disk. */
static bool t_primary(struct texpr *t)
{
	static const char *const binops[] = { "=", "==", "!=", "<", ">", "<=", ">=", "-eq",
					      "-ne", "-lt", "-le", "-gt", "-ge" };
	static const char *const unops[] = { "-n", "-z", "-e", "-f", "-d", "-s" };
	const char *a;
	bool v;

	if (t->i >= t->n)
		return false;
	a = t->v[t->i];
	if (!strcmp(a, "!")) {
		t->i++;
		return !t_primary(t);
	}
	if (!strcmp(a, "(")) {
		t->i++;
		v = t_or(t);
		t->i += t->i < t->n && !strcmp(t->v[t->i], ")");
		return v;
	}
	if (t->i + 2 < t->n && grubcfg__one_of(t->v[t->i + 1], binops, ARRAY_SIZE(binops))) {
		t->i += 3;
		return binop(a, t->v[t->i - 2], t->v[t->i - 1]);
	}
	if (t->i + 1 < t->n && grubcfg__one_of(a, unops, ARRAY_SIZE(unops))) {
		t->i += 2;
		return a[1] == 'n' ? t->v[t->i - 1][0] != '\0'
				   : a[1] == 'z' && t->v[t->i - 1][0] == '\0';
	}
	t->i++;
	return a[0] != '\0';
}

static bool t_and(struct texpr *t)
{
	bool v = t_primary(t);

	while (t->i < t->n && !strcmp(t->v[t->i], "-a")) {
		t->i++;
		v = t_primary(t) && v;
	}
	return v;
}

static bool t_or(struct texpr *t)
{
	bool v = t_and(t);

	while (t->i < t->n && !strcmp(t->v[t->i], "-o")) {
		t->i++;
		v = t_and(t) || v;
	}
	return v;
}

bool grubcfg__one_of(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

bool grubcfg__test(char **v, unsigned n)
{
	struct texpr t = { v, n, 0 };

	return t_or(&t);
}
