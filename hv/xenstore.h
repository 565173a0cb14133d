/*
 * xenstore for one domain: the store (nodes, permissions, transactions,
 * watches, quotas), the guest's ring connection (HVM_PARAM_STORE_PFN/
 * EVTCHN), dom0 clients on a Unix socket speaking xs_wire (Debian's
 * xenstore-utils work against it: XENSTORED_PATH=socket), and the
 * in-process dom0 connection that backends use through the functions below.
 *
 * Standard layout: /local/domain/<id>/{name,domid,memory/target,control,
 * device,console,...} owned by the domain; backends live under
 * /local/domain/0/backend/<type>/<id>/<devid>.
 */
#ifndef HV_XENSTORE_H
#define HV_XENSTORE_H

#include <stddef.h>

struct hv_domain;

/*
 * Writes value at path (absolute) as dom0, creating missing parents.  A new
 * node is owned by dom0; see hv_xs_set_perms.  Returns 0 or -errno.
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

/* Removes path and everything below it.  Returns 0 or -errno. */
int hv_xs_rm(struct hv_domain *d, const char *path);

/*
 * Sets path's permissions in xenstore's text form, e.g. "n1" (owner domain
 * 1, others none) or "n0 r1" (owner dom0, domain 1 may read).
 */
int hv_xs_set_perms(struct hv_domain *d, const char *path, const char *perms);

/*
 * Calls fn whenever path or a node below it changes (and once at once, as
 * xenstore watches fire on registration).  fn runs on the xenstore thread
 * with no store lock held: it may call the functions above.
 */
typedef void (*hv_xs_watch_fn)(struct hv_domain *d, const char *path, void *opaque);
int hv_xs_watch(struct hv_domain *d, const char *path, hv_xs_watch_fn fn, void *opaque);

/* Removes a watch set with the same arguments. */
void hv_xs_unwatch(struct hv_domain *d, const char *path, hv_xs_watch_fn fn, void *opaque);

#endif
