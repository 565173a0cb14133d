/*
 * Saving a fake domain's device state and restoring it into another, as
 * tern-hv's restore does it (device.h): the target is brought up with the
 * same configuration, gets the source's guest memory, and restores the
 * state with its devices paused.  Also helpers to take a saved blob apart
 * and put it together with one record changed, for the bad-input tests.
 *
 * Linking this links the platform device in (its record carries where
 * shared_info is: without it no event would survive a restore).
 */
#ifndef TESTS_FAKE_STATE_H
#define TESTS_FAKE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "fake_domain.h"

/*
 * Saves src's device state into out and, unless dst is NULL, copies src's
 * guest memory into dst (fake_state_copy_memory), with src paused
 * meanwhile: memory and state are of one moment.  Returns 0 or -errno.
 */
int fake_state_save(struct fake_domain *src, struct hv_state_buf *out, struct fake_domain *dst);

/*
 * Copies src's guest memory into dst, as a restore's memory does: RAM, and
 * every frame that src backs outside RAM (backed in dst first).  Returns 0
 * or -errno.
 */
int fake_state_copy_memory(struct fake_domain *dst, struct fake_domain *src);

/* Pauses f, hv_devices_restore of blob, unpauses f.  Returns the restore's result. */
int fake_state_restore(struct fake_domain *f, const uint8_t *blob, size_t len);

/* fake_state_save from src to dst, then fake_state_restore in dst.  0 or -errno. */
int fake_state_transfer(struct fake_domain *dst, struct fake_domain *src);

/*
 * Finds record id in blob: the offset of its body and the body's length.
 * Returns 0 or -ENOENT.
 */
int fake_state_find(const uint8_t *blob, size_t len, uint32_t id, size_t *off,
		    uint32_t *body_len);

/*
 * A copy of the body of record id in blob (len bytes, and one spare byte
 * after them for tests that add a byte), which the caller frees; NULL if
 * there is no such record.
 */
uint8_t *fake_state_body(const struct hv_state_buf *blob, uint32_t id, uint32_t *len);

/*
 * Makes out a copy of blob in which record id has version and body
 * instead (out is new: the caller frees out->data).  Returns 0 or -errno.
 */
int fake_state_replace(const uint8_t *blob, size_t len, uint32_t id, uint32_t version,
		       const void *body, size_t body_len, struct hv_state_buf *out);

/*
 * Calls the restore of every record of blob before record id, in order, as
 * hv_devices_restore would (f must be paused): afterwards a call of the
 * restore of id itself sees what it would see in a whole restore.
 * Returns 0 or the first error.
 */
int fake_state_restore_before(struct fake_domain *f, const uint8_t *blob, size_t len,
			      uint32_t id);

/* The device of f whose record is id, or NULL. */
const struct hv_device *fake_state_device(struct fake_domain *f, uint32_t id);

#endif
