/*
 * The PV console ring (struct xencons_interface in the page that
 * HVM_PARAM_CONSOLE_PFN names, notified through HVM_PARAM_CONSOLE_EVTCHN):
 * output to the console backend and input from it.  Ring 0 only; callers
 * serialize (console.c holds its lock).
 */
#ifndef MINI_CONSOLE_RING_H
#define MINI_CONSOLE_RING_H

#include <stdbool.h>
#include <stddef.h>

#include "xen_abi.h"

/*
 * Finds the ring and its channel, maps the page and handles the channel on
 * vCPU 0.  On the BSP, before other vCPUs start.  Returns 0 or a negative
 * Xen errno.
 */
long console_ring_init(void);

/* True once console_ring_init() succeeded. */
bool console_ring_up(void);

/* The ring's event channel (0 before console_ring_init). */
evtchn_port_t console_ring_port(void);

/*
 * Writes n bytes of s, waiting for room while the backend drains the ring
 * (up to a second in all).  Returns how many bytes went in.
 */
size_t console_ring_write(const char *s, size_t n);

/* Copies up to size bytes of waiting input into buf; returns how many. */
size_t console_ring_read(char *buf, size_t size);

/*
 * Waits (up to a second) until the backend has taken all output.  Returns
 * true if it has.
 */
bool console_ring_flush(void);

#endif
