/*
 * What the xenbus backends (blkback, netback) have in common: a device
 * class serves one instance per spec of a configuration list (d->disks,
 * d->vifs), each with a frontend and a backend xenstore directory, the
 * xenbus state machine, driven by a watch on the frontend's state, and a
 * worker thread that an eventfd wakes.
 *
 * A backend's instance starts with a struct hv_backend, and the backend
 * describes itself with a struct hv_backend_ops (every op is mandatory);
 * backend.c runs the rest.  The state machine: the backend starts in InitWait, with
 * its nodes written (GRUB reads them as soon as the state is not InitWait
 * any more).  The frontend's Initialised or Connected connects (ops
 * connect, then the worker starts) and says Connected, or Closing if that
 * failed; Closing is echoed; Closed disconnects (the worker stops, ops
 * release) and says Closed; Initialising after Closed says InitWait again,
 * ready for the next frontend (GRUB closes its disks before it boots a
 * kernel, whose frontends then connect anew).
 *
 * Locking: b->lock serialises the xenstore thread (the state machine),
 * exit, pause and unpause, save and restore.  The worker runs without it;
 * it is started and stopped (joined) with the lock held.
 */
#ifndef HV_BACKEND_H
#define HV_BACKEND_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/event_channel.h>

#include "device.h"
#include "evtchn.h"

struct hv_domain;
struct hv_strlist;
struct hv_backend;
struct hv_state_buf;
struct hv_state_in;

/*
 * A class's part of its device-state record (docs/stream-format.md): the
 * record is a header (the number of instances, 4 bytes, and 4 of zero
 * padding), then an entry per instance, in the order of the list; the
 * entry starts with a fixed part of size bytes.  The ops run with the
 * instance's lock held; on a restore, read and check every entry first,
 * then reconnect each, then adopt each.
 */
struct hv_backend_record {
	size_t size;
	/* Appends b's entry.  Returns 0 or -errno. */
	int (*save)(struct hv_backend *b, struct hv_state_buf *out);
	/*
	 * Reads b's entry from in, its fixed part into w, and checks it
	 * against b.  Returns 1 if it says b was connected, 0 if not, or
	 * -EINVAL (malformed, or not b's: logged).
	 */
	int (*read)(struct hv_backend *b, struct hv_state_in *in, void *w);
	/*
	 * Takes back what b held by its entry w, which says it was connected
	 * (its rings and event channels; then b->connected).  Returns 0 or
	 * -errno, having undone its own part.
	 */
	int (*reconnect)(struct hv_backend *b, const void *w);
	/* Takes the rest of entry w, what the nodes in xenstore's record say (state, ...). */
	void (*adopt)(struct hv_backend *b, const void *w);
};

/* The instances of one device class, in the order of its specs. */
struct hv_backends {
	struct hv_backend **v;
	unsigned n;
};

struct hv_backend_ops {
	const char *type;   /* xenstore's device type: "vbd", "vif" */
	const char *noun;   /* what the log calls an instance: "disk", "vif" */
	const char *thread; /* the worker threads' name prefix: "blk", "net" */
	size_t size;        /* of an instance, which starts with its struct hv_backend */
	/*
	 * Starts b, a zeroed instance (b->d and b->ops set): its own fields
	 * empty (fds -1), spec parsed into it.  Returns 0, or -EINVAL with the
	 * reason in msg (len bytes).
	 */
	int (*init)(struct hv_backend *b, const char *spec, char *msg, size_t len);
	/*
	 * Takes what the parsed spec, the index-th of the list, names (image,
	 * tap) and calls hv_backend_setup.  Returns 0 or -errno, logged.
	 */
	int (*open)(struct hv_backend *b, unsigned index);
	/*
	 * Writes the class's own nodes in dir, b->be or b->fe (this file
	 * writes the rest: frontend, frontend-id, online, backend,
	 * backend-id, state).  Returns 0 or -errno.
	 */
	int (*nodes)(struct hv_backend *b, const char *dir);
	/*
	 * Lets go of what init and open took, also after a failed one (this
	 * file frees the rest, and b).
	 */
	void (*fini)(struct hv_backend *b);
	/*
	 * Reads the frontend's nodes and takes its rings and event channels;
	 * logs what it connected.  Returns 0, or -errno (logged, nothing
	 * held).  b->lock held.
	 */
	int (*connect)(struct hv_backend *b);
	/* Lets go of what connect (or a restore) took; the worker is stopped. */
	void (*release)(struct hv_backend *b);
	/* The worker thread's body: serves the rings until b->stop is set. */
	void (*work)(struct hv_backend *b);
	const struct hv_backend_record *record;
};

struct hv_backend {
	struct hv_domain *d;
	const struct hv_backend_ops *ops;
	unsigned devid;
	char name[32];          /* "<noun> <label>", for the log */
	char thread[16];        /* the worker's name: "<thread>-<label>" */
	char owner[HV_EVTCHN_OWNER_MAX]; /* its (first) event channel's: "<type>/<devid>" */
	char *fe, *be;          /* frontend and backend xenstore directories */
	int wake_fd;            /* eventfd: the guest notified, or stop */
	pthread_mutex_t lock;
	atomic_int state;       /* the backend's xenbus state, as published */
	bool connected;         /* ops connect (or a restore) took the rings */
	pthread_t worker;
	bool running;           /* worker not joined yet (stopped while paused) */
	atomic_bool stop;       /* the worker ends */
};

/*
 * Names the instance for devid (label: how the log calls it, e.g. "xvda";
 * at most 11 bytes of it go into the thread's name), makes its xenstore
 * paths and its eventfd.  Returns 0 or -errno.
 */
int hv_backend_setup(struct hv_backend *b, unsigned devid, const char *label);

/*
 * Writes dir/name = printf(fmt, ...), dir being b->fe or b->be.  Returns 0
 * or -errno.
 */
int hv_backend_put(struct hv_backend *b, const char *dir, const char *name, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));

/*
 * Reads the frontend's node name as a decimal number below 2^32.  Returns
 * 0, -ENOENT (absent), -EINVAL (anything else) or -errno.
 */
int hv_backend_fe_u32(struct hv_backend *b, const char *name, uint32_t *out);

/* Switches the backend's xenbus state (its "state" node).  0 or -errno.  Any thread. */
int hv_backend_set_state(struct hv_backend *b, int state);

/*
 * The event-channel callback for the instance's ports (opaque is the
 * struct hv_backend): wakes the worker.  Runs on a vCPU thread and does
 * not block.
 */
void hv_backend_kick(struct hv_domain *d, evtchn_port_t port, void *opaque);

/*
 * The worker's sleep: until a kick (or stop), fd (if >= 0) is readable, or
 * timeout_ms (-1: none) passes.
 */
void hv_backend_wait(struct hv_backend *b, int fd, int timeout_ms);

/*
 * The device's init: an instance for each of specs (ops init and open),
 * device numbers checked unique, the nodes written (state InitWait), the
 * frontends' states watched.  Returns 0 or -errno (logged; l is empty
 * again).
 */
int hv_backends_init(struct hv_domain *d, struct hv_backends *l, const struct hv_strlist *specs,
		     const struct hv_backend_ops *ops);

/* The device's exit: every instance disconnected and destroyed; l empty. */
void hv_backends_fini(struct hv_domain *d, struct hv_backends *l);

/* The device's pause: stops every worker. */
void hv_backends_pause(struct hv_backends *l);

/*
 * The device's unpause: starts the workers of the connected instances
 * again; stops the domain (HV_STOP_ERROR) if one cannot start, since its
 * guest would hang.
 */
void hv_backends_unpause(struct hv_domain *d, struct hv_backends *l);

/*
 * The device's save: the record of l's instances (the domain paused).
 * Returns 0 or -errno.
 */
int hv_backends_save(struct hv_backends *l, struct hv_state_buf *out);

/*
 * The device's restore: takes back what each of l's instances held by its
 * entry of body (len bytes, of record version; ops the class's).  Returns
 * 0, -ENOTSUP (a version other than 1), -EINVAL (a bad body), -EBUSY (an
 * instance to reconnect is connected already) or -errno; on an error no
 * instance holds anything from body.
 */
int hv_backends_restore(struct hv_backends *l, const struct hv_backend_ops *ops,
			uint32_t version, const uint8_t *body, size_t len);

/*
 * Defines and registers (HV_DEVICE) hv_<cls>_device, the device "<cls>"
 * of a backend class: list is both the configuration's spec list and the
 * domain's list of instances (disks: cfg->disks, d->disks), ops the
 * class's struct hv_backend_ops.  Its init, exit, pause and unpause are
 * the hv_backends_ ones above, and so are save and restore of its
 * device-state record (state_id, version 1; ops record).
 */
#define HV_BACKEND_DEVICE(cls, list, state_id_, ops)                                     \
	static int cls##_init(struct hv_domain *d)                                       \
	{                                                                                \
		return hv_backends_init(d, &d->list, &d->cfg->list, &ops);               \
	}                                                                                \
	static void cls##_exit(struct hv_domain *d)                                      \
	{                                                                                \
		hv_backends_fini(d, &d->list);                                           \
	}                                                                                \
	static void cls##_pause(struct hv_domain *d)                                     \
	{                                                                                \
		hv_backends_pause(&d->list);                                             \
	}                                                                                \
	static void cls##_unpause(struct hv_domain *d)                                   \
	{                                                                                \
		hv_backends_unpause(d, &d->list);                                        \
	}                                                                                \
	static int cls##_save(struct hv_domain *d, struct hv_state_buf *out)             \
	{                                                                                \
		return hv_backends_save(&d->list, out);                                  \
	}                                                                                \
	static int cls##_restore(struct hv_domain *d, uint32_t version,                  \
				 const uint8_t *body, size_t len)                        \
	{                                                                                \
		return hv_backends_restore(&d->list, &ops, version, body, len);          \
	}                                                                                \
	const struct hv_device hv_##cls##_device = {                                     \
		.name = #cls, .prio = HV_PRIO_BACKEND,                                   \
		.init = cls##_init, .exit = cls##_exit,                                  \
		.pause = cls##_pause, .unpause = cls##_unpause,                          \
		.state_id = state_id_, .state_version = 1,                               \
		.save = cls##_save, .restore = cls##_restore,                            \
	};                                                                               \
	HV_DEVICE(hv_##cls##_device)

#endif
