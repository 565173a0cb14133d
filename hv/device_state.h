/*
 * What the device-state sub-records (device.h, docs/stream-format.md
 * "EMULATOR_CONTEXT sub-records") have in common: their ids, and the
 * helpers their save and restore functions use to write and read bodies.
 *
 * A body is a sequence of little-endian wire structs (each with a
 * _Static_assert on its size and explicit zero padding), counted arrays and
 * strings.  A string on the wire is a uint32_t length that counts the
 * terminating NUL, then that many bytes.  Readers never trust a body: every
 * helper below checks that the bytes are there, and a restore checks every
 * value before it changes anything.
 */
#ifndef HV_DEVICE_STATE_H
#define HV_DEVICE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"

/* The sub-record ids (state_id); docs/stream-format.md lists their bodies. */
enum hv_state_id {
	HV_STATE_PLATFORM = 1,
	HV_STATE_EVTCHN = 2,
	HV_STATE_GNTTAB = 3,
	HV_STATE_TIME = 4,
	HV_STATE_XENSTORE = 16,
	HV_STATE_CONSOLE = 32,
	HV_STATE_BLKBACK = 33,
	HV_STATE_NETBACK = 34,
};

/* A cursor over a record's body (which the caller owns). */
struct hv_state_in {
	const uint8_t *p;
	size_t len;
	size_t off;
};

/* Starts a cursor at the beginning of body (len bytes). */
void hv_state_in_init(struct hv_state_in *in, const void *body, size_t len);

/* Copies the next n bytes to out.  Returns 0 or -EINVAL (fewer are left). */
int hv_state_get(struct hv_state_in *in, void *out, size_t n);

/*
 * The next n bytes, in place (valid as long as the body), or NULL if fewer
 * are left.
 */
const uint8_t *hv_state_take(struct hv_state_in *in, size_t n);

/*
 * The next string, in place: its length field counts the NUL, which must
 * be its last byte and its only one, and the string has at most max bytes
 * before it.  Returns NULL for anything else.
 */
const char *hv_state_get_str(struct hv_state_in *in, size_t max);

/* 0 if the whole body was read, else -EINVAL (trailing bytes). */
int hv_state_in_end(const struct hv_state_in *in);

/* True if the n bytes at p are all zero (padding and reserved fields). */
bool hv_state_zero(const void *p, size_t n);

/* Appends s as a wire string.  Returns 0, -ENOMEM or -E2BIG (over 4 GiB). */
int hv_state_put_str(struct hv_state_buf *out, const char *s);

#endif
