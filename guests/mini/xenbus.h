/*
 * The xenbus side of mini's device frontends (xen/io/xenbus.h): finding a
 * device's directories in xenstore, following the backend's state,
 * publishing the frontend's keys in a transaction, and the orderly close.
 * The block and network frontends share it.  Every call works in ring 0
 * and in ring 3 (it needs xenstore, xs.h); one caller at a time.  Calls
 * that fail print "NAME: ... failed: rc" (NAME is the device's name) and
 * return a negative Xen errno.
 */
#ifndef MINI_XENBUS_H
#define MINI_XENBUS_H

#include <stdint.h>

#include "xen_abi.h"

#define XENBUS_PATH_MAX 96

struct xenbus_dev {
	const char *name;             /* for messages: "blkfront", "netfront" */
	char front[XENBUS_PATH_MAX];  /* device/<type>/<id> */
	char back[XENBUS_PATH_MAX];   /* the backend's directory */
	domid_t backend_id;
	uint16_t id;                  /* the <id> */
};

/*
 * Finds the first device of type ("vbd", "vif") under device/, and reads
 * its backend's directory and domain.  Returns 0, or -XEN_ENOENT (without
 * a message) if there is none.
 */
long xenbus_find(struct xenbus_dev *d, const char *type);

/* Prints "NAME: WHAT failed: rc" and returns rc. */
long xenbus_fail(const struct xenbus_dev *d, const char *what, long rc);

/* Waits, watching it, until the backend's state is at least want (XenbusState*). */
long xenbus_wait_backend(const struct xenbus_dev *d, unsigned want);

/* Writes the frontend's state. */
long xenbus_set_state(const struct xenbus_dev *d, unsigned state);

/* Writes a formatted value at front/node, inside transaction tx (or XBT_NIL). */
__attribute__((format(printf, 4, 5))) long xenbus_printf(const struct xenbus_dev *d, uint32_t tx,
							 const char *node, const char *fmt, ...);

/*
 * Reads the decimal number at dir/node, where dir is the frontend's or the
 * backend's directory; an absent node reads as dflt unless dflt is
 * UINT64_MAX (then absence is an error).
 */
long xenbus_read_u64(const struct xenbus_dev *d, const char *dir, const char *node,
		     uint64_t *value, uint64_t dflt);

/*
 * Runs write(arg, tx) in a transaction and commits it, starting again
 * (a few times) when the commit meets a conflict.
 */
long xenbus_publish(const struct xenbus_dev *d, long (*write)(void *arg, uint32_t tx), void *arg);

/*
 * Closes: state Closing, then Closed, each after the backend followed;
 * then stops handling the device's event channel port and closes it.
 */
long xenbus_close(const struct xenbus_dev *d, evtchn_port_t port);

#endif
