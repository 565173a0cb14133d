/*
 * cmocka checks that the backends' unit tests share: xenstore nodes the
 * test writes as the frontend and waits for the backend to write, and the
 * refusals of a device's state record when its body is broken.
 *
 * They report with cmocka assertions: they are for cmocka tests only (the
 * fuzzers do not link them).
 */
#ifndef TESTS_CHECKS_H
#define TESTS_CHECKS_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "fake_domain.h"

/*
 * The value of path in d's xenstore, or NULL if there is none; a static
 * buffer, valid until the next call.
 */
const char *check_xs_value(struct hv_domain *d, const char *path);

/* Waits up to 5 s for path to read want; fails the test if it does not. */
void check_xs_becomes(struct hv_domain *d, const char *path, const char *want);

/* Writes dir/name = value; fails the test if that fails. */
void check_xs_write(struct hv_domain *d, const char *dir, const char *name, const char *value);

/* A test of the refusals of a device's restore, on the body of its record. */
struct check_body {
	struct fake_domain *dst;
	const struct hv_device *dev;
	struct hv_state_buf blob; /* the whole state */
	uint8_t *body;            /* the record's body (the test's to change) */
	uint32_t len;
};

/*
 * Saves src into dst (fake_state_save), pauses dst and restores it up to
 * record id; c->body is then that record's body, which dst's device must
 * refuse as version 2 (-ENOTSUP), cut short anywhere and with a byte more
 * (-EINVAL), as checked here.
 */
void check_body_start(struct check_body *c, struct fake_domain *src, struct fake_domain *dst,
		      uint32_t id);

/*
 * Sets the n bytes at off (from the body's first entry, after the 8-byte
 * header: negative for the header) to v, checks that the restore refuses
 * the body (-EINVAL), and puts the old bytes back.
 */
void check_body_refused(struct check_body *c, long off, const void *v, size_t n);

/*
 * Restores the body as it is, which must succeed and connect b (one of
 * dst's backends: not connected by the refusals), unpauses dst and frees
 * what check_body_start made.
 */
void check_body_end(struct check_body *c, struct hv_backend *b);

#endif
