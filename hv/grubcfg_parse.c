/*
 * grub.cfg text to a tree of commands, after GRUB's script lexer and
 * grammar (grub-core/script/yylex.l and parser.y, read for the rules):
 * words are split on blanks, ';' and newlines end a command, '{' and '}'
 * standing alone delimit bodies, and keywords count only where a command
 * starts.  Variables stay unexpanded in the words (grubcfg_int.h).
 */
#include "grubcfg.h"
#include "grubcfg_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok { TK_EOF, TK_SEP, TK_WORD, TK_LBRACE, TK_RBRACE };

struct lexer {
	const char *file;
	const char *p, *end;
	unsigned line;
	char *err;
	size_t errlen;
	unsigned nwords, depth;

	enum tok tok;
	unsigned tok_line;
	struct word w; /* TK_WORD: owned until a command takes it */
};

struct buf {
	char *s;
	size_t n, cap;
};

int grubcfg__fail(char *err, size_t errlen, const char *file, unsigned line, const char *fmt,
		  ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s:%u: ", file, line);

	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

#define FAIL(l, ...) grubcfg__fail((l)->err, (l)->errlen, (l)->file, (l)->line, __VA_ARGS__)

static int put(struct lexer *l, struct buf *b, char c)
{
	char *grown;

	if (b->n + 2 > b->cap) {
		if (b->cap >= GRUBCFG_MAX_WORD)
			return FAIL(l, "a word is longer than %d bytes", GRUBCFG_MAX_WORD);
		b->cap = b->cap ? 2 * b->cap : 64;
		grown = realloc(b->s, b->cap);
		if (!grown)
			return -ENOMEM;
		b->s = grown;
	}
	b->s[b->n++] = c;
	b->s[b->n] = '\0';
	return 0;
}

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* $name, ${name}, $1, $?, ...: l->p is past the '$'.  A lone '$' is text. */
static int lex_var(struct lexer *l, struct buf *b, bool quoted, bool *was_var)
{
	const char *s = l->p, *e;
	bool braced = s < l->end && *s == '{';
	int r = 0;

	s += braced;
	e = s;
	if (e < l->end && strchr("?#@*", *e) && *e)
		e++;
	else if (e < l->end && *e >= '0' && *e <= '9')
		while (e < l->end && *e >= '0' && *e <= '9')
			e++;
	else if (e < l->end && is_name_start(*e))
		while (e < l->end && is_name_char(*e))
			e++;
	if (braced && (e == s || e >= l->end || *e != '}'))
		return FAIL(l, "bad variable reference '${'");
	*was_var = e != s;
	if (!*was_var)
		return put(l, b, '$');
	r = put(l, b, quoted ? VAR_Q : VAR_U);
	for (const char *c = s; !r && c < e; c++)
		r = put(l, b, *c);
	if (!r)
		r = put(l, b, VAR_END);
	l->p = e + braced;
	return r;
}

/* '...': no escapes at all. */
static int lex_single(struct lexer *l, struct buf *b)
{
	unsigned start = l->line;
	int r = 0;

	for (l->p++; !r && l->p < l->end && *l->p != '\''; l->p++) {
		l->line += *l->p == '\n';
		r = put(l, b, *l->p);
	}
	if (!r && l->p >= l->end)
		return FAIL(l, "unterminated ' quote (opened on line %u)", start);
	l->p++;
	return r;
}

/* "...": $ expands; backslash escapes $ " \ and a newline only. */
static int lex_double(struct lexer *l, struct buf *b)
{
	unsigned start = l->line;
	bool var;
	int r = 0;

	for (l->p++; !r && l->p < l->end && *l->p != '"';) {
		char c = *l->p++;

		if (c == '$') {
			r = lex_var(l, b, true, &var);
		} else if (c == '\\' && l->p < l->end && strchr("$\"\\\n", *l->p)) {
			if (*l->p != '\n')
				r = put(l, b, *l->p);
			l->line += *l->p++ == '\n';
		} else {
			l->line += c == '\n';
			r = put(l, b, c);
		}
	}
	if (!r && l->p >= l->end)
		return FAIL(l, "unterminated \" quote (opened on line %u)", start);
	l->p++;
	return r;
}

static bool ends_word(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';';
}

/* One part of a word at l->p: quotes, an escape, a variable or a byte. */
static int lex_part(struct lexer *l, struct buf *b, struct word *w)
{
	char c = *l->p;
	bool var = false;

	if (c == '|' || c == '&' || c == '<' || c == '>')
		return FAIL(l, "'%c': pipes, redirections and && || are not supported "
			    "(quote the character)", c);
	w->plain &= c != '\\' && c != '\'' && c != '"' && c != '$';
	if (c == '\'')
		return lex_single(l, b);
	if (c == '"')
		return lex_double(l, b);
	l->p++;
	if (c == '$') {
		int r = lex_var(l, b, false, &var);

		w->solid |= !var;
		return r;
	}
	w->solid = true;
	if (c != '\\')
		return put(l, b, c);
	if (l->p >= l->end)
		return 0;
	l->line += *l->p == '\n';
	return *l->p == '\n' ? (l->p++, 0) : put(l, b, *l->p++);
}

static int lex_word(struct lexer *l)
{
	struct buf b = { 0 };
	struct word w = { .plain = true };
	int r = 0;

	if (++l->nwords > GRUBCFG_MAX_WORDS)
		return FAIL(l, "more than %d words", GRUBCFG_MAX_WORDS);
	while (!r && l->p < l->end && !ends_word(*l->p)) {
		w.solid |= *l->p == '\'' || *l->p == '"';
		r = lex_part(l, &b, &w);
	}
	if (!r && !b.s)
		r = put(l, &b, '\0');
	if (r) {
		free(b.s);
		return r;
	}
	w.s = b.s;
	l->w = w;
	l->tok = TK_WORD;
	return 0;
}

static bool at_brace(const struct lexer *l)
{
	return (*l->p == '{' || *l->p == '}') && (l->p + 1 == l->end || ends_word(l->p[1]));
}

static int next(struct lexer *l)
{
	free(l->w.s);
	l->w.s = NULL;
	for (;;) {
		while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' || *l->p == '\r'))
			l->p++;
		if (l->p + 1 < l->end && l->p[0] == '\\' && l->p[1] == '\n') {
			l->p += 2;
			l->line++;
			continue;
		}
		if (l->p < l->end && *l->p == '#') {
			while (l->p < l->end && *l->p != '\n')
				l->p++;
			continue;
		}
		break;
	}
	l->tok_line = l->line;
	if (l->p >= l->end) {
		l->tok = TK_EOF;
		return 0;
	}
	if (*l->p == '\n' || *l->p == ';') {
		l->line += *l->p++ == '\n';
		l->tok = TK_SEP;
		return 0;
	}
	if (at_brace(l)) {
		l->tok = *l->p++ == '{' ? TK_LBRACE : TK_RBRACE;
		return 0;
	}
	return lex_word(l);
}

/* Parser */

static bool is_keyword(const struct lexer *l, const char *kw)
{
	return l->tok == TK_WORD && l->w.plain && !strcmp(l->w.s, kw);
}

/* Words that end a list, where a command would start. */
static bool at_terminator(const struct lexer *l)
{
	static const char *const kws[] = { "then", "elif", "else", "fi", "do", "done" };

	if (l->tok == TK_EOF || l->tok == TK_RBRACE)
		return true;
	for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (is_keyword(l, kws[i]))
			return true;
	return false;
}

static const char *tok_name(const struct lexer *l)
{
	switch (l->tok) {
	case TK_EOF: return "the end of the file";
	case TK_SEP: return "the end of the line";
	case TK_LBRACE: return "'{'";
	case TK_RBRACE: return "'}'";
	default: return l->w.s;
	}
}

static int parse_list(struct lexer *l, struct block *b);

static int take_word(struct lexer *l, struct cmd *c)
{
	/* 4 slots, then doubling at each power of two: linear time. */
	if (!c->nwords || (c->nwords >= 4 && !(c->nwords & (c->nwords - 1)))) {
		struct word *grown = realloc(c->words, (c->nwords ? 2 * c->nwords : 4) * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		c->words = grown;
	}
	c->words[c->nwords++] = l->w;
	l->w.s = NULL;
	return next(l);
}

/* Words until the end of the command; a '}' ends it too ("{ linux x }"). */
static int parse_simple(struct lexer *l, struct cmd *c)
{
	int r = 0;

	while (!r && l->tok == TK_WORD)
		r = take_word(l, c);
	if (!r && l->tok == TK_LBRACE)
		return FAIL(l, "unexpected '{' after \"%s\"", c->words[0].s);
	return r;
}

/* "{ list }" after a function or menu entry; l is at the '{'. */
static int parse_body(struct lexer *l, struct cmd *c, const char *what)
{
	int r;

	if (l->tok != TK_LBRACE)
		return FAIL(l, "%s: expected '{', found %s", what, tok_name(l));
	if (++l->depth > GRUBCFG_MAX_DEPTH)
		return FAIL(l, "blocks nested more than %d deep", GRUBCFG_MAX_DEPTH);
	r = next(l);
	if (!r)
		r = parse_list(l, &c->body);
	if (!r && l->tok != TK_RBRACE)
		return FAIL(l, "%s (line %u): expected '}', found %s", what, c->line, tok_name(l));
	l->depth--;
	return r ? r : next(l);
}

static int parse_menu(struct lexer *l, struct cmd *c, const char *what)
{
	int r = next(l);

	while (!r && l->tok == TK_WORD)
		r = take_word(l, c);
	return r ? r : parse_body(l, c, what);
}

static int parse_function(struct lexer *l, struct cmd *c)
{
	int r = next(l);

	if (!r && l->tok != TK_WORD)
		return FAIL(l, "function: expected a name, found %s", tok_name(l));
	if (!r)
		r = take_word(l, c);
	while (!r && l->tok == TK_SEP)
		r = next(l);
	return r ? r : parse_body(l, c, "function");
}

/* A list ended by the keyword kw. */
static int parse_until(struct lexer *l, struct block *b, const char *kw, unsigned opened)
{
	int r = parse_list(l, b);

	if (!r && !is_keyword(l, kw))
		return FAIL(l, "if (line %u): expected '%s', found %s", opened, kw, tok_name(l));
	return r ? r : next(l);
}

static int parse_if(struct lexer *l, struct cmd *c)
{
	int r = 0;

	if (++l->depth > GRUBCFG_MAX_DEPTH)
		return FAIL(l, "blocks nested more than %d deep", GRUBCFG_MAX_DEPTH);
	do {
		struct clause *grown = realloc(c->clauses, (c->nclauses + 1) * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		c->clauses = grown;
		grown[c->nclauses] = (struct clause){ { NULL }, { NULL } };
		r = next(l);
		if (!r)
			r = parse_until(l, &c->clauses[c->nclauses++].cond, "then", c->line);
		if (!r)
			r = parse_list(l, &c->clauses[c->nclauses - 1].body);
	} while (!r && is_keyword(l, "elif"));
	if (!r && is_keyword(l, "else")) {
		r = next(l);
		if (!r)
			r = parse_list(l, &c->body);
	}
	if (!r && !is_keyword(l, "fi"))
		return FAIL(l, "if (line %u): expected 'fi', found %s", c->line, tok_name(l));
	l->depth--;
	return r ? r : next(l);
}

static int parse_command(struct lexer *l, struct cmd *c)
{
	static const char *const loops[] = { "for", "while", "until" };

	for (size_t i = 0; i < sizeof(loops) / sizeof(loops[0]); i++)
		if (is_keyword(l, loops[i]))
			return FAIL(l, "'%s' loops are not supported", loops[i]);
	if (is_keyword(l, "if")) {
		c->kind = CMD_IF;
		return parse_if(l, c);
	}
	if (is_keyword(l, "function")) {
		c->kind = CMD_FUNCTION;
		return parse_function(l, c);
	}
	if (is_keyword(l, "menuentry") || is_keyword(l, "submenu")) {
		c->kind = l->w.s[0] == 'm' ? CMD_MENUENTRY : CMD_SUBMENU;
		return parse_menu(l, c, c->kind == CMD_MENUENTRY ? "menuentry" : "submenu");
	}
	if (l->tok == TK_LBRACE)
		return FAIL(l, "unexpected '{'");
	return parse_simple(l, c);
}

/* Commands until a terminator (at_terminator), which is left current. */
static int parse_list(struct lexer *l, struct block *b)
{
	struct cmd **tail = &b->head;
	int r = 0;

	while (!r && !at_terminator(l)) {
		struct cmd *c;

		if (l->tok == TK_SEP) {
			r = next(l);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->line = l->tok_line;
		*tail = c;
		tail = &c->next;
		r = parse_command(l, c);
	}
	return r;
}

/* Control bytes would clash with the variable markers; GRUB has no use for them. */
static int check_text(struct lexer *l)
{
	if (l->end - l->p > GRUBCFG_MAX_TEXT)
		return FAIL(l, "larger than %d bytes", GRUBCFG_MAX_TEXT);
	for (const char *s = l->p; s < l->end; s++) {
		unsigned char c = (unsigned char)*s;

		l->line += c == '\n';
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return FAIL(l, "control character 0x%02x", c);
	}
	l->line = 1;
	return 0;
}

int grubcfg__parse(struct grubcfg_tree *t, const char *text, size_t len, char *err,
		   size_t errlen)
{
	struct lexer l = { .file = t->file, .p = text, .end = text + len, .line = 1,
			   .err = err, .errlen = errlen };
	int r = check_text(&l);

	if (!r)
		r = next(&l);
	if (!r)
		r = parse_list(&l, &t->top);
	if (!r && l.tok != TK_EOF)
		r = FAIL(&l, "unexpected %s%s%s", l.tok == TK_WORD ? "'" : "", tok_name(&l),
			 l.tok == TK_WORD ? "'" : "");
	free(l.w.s);
	return r;
}

static void free_block(struct block *b)
{
	struct cmd *c = b->head, *next;

	for (; c; c = next) {
		next = c->next;
		for (unsigned i = 0; i < c->nwords; i++)
			free(c->words[i].s);
		free(c->words);
		for (unsigned i = 0; i < c->nclauses; i++) {
			free_block(&c->clauses[i].cond);
			free_block(&c->clauses[i].body);
		}
		free(c->clauses);
		free_block(&c->body);
		free(c);
	}
	b->head = NULL;
}

void grubcfg__free(struct grubcfg_tree *t)
{
	free_block(&t->top);
}
