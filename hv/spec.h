/*
 * What the xl spec parsers (disk.c, vif.c) share: the message about a bad
 * spec, which quotes the parameter at fault and says where it starts, and
 * comparing a word of the spec, which is not NUL-terminated.
 */
#ifndef HV_SPEC_H
#define HV_SPEC_H

#include <stdbool.h>
#include <stddef.h>

/* Where a parser reports: the spec it reads and the caller's buffer. */
struct hv_spec_msg {
	const char *spec; /* the whole spec: columns count from its start */
	char *buf;        /* the message, NUL-terminated, cut to len bytes */
	size_t len;
};

/* Writes printf(fmt, ...) to m's buffer.  Returns -EINVAL. */
int hv_spec_fail(struct hv_spec_msg *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Writes '"<param>" (column <n>): <what>' to m's buffer, param being the
 * len bytes (at most 60 of them quoted) at param, a part of m->spec.
 * Returns -EINVAL.
 */
int hv_spec_fail_at(struct hv_spec_msg *m, const char *param, size_t len, const char *what);

/* A key or flag xl knows that is not one of a parser's parameters. */
struct hv_spec_other {
	const char *name;
	bool is_flag;
	const char *refusal; /* why it is refused; NULL: accepted and ignored */
};

/*
 * Looks up the key (key_len bytes at s; a flag if is_flag) of the
 * parameter at s (len bytes, part of m->spec) in others (n of them).
 * Returns 0 if it is accepted and ignored, -EINVAL with its refusal in m's
 * buffer, or -ENOENT (no message) if others does not have it.
 */
int hv_spec_other(struct hv_spec_msg *m, const struct hv_spec_other *others, size_t n,
		  const char *s, size_t len, size_t key_len, bool is_flag);

/* True if the len bytes at s are word. */
bool hv_spec_is(const char *s, size_t len, const char *word);

#endif
