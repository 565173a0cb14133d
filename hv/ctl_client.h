/*
 * A client of a domain's control socket (ctl_proto.h, docs/control.md):
 * what ternd, tools/tern-ctl and the tests use.  Calls are synchronous:
 * each sends one request and waits for its reply; notifications that come
 * meanwhile are recorded in the client (stopped, stop_reason).  A client
 * is used by one thread at a time.
 *
 * Every call returns 0 or a negative errno: the server's (then err holds
 * the server's text saying what failed and in what state the domain is
 * left), or a local one (-EPROTO for a reply that does not pass its typed
 * reader, -ECONNRESET when tern-hv closed the connection).
 */
#ifndef HV_CTL_CLIENT_H
#define HV_CTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"

struct hv_ctl_client {
	int fd;               /* -1: not connected */
	uint32_t seq;         /* of the last request */
	uint32_t version;     /* the protocol version in use */
	bool stopped;         /* an HV_CTL_EV_STOPPED came */
	int32_t stop_reason;  /* its reason (enum hv_ctl_stop) */
	uint64_t dirty_frames; /* frames the dirty bitmap covers (after enable, harvest) */
	char err[HV_CTL_MAX_ERROR]; /* why the last call failed; "" if it did not say */
};

/*
 * Connects to the control socket at path and says hello.  Returns 0 or
 * -errno (-EPROTONOSUPPORT if the server speaks no version we do); on an
 * error c->fd is -1 and nothing is left open.
 */
int hv_ctl_connect(struct hv_ctl_client *c, const char *path);

/* Closes the connection (the domain stays as it is: paused stays paused). */
void hv_ctl_close(struct hv_ctl_client *c);

int hv_ctl_info(struct hv_ctl_client *c, struct hv_ctl_info *out);
int hv_ctl_pause(struct hv_ctl_client *c);
int hv_ctl_unpause(struct hv_ctl_client *c);
int hv_ctl_destroy(struct hv_ctl_client *c);

/* Asks the guest to power off or reboot (it may ignore it). */
int hv_ctl_shutdown(struct hv_ctl_client *c, enum hv_ctl_shutdown_reason reason);

/* Asks for HV_CTL_EV_STOPPED; sent at once if the domain already stopped. */
int hv_ctl_subscribe(struct hv_ctl_client *c);

/*
 * Waits up to timeout_ms (-1: for ever) for the stop notification (after
 * hv_ctl_subscribe) and sets *reason.  Returns 0, -ETIMEDOUT, or
 * -ECONNRESET if tern-hv went away without one.
 */
int hv_ctl_wait_stopped(struct hv_ctl_client *c, int timeout_ms, int32_t *reason);

/* A vCPU's state, decoded and checked (the domain must be paused). */
int hv_ctl_vcpu_get(struct hv_ctl_client *c, unsigned vcpu, struct hv_vcpu_state *s);
int hv_ctl_vcpu_set(struct hv_ctl_client *c, unsigned vcpu, const struct hv_vcpu_state *s);

/*
 * The device-state blob (hv_devices_save's records).  get sets *blob to a
 * malloc'd buffer the caller frees.  set is for a domain started with
 * --incoming, once, before it first runs.
 */
int hv_ctl_devices_get(struct hv_ctl_client *c, uint8_t **blob, size_t *len);
int hv_ctl_devices_set(struct hv_ctl_client *c, const uint8_t *blob, size_t len);

/* Backs n frames outside RAM (--incoming only), in as many requests as it takes. */
int hv_ctl_populate(struct hv_ctl_client *c, const uint64_t *gfns, size_t n);

/*
 * Log-dirty tracking, owned by this connection (it stops if the connection
 * closes).  enable returns the bitmap's shape and its memfd (*fd, the
 * caller's to map, HV_CTL_DIRTY_BITMAP_BYTES, and to close).  Each harvest
 * fills the bitmap with the frames written since the previous one (or
 * since enable) and sets *nr_dirty; c->dirty_frames then says how many
 * frames it covers, which grows if the guest backs a frame above the
 * others: scan that many bits, not the count enable returned.
 */
int hv_ctl_dirty_enable(struct hv_ctl_client *c, struct hv_ctl_dirty *out, int *fd);
int hv_ctl_dirty_harvest(struct hv_ctl_client *c, uint64_t *nr_dirty);
int hv_ctl_dirty_disable(struct hv_ctl_client *c);

/* Guest memory, mapped from the memfds the server passed. */
struct hv_ctl_guest_mem {
	struct hv_ctl_memory map;
	int fds[HV_CTL_MAX_FDS];       /* owned; -1 past map.nr_fds */
	uint8_t *base[HV_CTL_MAX_FDS]; /* each memfd mapped whole, shared */
	size_t size[HV_CTL_MAX_FDS];
};

/*
 * Asks for the memory regions and their memfds and maps the memfds
 * read-write and shared: writes go straight to the guest's memory.  Each
 * region is checked to lie inside its memfd.  Call again after frames were
 * added (the guest's, or hv_ctl_populate).  Returns 0 or -errno; on an
 * error nothing is left mapped or open.
 */
int hv_ctl_guest_map(struct hv_ctl_client *c, struct hv_ctl_guest_mem *g);

/*
 * A pointer to [gpa, gpa + len) if that range lies in one region, else
 * NULL.  Valid until hv_ctl_guest_unmap.
 */
void *hv_ctl_guest_ptr(const struct hv_ctl_guest_mem *g, uint64_t gpa, size_t len);

/* Unmaps and closes what hv_ctl_guest_map made. */
void hv_ctl_guest_unmap(struct hv_ctl_guest_mem *g);

#endif
