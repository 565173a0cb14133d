/*
 * xenstore client over the guest's ring (HVM_PARAM_STORE_PFN/EVTCHN, the
 * xs_wire protocol).  One request at a time: the boot vCPU is the only
 * user.  Everything but xs_init() works in ring 0 and in ring 3.
 *
 * Paths are absolute or relative to /local/domain/<domid>, which the server
 * resolves.  Calls return a negative Xen errno on failure: the server's
 * error names (EACCES, ENOENT, ...) map to the Xen errno of that name,
 * -XEN_ETIMEDOUT means no answer within a few seconds and -XEN_EIO a
 * protocol error.  tx is a transaction id, or XBT_NIL for none.
 */
#ifndef MINI_XS_H
#define MINI_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xen_abi.h"

#define XBT_NIL 0

/*
 * Finds the ring and its channel, maps the page and handles the channel on
 * vCPU 0.  Ring 0, on the BSP.  Returns 0 or a negative Xen errno.
 */
long xs_init(void);

/* The ring's event channel (0 before xs_init). */
evtchn_port_t xs_port(void);

/*
 * Reads path's value into buf (NUL-terminated).  Returns its length, or
 * -XEN_E2BIG if it does not fit in size bytes.
 */
long xs_read(uint32_t tx, const char *path, char *buf, size_t size);

/* Reads path as a decimal number into *value; -XEN_EINVAL if it is not one. */
long xs_read_u64(uint32_t tx, const char *path, uint64_t *value);

/* Writes value at path (creating it and its parents).  Returns 0 or an errno. */
long xs_write(uint32_t tx, const char *path, const char *value);

/* xs_write of a formatted value. */
__attribute__((format(printf, 3, 4))) long xs_printf(uint32_t tx, const char *path,
						     const char *fmt, ...);

/*
 * Lists path's children into buf as consecutive NUL-terminated names.
 * Returns the bytes used, or -XEN_E2BIG if they do not fit.
 */
long xs_directory(uint32_t tx, const char *path, char *buf, size_t size);

long xs_mkdir(uint32_t tx, const char *path);
long xs_rm(uint32_t tx, const char *path);

/* Starts a transaction (*tx) and ends it, committing or not (-XEN_EAGAIN: conflict). */
long xs_transaction_start(uint32_t *tx);
long xs_transaction_end(uint32_t tx, bool commit);

/* Watches path (and below) under token; XS_WATCH fires once at once. */
long xs_watch(const char *path, const char *token);
long xs_unwatch(const char *path, const char *token);

/* Drops every watch of this connection (XS_RESET_WATCHES). */
long xs_reset_watches(void);

/*
 * Takes the oldest watch event, waiting until system time deadline for one
 * if none is queued.  Returns 0 with the path and token copied
 * (NUL-terminated, cut to size), or -XEN_ETIMEDOUT.
 */
long xs_read_watch(char *path, size_t path_size, char *token, size_t token_size,
		   uint64_t deadline);

/* Watch events dropped because the queue was full. */
unsigned xs_watch_events_lost(void);

#endif
