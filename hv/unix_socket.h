/*
 * Listening Unix stream sockets for dom0-side clients (the console's attach
 * socket, xenstore's socket): mode 0600, so that only their owner (root)
 * may connect; a stale socket file that a process now gone left at the
 * path is replaced, anything else there is kept.
 */
#ifndef HV_UNIX_SOCKET_H
#define HV_UNIX_SOCKET_H

#include <sys/types.h>

struct hv_unix_listener {
	int fd;      /* listening, non-blocking, close-on-exec; -1: none */
	char *path;  /* owned */
	dev_t dev;   /* the socket file made, so that only it is removed */
	ino_t ino;
};

/*
 * Listens on path with the given backlog.  Returns 0, or -errno with l->fd
 * -1 and nothing left behind: -ENAMETOOLONG (too long for a Unix socket),
 * -EADDRINUSE (a server answers on path), -EEXIST (path is not a socket).
 */
int hv_unix_listen(struct hv_unix_listener *l, const char *path, int backlog);

/* Closes the socket and removes its file if it is still the one made. */
void hv_unix_close(struct hv_unix_listener *l);

#endif
