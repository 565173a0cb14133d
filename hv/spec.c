/* The xl spec parsers' messages and words (see spec.h). */
#include "spec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int hv_spec_fail(struct hv_spec_msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->buf, m->len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int hv_spec_fail_at(struct hv_spec_msg *m, const char *param, size_t len, const char *what)
{
	return hv_spec_fail(m, "\"%.*s\" (column %zu): %s", (int)(len > 60 ? 60 : len), param,
			    (size_t)(param - m->spec) + 1, what);
}

bool hv_spec_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && !memcmp(s, word, len);
}

int hv_spec_other(struct hv_spec_msg *m, const struct hv_spec_other *others, size_t n,
		  const char *s, size_t len, size_t key_len, bool is_flag)
{
	for (size_t i = 0; i < n; i++) {
		const char *why = others[i].refusal;

		if (others[i].is_flag == is_flag && hv_spec_is(s, key_len, others[i].name))
			return why ? hv_spec_fail_at(m, s, len, why) : 0;
	}
	return -ENOENT;
}
