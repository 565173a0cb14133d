/*
 * The text side of the xl.cfg parser (see config.c for the grammar): where
 * each byte is, tokens, numbers, quoted strings, values and lists, and the
 * messages that point at FILE:LINE:COL.  Nothing here knows a key.
 */
#include "config_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names and other user text are cut short in messages. */
#define SHOWN 64

static const char *const tok_names[] = {
	[T_EOF] = "the end of the file", [T_NEWLINE] = "the end of the line",
	[T_SEMI] = "';'", [T_EQ] = "'='", [T_PLUSEQ] = "'+='", [T_LBRACK] = "'['",
	[T_RBRACK] = "']'", [T_COMMA] = "','", [T_IDENT] = "a name",
	[T_NUMBER] = "a number", [T_STRING] = "a string",
};

const char *hv__config_tok_name(enum tok t)
{
	return tok_names[t];
}

int hv__config_shown(size_t len)
{
	return len > SHOWN ? SHOWN : (int)len;
}

int hv__config_verror(char *err, size_t errlen, const char *file, struct pos at,
		      const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (file)
		snprintf(err, errlen, "%s:%u:%u: %s", file, at.line, at.col, msg);
	else
		snprintf(err, errlen, "%s", msg);
	return -EINVAL;
}

/* Writes "FILE:LINE:COL: message" (just the message for options). */
int hv__config_fail(struct parser *p, struct pos at, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = hv__config_verror(p->err, p->errlen, p->file, at, fmt, ap);
	va_end(ap);
	return r;
}

int hv__config_nomem(struct parser *p)
{
	hv__config_fail(p, p->tok_pos, "out of memory");
	return -ENOMEM;
}

/* The position of a byte on the line being read. */
static struct pos here(const struct parser *p, const char *at)
{
	return (struct pos){ p->at.line, p->at.col + (unsigned)(at - (p->text + p->off)) };
}

static void advance(struct parser *p, size_t n)
{
	p->off += n;
	p->at.col += n;
}

/* Refuses what the lexer should never see: NUL bytes and huge input. */
int hv__config_check_text(struct parser *p)
{
	const char *nul, *line;

	if (p->len > MAX_TEXT)
		return hv__config_fail(p, p->at, "the file is too large (%zu bytes, at most %d)",
				       p->len, MAX_TEXT);
	nul = memchr(p->text, '\0', p->len);
	if (!nul)
		return 0;
	for (line = p->text; line < nul; line++)
		if (*line == '\n')
			p->at = (struct pos){ p->at.line + 1, 1 };
		else
			p->at.col++;
	return hv__config_fail(p, p->at, "NUL byte in the file");
}

/* The value of a hex digit, or 16 if c is not one. */
static unsigned hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return 16;
}

/* Reads a number: decimal, or hex after 0x.  Returns NULL or what is wrong. */
const char *hv__config_parse_number(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (len > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	} else if (len > 1 && s[0] == '0') {
		/* xl would read it as octal: refuse rather than differ */
		return "has a leading zero (octal is not supported)";
	}
	if (i == len)
		return "is not a number";
	for (; i < len; i++) {
		unsigned d = hex_digit(s[i]);

		if (d >= base)
			return "is not a number";
		if (v > (UINT64_MAX - d) / base)
			return "is too large";
		v = v * base + d;
	}
	*out = v;
	return NULL;
}

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.';
}

/*
 * Decodes the n bytes of a quoted string's body at s into out.  The caller
 * has checked that no backslash is the body's last byte.
 */
static int unescape(struct parser *p, const char *s, size_t n, char *out)
{
	static const char from[] = "abfnrtv\\\"'", to[] = "\a\b\f\n\r\t\v\\\"'";
	const char *end = s + n, *e;

	while (s < end) {
		if (*s != '\\') {
			*out++ = *s++;
		} else if (s[1] == 'x') {
			if (end - s < 4 || hex_digit(s[2]) > 15 || hex_digit(s[3]) > 15)
				return hv__config_fail(p, here(p, s), "\\x needs two hex digits");
			if (s[2] == '0' && s[3] == '0')
				return hv__config_fail(p, here(p, s), "\\x00 would end the string");
			*out++ = (char)(hex_digit(s[2]) << 4 | hex_digit(s[3]));
			s += 4;
		} else if (s[1] && (e = strchr(from, s[1]))) {
			*out++ = to[e - from];
			s += 2;
		} else {
			return hv__config_fail(p, here(p, s),
					       "unknown escape sequence '\\%c'", s[1]);
		}
	}
	*out = '\0';
	return 0;
}

/* A string ends on the line it starts, as in xl. */
static int lex_string(struct parser *p)
{
	const char *s = p->text + p->off;
	size_t max = p->len - p->off, end = 1;
	int r;

	while (end < max && s[end] != s[0] && s[end] != '\n')
		end += (s[end] == '\\' && end + 1 < max && s[end + 1] != '\n') ? 2 : 1;
	if (end >= max || s[end] != s[0])
		return hv__config_fail(p, p->at,
				       "unterminated string (strings end on the line they start)");
	p->tok_str = malloc(end);
	if (!p->tok_str)
		return hv__config_nomem(p);
	r = unescape(p, s + 1, end - 1, p->tok_str);
	if (r)
		return r;
	p->tok = T_STRING;
	advance(p, end + 1);
	return 0;
}

static int lex_word(struct parser *p)
{
	const char *s = p->text + p->off, *why;
	size_t n = 1;

	while (p->off + n < p->len && is_word_char(s[n]))
		n++;
	p->tok_len = n;
	if (*s >= '0' && *s <= '9') {
		why = hv__config_parse_number(s, n, &p->tok_num);
		if (why)
			return hv__config_fail(p, p->at, "\"%.*s\" %s",
					       hv__config_shown(n), s, why);
		p->tok = T_NUMBER;
	} else {
		p->tok = T_IDENT;
	}
	advance(p, n);
	return 0;
}

static void skip_blanks(struct parser *p)
{
	while (p->off < p->len) {
		const char *s = p->text + p->off, *nl;

		if (*s == ' ' || *s == '\t' || *s == '\r') {
			advance(p, 1);
		} else if (*s == '#') {
			nl = memchr(s, '\n', p->len - p->off);
			advance(p, nl ? (size_t)(nl - s) : p->len - p->off);
		} else {
			break;
		}
	}
}

/* Reads the next token, freeing the current one's string if nobody took it. */
int hv__config_lex(struct parser *p)
{
	static const char punct[] = "\n;=[],";
	static const enum tok punct_tok[] = {
		T_NEWLINE, T_SEMI, T_EQ, T_LBRACK, T_RBRACK, T_COMMA,
	};
	const char *s, *q;

	free(p->tok_str);
	p->tok_str = NULL;
	skip_blanks(p);
	p->tok_pos = p->at;
	p->tok_start = s = p->text + p->off;
	if (p->off == p->len) {
		p->tok = T_EOF;
	} else if (*s && (q = strchr(punct, *s))) {
		p->tok = punct_tok[q - punct];
		advance(p, 1);
		if (p->tok == T_NEWLINE)
			p->at = (struct pos){ p->at.line + 1, 1 };
	} else if (*s == '+' && p->off + 1 < p->len && s[1] == '=') {
		p->tok = T_PLUSEQ;
		advance(p, 2);
	} else if (*s == '"' || *s == '\'') {
		return lex_string(p);
	} else if (is_word_char(*s) && *s != '.') {
		return lex_word(p);
	} else if (*s > ' ' && *s < 0x7f) {
		return hv__config_fail(p, p->at, "unexpected character '%c'", *s);
	} else {
		return hv__config_fail(p, p->at, "unexpected byte 0x%02x", (unsigned char)*s);
	}
	return 0;
}

/* Values */

void hv__config_value_free(struct value *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->atoms[i].str);
	free(v->atoms);
}

/* Moves the current token (a string or a number) into a new atom of v. */
static int take_atom(struct parser *p, struct value *v)
{
	struct atom *a;

	if (p->tok == T_LBRACK)
		return hv__config_fail(p, p->tok_pos, "lists cannot be nested");
	if (p->tok != T_STRING && p->tok != T_NUMBER)
		return hv__config_fail(p, p->tok_pos, "expected a value, found %s",
				       tok_names[p->tok]);
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 4;

		a = realloc(v->atoms, cap * sizeof(*a));
		if (!a)
			return hv__config_nomem(p);
		v->atoms = a;
		v->cap = cap;
	}
	a = &v->atoms[v->n++];
	*a = (struct atom){ .pos = p->tok_pos, .str = p->tok_str, .num = p->tok_num };
	p->tok_str = NULL;
	return hv__config_lex(p);
}

static int skip_newlines(struct parser *p)
{
	int r = 0;

	while (!r && p->tok == T_NEWLINE)
		r = hv__config_lex(p);
	return r;
}

/* "[ v, v, ... ]": newlines may follow '[', values and commas. */
static int parse_list(struct parser *p, struct value *v)
{
	bool need_comma = false;
	int r;

	v->is_list = true;
	for (r = hv__config_lex(p); !r; ) {
		r = skip_newlines(p);
		if (r)
			break;
		if (p->tok == T_EOF)
			return hv__config_fail(p, v->pos,
				"unterminated list (no ']' before the end of the file)");
		if (p->tok == T_RBRACK)
			return hv__config_lex(p);
		if (!need_comma) {
			r = take_atom(p, v);
			need_comma = true;
		} else if (p->tok == T_COMMA) {
			r = hv__config_lex(p);
			need_comma = false;
		} else {
			return hv__config_fail(p, p->tok_pos,
					       "expected ',' or ']' in the list, found %s",
					       tok_names[p->tok]);
		}
	}
	return r;
}

int hv__config_parse_value(struct parser *p, struct value *v)
{
	v->pos = p->tok_pos;
	if (p->tok == T_LBRACK)
		return parse_list(p, v);
	return take_atom(p, v);
}
