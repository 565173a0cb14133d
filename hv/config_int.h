/*
 * Between the two halves of the xl.cfg parser: config_lex.c (the text:
 * positions, tokens, values and the messages that point into the file) and
 * config.c (the keys, what each does to struct hv_config, and the public
 * functions of config.h).  Not for use outside those files.
 */
#ifndef HV_CONFIG_INT_H
#define HV_CONFIG_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hv_config;

/*
 * Real files are a few hundred bytes; a megabyte is a mistake.  The limit
 * bounds the parser's time and memory on whatever it is given.
 */
#define MAX_TEXT (1024 * 1024)

struct pos {
	unsigned line, col; /* 1-based; columns count bytes */
};

enum tok {
	T_EOF, T_NEWLINE, T_SEMI, T_EQ, T_PLUSEQ, T_LBRACK, T_RBRACK, T_COMMA,
	T_IDENT, T_NUMBER, T_STRING,
};

/* A string or a number, where it starts. */
struct atom {
	struct pos pos;
	char *str; /* owned; NULL for a number */
	uint64_t num;
};

/* A setting's value: one atom, or a list of them. */
struct value {
	struct pos pos;
	bool is_list;
	struct atom *atoms;
	size_t n, cap;
};

struct parser {
	struct hv_config *c;
	const char *file; /* name in messages; NULL for hv_config_set */
	const char *dir;  /* prefix for relative paths ("dir/"), or NULL */
	const char *text;
	size_t len, off;
	struct pos at; /* of text[off] */

	/* The current token. */
	enum tok tok;
	struct pos tok_pos;
	const char *tok_start;
	size_t tok_len;
	char *tok_str; /* T_STRING: decoded, owned until an atom takes it */
	uint64_t tok_num;

	bool append;       /* the current setting is "+=" */
	char *extra;       /* "extra", which becomes cmdline at the end */
	bool have_cmdline; /* "cmdline" was set: it wins over "extra" */
	char *err;
	size_t errlen;
};

/* What a token is called in messages ("a name", "';'", ...); a static string. */
const char *hv__config_tok_name(enum tok t);

/* len, or the shorter length to which user text is cut in messages. */
int hv__config_shown(size_t len);

/* Writes "FILE:LINE:COL: message" into err (just the message if file is NULL); -EINVAL. */
int hv__config_verror(char *err, size_t errlen, const char *file, struct pos at,
		      const char *fmt, va_list ap);

/* Writes p's message for a mistake at "at" (see hv__config_verror); returns -EINVAL. */
int hv__config_fail(struct parser *p, struct pos at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes "out of memory" at the current token; returns -ENOMEM. */
int hv__config_nomem(struct parser *p);

/* Refuses NUL bytes and text over MAX_TEXT before lexing; 0 or -EINVAL. */
int hv__config_check_text(struct parser *p);

/* Reads a decimal or 0x number into *out; returns NULL, or a static "what is wrong". */
const char *hv__config_parse_number(const char *s, size_t len, uint64_t *out);

/* Reads the next token, freeing the current one's string if nobody took it; 0 or -errno. */
int hv__config_lex(struct parser *p);

/* Moves the value at the current token (an atom or a list) into v, then lexes on. */
int hv__config_parse_value(struct parser *p, struct value *v);

/* Frees the strings and the atoms v owns. */
void hv__config_value_free(struct value *v);

#endif
