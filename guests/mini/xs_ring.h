/*
 * Bytes to and from the xenstore ring (struct xenstore_domain_interface):
 * the transport under xs.c.  Indices are free-running 32-bit counters; a
 * side that finds the other's index more than a ring ahead treats the ring
 * as broken.
 */
#ifndef MINI_XS_RING_H
#define MINI_XS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xen_abi.h"

/* Uses the ring page at ring, notified through port. */
void xs_ring_attach(struct xenstore_domain_interface *ring, evtchn_port_t port);

/*
 * Appends len bytes to the request queue, waiting for room until system
 * time deadline.  Returns false on timeout or a broken ring.
 */
bool xs_ring_put(const void *data, size_t len, uint64_t deadline);

/* Tells the server that requests are queued. */
void xs_ring_notify(void);

/*
 * Takes len bytes from the reply queue, waiting for them until deadline.
 * Returns false on timeout or a broken ring.
 */
bool xs_ring_get(void *data, size_t len, uint64_t deadline);

#endif
