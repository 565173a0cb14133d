/*
 * The console: on Xen the PV console ring once console_ring_init() has run,
 * Xen's console_io hypercall before that (and after console_emergency());
 * without Xen the 16550 UART at 0x3f8.  Lines from different vCPUs do not
 * interleave.
 */
#ifndef MINI_CONSOLE_H
#define MINI_CONSOLE_H

#include <stddef.h>

/* Picks the backend (call after xen_init) and sets up the UART if needed. */
void console_init(void);

/* Writes n bytes of s (ring 0 or ring 3). */
void console_write(const char *s, size_t n);

/*
 * From now on writes only with console_io, which needs nothing of the
 * guest's state: for messages about a crash.
 */
void console_emergency(void);

/* Waits (briefly) until the backend has printed everything written. */
void console_flush(void);

/* Formats (see fmt_vsnprintf; at most 255 bytes) and writes (ring 0 or 3). */
__attribute__((format(printf, 1, 2))) void kprintf(const char *fmt, ...);

#endif
