/*
 * Inside the control server: the connection handling (control.c) and the
 * operations (control_ops.c) share these.  Everything here belongs to the
 * control thread, except what struct hv_control marks as under its lock.
 */
#ifndef HV_CONTROL_INT_H
#define HV_CONTROL_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control.h"
#include "ctl_proto.h"
#include "unix_socket.h"

/* Most clients connected at once. */
#define CTL_MAX_CLIENTS 16

/* A message queued for a client: header and payload, and fds it carries. */
struct ctl_msg {
	struct ctl_msg *next;
	size_t len;   /* bytes in data */
	size_t sent;  /* bytes of data sent so far (fds go with the first) */
	int fds[HV_CTL_MAX_FDS]; /* our own duplicates, closed once sent */
	unsigned nr_fds;
	uint8_t data[];
};

struct ctl_client {
	struct ctl_client *next;
	int fd;
	bool hello;       /* the handshake is done */
	bool subscribed;  /* wants HV_CTL_EV_STOPPED */
	bool told;        /* has been sent HV_CTL_EV_STOPPED */
	bool closing;     /* close once the output is sent (protocol error) */
	struct hv_ctl_hdr hdr; /* the request being read */
	size_t hdr_got;
	uint8_t *payload; /* hdr.len bytes, malloc'd once the header passed */
	size_t got;
	struct ctl_msg *out; /* in order; the first may be partly sent */
};

struct hv_control {
	struct hv_domain *d;
	struct hv_unix_listener l;
	int wake_fd;      /* eventfd: quit or the domain stopped */
	pthread_t thread;
	struct ctl_client *clients;
	unsigned nr_clients;

	pthread_mutex_t lock; /* held by the thread while it serves a request */
	/* Below: protected by lock. */
	bool quit;
	bool stopped;       /* the domain has stopped (hv_control_stopped) */
	int32_t stop_reason; /* enum hv_ctl_stop once stopped */
	bool paused;        /* paused through this server (or started paused) */
	bool incoming;      /* started --incoming and never unpaused */
	bool devices_set;   /* DEVICES_SET was tried (once only) */

	/* Log-dirty tracking, the control thread's (with lock held). */
	struct ctl_client *dirty_owner; /* who enabled it; NULL: off */
	int dirty_fd;                   /* the bitmap's memfd */
	uint64_t *dirty_bits;           /* mapped, HV_CTL_DIRTY_BITMAP_BYTES */
};

/* What an operation answers: a payload (owned by the reply) or an error text. */
struct ctl_reply {
	void *payload;
	size_t len;
	bool owned;        /* payload is malloc'd: freed after queueing */
	int fds[HV_CTL_MAX_FDS]; /* not owned: duplicated when queued */
	unsigned nr_fds;
	char err[HV_CTL_MAX_ERROR];
};

/*
 * Serves one request whose header passed hv_ctl_check_hdr, with c->lock
 * held: fills r and returns 0 or -errno (then r->err says why, or is
 * empty and strerror will do).  Sets cl->closing for a client that must be
 * disconnected after the reply (one that did not say hello first).
 */
int hv__ctl_serve(struct hv_control *c, struct ctl_client *cl, const struct hv_ctl_hdr *h,
		  const uint8_t *p, struct ctl_reply *r);

/*
 * Queues a message for cl: a header of type and status with seq, then len
 * bytes of p, with duplicates of the nr_fds fds.  Returns 0 or -ENOMEM
 * (then cl is marked closing).
 */
int hv__ctl_queue(struct ctl_client *cl, uint32_t type, uint32_t seq, int32_t status,
		  const void *p, size_t len, const int *fds, unsigned nr_fds);

/*
 * The log-dirty operations (control_dirty.c), with the signature of every
 * operation: tracking belongs to the client that enabled it.
 */
int hv__ctl_dirty_enable(struct hv_control *c, struct ctl_client *cl,
			 const struct hv_ctl_hdr *h, const uint8_t *p, struct ctl_reply *r);
int hv__ctl_dirty_harvest(struct hv_control *c, struct ctl_client *cl,
			  const struct hv_ctl_hdr *h, const uint8_t *p, struct ctl_reply *r);
int hv__ctl_dirty_disable(struct hv_control *c, struct ctl_client *cl,
			  const struct hv_ctl_hdr *h, const uint8_t *p, struct ctl_reply *r);

/*
 * Turns tracking off and drops the bitmap if cl owns it (cl leaving, or
 * NULL: the server closing).  Takes c->lock.
 */
void hv__ctl_dirty_release(struct hv_control *c, struct ctl_client *cl);

/* Formats r->err and returns err. */
int hv__ctl_fail(struct ctl_reply *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Refuses (-ESRCH, with a text) an operation on a domain that has stopped. */
int hv__ctl_need_live(struct hv_control *c, struct ctl_reply *r);

/* Answers with a malloc'd copy of the n bytes at p. */
int hv__ctl_answer(struct ctl_reply *r, const void *p, size_t n);

/* The protocol's name for the reason d stopped (from enum hv_stop). */
int32_t hv__ctl_stop_reason(int stop);

#endif
