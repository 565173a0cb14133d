/* The backends' unit-test checks (see checks.h). */
#include "checks.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "domain.h"
#include "fake_state.h"
#include "xenstore.h"

/* Where the entries start in a backend's record: after the count and padding. */
#define ENTRY 8

const char *check_xs_value(struct hv_domain *d, const char *path)
{
	static char value[256];
	char *v = NULL;

	if (hv_xs_read(d, path, &v))
		return NULL;
	snprintf(value, sizeof(value), "%s", v);
	free(v);
	return value;
}

void check_xs_becomes(struct hv_domain *d, const char *path, const char *want)
{
	struct timespec ms = { 0, 1000000 };
	const char *v = NULL;

	for (int i = 0; i < 5000; i++, nanosleep(&ms, NULL))
		if ((v = check_xs_value(d, path)) && !strcmp(v, want))
			return;
	fail_msg("%s is \"%s\", not \"%s\"", path, v ? v : "(none)", want);
}

void check_xs_write(struct hv_domain *d, const char *dir, const char *name, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(hv_xs_write(d, path, value), 0);
}

void check_body_start(struct check_body *c, struct fake_domain *src, struct fake_domain *dst,
		      uint32_t id)
{
	*c = (struct check_body){ .dst = dst, .dev = fake_state_device(dst, id) };
	assert_non_null(c->dev);
	assert_int_equal(fake_state_save(src, &c->blob, dst), 0);
	hv_domain_pause(&dst->d);
	assert_int_equal(fake_state_restore_before(dst, c->blob.data, c->blob.len, id), 0);
	c->body = fake_state_body(&c->blob, id, &c->len);
	assert_non_null(c->body);
	assert_int_equal(c->dev->restore(&dst->d, 2, c->body, c->len), -ENOTSUP);
	for (uint32_t n = 0; n < c->len; n++)
		assert_int_equal(c->dev->restore(&dst->d, 1, c->body, n), -EINVAL);
	c->body[c->len] = 0;
	assert_int_equal(c->dev->restore(&dst->d, 1, c->body, c->len + 1), -EINVAL);
}

void check_body_refused(struct check_body *c, long off, const void *v, size_t n)
{
	uint8_t old[8];

	assert_true(n <= sizeof(old) && ENTRY + off >= 0 && ENTRY + off + (long)n <= c->len);
	memcpy(old, c->body + ENTRY + off, n);
	memcpy(c->body + ENTRY + off, v, n);
	assert_int_equal(c->dev->restore(&c->dst->d, 1, c->body, c->len), -EINVAL);
	memcpy(c->body + ENTRY + off, old, n);
}

void check_body_end(struct check_body *c, struct hv_backend *b)
{
	assert_false(b->connected);
	assert_int_equal(c->dev->restore(&c->dst->d, 1, c->body, c->len), 0);
	assert_true(b->connected);
	hv_domain_unpause(&c->dst->d);
	free(c->body);
	free(c->blob.data);
}
