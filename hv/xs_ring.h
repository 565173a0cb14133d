/*
 * The guest's xenstore ring (xen/io/xs_wire.h, Xen's
 * docs/misc/xenstore-ring.txt): one page of guest memory with a request
 * and a reply queue whose indices the guest controls.  Indices are read
 * once per pass and checked; a guest that sets inconsistent indices or
 * sends a message over XENSTORE_PAYLOAD_MAX gets the connection error
 * indicator set and is no longer served until it asks for a reconnect
 * (both features are advertised).  The page is only accessed through one
 * hv_gmem_map per pass, and every copy is masked into the page.
 */
#ifndef HV_XS_RING_H
#define HV_XS_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "gmem.h"
#include "xs_conn.h"

struct xs_ring {
	struct hv_gmem *mem;
	uint64_t gpa;
	struct xs_conn *conn;  /* the guest's connection */
	bool broken;           /* error indicator set: ignore until reconnect */
	bool warned;           /* a break was logged (once: guests may repeat it) */
};

/* What xs_ring_service asks of its caller. */
#define XS_RING_NOTIFY 1u /* the ring changed: notify the guest */
#define XS_RING_AGAIN 2u  /* stopped with work left: call again soon */

/*
 * Sets up r on the page at gpa (backed already) for connection c: clears
 * the page, advertises the server features, marks it connected.  Returns
 * 0 or -EFAULT.
 */
int xs_ring_init(struct xs_ring *r, struct hv_gmem *mem, uint64_t gpa, struct xs_conn *c);

/*
 * Takes the guest's requests (dispatching them) and puts queued replies and
 * events in the ring, as long as either moves; handles reconnect requests.
 * Returns XS_RING_* flags.  Runs with the server's lock held.
 */
unsigned xs_ring_service(struct xs_ring *r);

#endif
