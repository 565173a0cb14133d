/*
 * Interactive attach to a domain's console: a Unix stream socket that one
 * terminal at a time connects to, e.g.
 *
 *   socat -,raw,echo=0 UNIX-CONNECT:PATH
 *
 * The attached terminal gets the console's output from the moment it
 * connects, and what it types goes to the guest (hv_console_input).  The
 * escape byte Ctrl-] (0x1d) detaches: the bytes typed before it still go to
 * the guest, the connection is closed, the domain runs on.  A second
 * terminal is told the console is busy and turned away.
 */
#ifndef HV_PVCON_ATTACH_H
#define HV_PVCON_ATTACH_H

#include "console.h"

/* The byte that detaches a terminal: Ctrl-], as in telnet and xl console. */
#define HV_PVCON_ESCAPE 0x1d

struct hv_pvcon_attach;

/*
 * Listens on path (mode 0600; a stale socket left there by a process that
 * is gone is replaced) and serves terminals on a thread of its own for
 * console c.  Returns 0 and the server in *out, or -errno (-EADDRINUSE if
 * something answers on path, -ENAMETOOLONG for a path too long for a Unix
 * socket) with the reason logged.
 */
int hv_pvcon_attach_start(struct hv_console *c, const char *path,
			  struct hv_pvcon_attach **out);

/*
 * Detaches the terminal if one is attached, stops the thread, closes and
 * removes the socket, and frees a.
 */
void hv_pvcon_attach_stop(struct hv_pvcon_attach *a);

#endif
