/*
 * The xenstore Unix socket for dom0 clients (tern-hv --xenstore-socket):
 * the same xs_wire protocol as the guest's ring, so that Xen's own tools
 * work against it (XENSTORED_PATH=<socket> xenstore-ls).  Every client is
 * dom0, privileged; the socket file is made mode 0600.
 *
 * The xenstore thread owns it: it adds the listening socket and each
 * client to its epoll set and hands their events here, with the server's
 * lock held.  A client that sends a malformed stream is disconnected; one
 * that does not read its replies stops being read until it does.
 */
#ifndef HV_XS_SOCKET_H
#define HV_XS_SOCKET_H

#include <stdbool.h>
#include <stdint.h>

#include "unix_socket.h"
#include "xs_conn.h"

/* Most dom0 clients connected at once. */
#define XS_SOCKET_MAX_CLIENTS 128

struct xs_client {
	struct xs_conn conn;      /* first: epoll data points at the client */
	struct xs_client *next;
	int fd;
	uint32_t events;          /* what epoll watches for it now */
};

struct xs_socket {
	struct xs_server *srv;
	int epoll_fd;
	struct hv_unix_listener l; /* l.fd -1: not open */
	struct xs_client *clients;
	unsigned nr_clients;
	bool warned_full;
};

/*
 * Listens on path for srv, registering with epoll_fd.  Refuses a path
 * where a server answers (-EADDRINUSE) or that is not a socket (-EEXIST);
 * a stale socket file is replaced (unix_socket.h).  Returns 0 or -errno,
 * logged; s->l.fd is then -1.
 */
int xs_socket_open(struct xs_socket *s, struct xs_server *srv, const char *path, int epoll_fd);

/* Disconnects every client, closes the socket and removes its file. */
void xs_socket_close(struct xs_socket *s);

/*
 * Handles an epoll event whose data pointer is ptr if it is one of s's
 * (the listening socket or a client): accepts, reads and dispatches.
 * Returns false if ptr is not s's.
 */
bool xs_socket_event(struct xs_socket *s, void *ptr, uint32_t events);

/* Sends what the clients have queued, as far as they take it. */
void xs_socket_flush(struct xs_socket *s);

#endif
