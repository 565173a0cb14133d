/*
 * Between the two halves of the grub.cfg reader: grubcfg_parse.c (text to
 * a tree of commands) and grubcfg.c (running the tree, choosing the entry).
 * Not for use outside those files.
 */
#ifndef HV_GRUBCFG_INT_H
#define HV_GRUBCFG_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * A word keeps its variables unexpanded: GRUB expands them when the command
 * runs.  In s, VAR_Q or VAR_U, the name, then VAR_END stand for a quoted or
 * unquoted variable; the parser refuses these control bytes in the text.
 */
#define VAR_U '\x01'
#define VAR_Q '\x02'
#define VAR_END '\x03'

struct word {
	char *s;
	bool solid; /* has text or quotes of its own: never expands to nothing */
	bool plain; /* wholly unquoted text: can be a keyword */
};

struct block {
	struct cmd *head;
};

enum cmd_kind { CMD_SIMPLE, CMD_IF, CMD_FUNCTION, CMD_MENUENTRY, CMD_SUBMENU };

/* One "if"/"elif" condition and the block it guards. */
struct clause {
	struct block cond, body;
};

struct cmd {
	enum cmd_kind kind;
	unsigned line;
	struct word *words; /* simple: the command; menuentry/submenu: its words */
	unsigned nwords;
	struct block body;  /* function, menuentry, submenu; "else" for if */
	struct clause *clauses; /* if: the if and each elif */
	unsigned nclauses;
	struct cmd *next;
};

struct grubcfg_tree {
	const char *file;
	struct block top;
};

/*
 * Parses text[0..len) into t (t->file set by the caller).  Returns 0, or
 * -EINVAL with "FILE:LINE: what" in err, or -ENOMEM; t must be released
 * with grubcfg__free either way.
 */
int grubcfg__parse(struct grubcfg_tree *t, const char *text, size_t len, char *err,
		   size_t errlen);

/* Frees every command of t. */
void grubcfg__free(struct grubcfg_tree *t);

/* True if s is one of the n strings of list. */
bool grubcfg__one_of(const char *s, const char *const *list, size_t n);

/*
 * Evaluates the words v[0..n) of a test ("[" and "]" left out) as GRUB's
 * test command does; the caller bounds n, which bounds the recursion.
 */
bool grubcfg__test(char **v, unsigned n);

/* Writes "FILE:LINE: " and the message into err; returns -EINVAL. */
int grubcfg__fail(char *err, size_t errlen, const char *file, unsigned line, const char *fmt,
		  ...) __attribute__((format(printf, 5, 6)));

#endif
