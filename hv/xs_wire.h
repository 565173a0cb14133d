/*
 * The xs_wire protocol (Xen's docs/misc/xenstore.txt): one request in,
 * its reply (or an XS_ERROR naming the errno, as xenstored does) out, and
 * the watch events that the request causes queued on every connection
 * concerned.  Every field of the request is checked: an unknown type
 * (ENOSYS), a privileged request from the guest (EACCES), a bad
 * transaction id (ENOENT), missing NUL terminators or bad paths (EINVAL).
 */
#ifndef HV_XS_WIRE_H
#define HV_XS_WIRE_H

#include <stdint.h>

#include "xs_conn.h"

/*
 * Handles the request h with payload (h->len <= XENSTORE_PAYLOAD_MAX bytes)
 * from c, with the server's lock held.
 */
void xs_wire_dispatch(struct xs_conn *c, const struct xsd_sockmsg *h, const uint8_t *payload);

/* The name xenstored sends for errno err ("EINVAL" for one it has none for). */
const char *xs_wire_errname(int err);

#endif
