/*
 * xenstore for one domain: the store (nodes, permissions, transactions,
 * watches, quotas), the guest's ring connection (HVM_PARAM_STORE_PFN/
 * EVTCHN), dom0 clients on a Unix socket speaking xs_wire (Debian's
 * xenstore-utils work against it: XENSTORED_PATH=socket), and the
 * in-process dom0 connection that backends use through the functions below.
 *
 * Standard layout (docs/xenstore.md): /local/domain/<id> with name, domid
 * and memory/{target,static-max} (dom0's, readable by the guest: "n0 r<id>")
 * and control/, device/, console/, data/ (the guest's: "n<id>");
 * /local/domain/0/name = Domain-0; backends live under
 * /local/domain/0/backend/<type>/<id>/<devid>.
 *
 * The functions below act as dom0 (privileged) and may be called from any
 * thread once the xenstore device is up (HV_PRIO_STORE); before that, or
 * without one, they return -ENODEV.  Paths are absolute; a bad path is
 * -EINVAL.
 */
#ifndef HV_XENSTORE_H
#define HV_XENSTORE_H

#include <stddef.h>

struct hv_domain;

/*
 * Writes value at path (absolute) as dom0, creating missing parents.  As in
 * xenstored, a node dom0 creates gets a copy of its parent's permissions
 * (owner included): set others with hv_xs_set_perms.  Returns 0 or -errno.
 */
int hv_xs_write(struct hv_domain *d, const char *path, const char *value);

/* hv_xs_write with a printf-formatted value. */
int hv_xs_printf(struct hv_domain *d, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Reads path as dom0 into a new NUL-terminated string (caller frees).
 * Returns 0, -ENOENT, or -errno.
 */
int hv_xs_read(struct hv_domain *d, const char *path, char **value);

/*
 * Removes path and everything below it.  Returns 0 (also when path is
 * absent but its parent exists), -ENOENT, or -errno.
 */
int hv_xs_rm(struct hv_domain *d, const char *path);

/*
 * Sets path's permissions in xenstore's text form, e.g. "n1" (owner domain
 * 1, others none) or "n0 r1" (owner dom0, domain 1 may read); entries are
 * n, r, w or b (both) and a domain id, separated by one space.  Returns 0,
 * -ENOENT, or -EINVAL for a malformed text.
 */
int hv_xs_set_perms(struct hv_domain *d, const char *path, const char *perms);

/*
 * Calls fn whenever path or a node below it changes (and once at once, as
 * xenstore watches fire on registration), with the path that changed (the
 * watched path for the first call, and for the removal of a parent).  fn
 * runs on the xenstore thread with no store lock held: it may call the
 * functions above.  Returns 0, -EEXIST (the same watch is set) or -errno.
 */
typedef void (*hv_xs_watch_fn)(struct hv_domain *d, const char *path, void *opaque);
int hv_xs_watch(struct hv_domain *d, const char *path, hv_xs_watch_fn fn, void *opaque);

/*
 * Removes a watch set with the same arguments.  fn is not called for it
 * after this returns (if fn is running on the xenstore thread, this waits
 * for it, unless called from fn itself).
 */
void hv_xs_unwatch(struct hv_domain *d, const char *path, hv_xs_watch_fn fn, void *opaque);

/*
 * The xenstore device's init and exit (registered with HV_DEVICE; tests
 * call them on a domain of their own).  Init writes the initial layout,
 * backs the ring page HV_XENSTORE_GFN, connects an event channel, sets
 * HVM_PARAM_STORE_PFN/EVTCHN, opens cfg->xenstore_socket if set and starts
 * the xenstore thread.  Returns 0 or -errno with the reason logged.
 */
int hv_xenstore_init(struct hv_domain *d);
void hv_xenstore_exit(struct hv_domain *d);

#endif
