/*
 * The console: Xen's console_io hypercall when running on Xen, else the
 * 16550 UART at 0x3f8.  Lines from different vCPUs do not interleave.
 */
#ifndef MINI_CONSOLE_H
#define MINI_CONSOLE_H

#include <stddef.h>

/* Picks the backend (call after xen_init) and sets up the UART if needed. */
void console_init(void);

/* Writes n bytes of s. */
void console_write(const char *s, size_t n);

/* Formats (see fmt_vsnprintf; at most 255 bytes) and writes. */
__attribute__((format(printf, 1, 2))) void kprintf(const char *fmt, ...);

#endif
