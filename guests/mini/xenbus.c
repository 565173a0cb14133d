/*
 * Xenbus helpers for frontends (see xenbus.h).
 */
#include <stdarg.h>

#include "console.h"
#include "evtchn.h"
#include "lib.h"
#include "pvclock.h"
#include "xen_ring.h"
#include "xenbus.h"
#include "xs.h"

#define STATE_WAIT_NS 10000000000ULL
#define TOKEN "xenbus-state"
#define LIST_MAX 256
#define TX_TRIES 10
#define VALUE_MAX 128

long xenbus_fail(const struct xenbus_dev *d, const char *what, long rc)
{
	kprintf("%s: %s failed: %ld\n", d->name, what, rc);
	return rc;
}

long xenbus_find(struct xenbus_dev *d, const char *type)
{
	char list[LIST_MAX], dir[XENBUS_PATH_MAX];
	const char *p = list;
	uint64_t handle, id;
	long rc;

	fmt_snprintf(dir, sizeof(dir), "device/%s", type);
	rc = xs_directory(XBT_NIL, dir, list, sizeof(list));
	if (rc <= 0)
		return rc == 0 || rc == -XEN_ENOENT ? -XEN_ENOENT : rc;
	if (!parse_u64(&p, &handle) || *p || handle > UINT16_MAX)
		return xenbus_fail(d, "device/<type>/<id>", -XEN_EINVAL);
	d->id = (uint16_t)handle;
	fmt_snprintf(d->front, sizeof(d->front), "%s/%s", dir, list);
	fmt_snprintf(dir, sizeof(dir), "%s/backend", d->front);
	rc = xs_read(XBT_NIL, dir, d->back, sizeof(d->back));
	if (rc < 0)
		return xenbus_fail(d, dir, rc);
	rc = xenbus_read_u64(d, d->front, "backend-id", &id, UINT64_MAX);
	if (rc)
		return rc;
	if (id >= DOMID_FIRST_RESERVED)
		return xenbus_fail(d, "backend-id", -XEN_EINVAL);
	d->backend_id = (domid_t)id;
	return 0;
}

long xenbus_wait_backend(const struct xenbus_dev *d, unsigned want)
{
	char path[XENBUS_PATH_MAX], ev[XENBUS_PATH_MAX], tok[sizeof(TOKEN)];
	uint64_t deadline = xen_time_ns() + STATE_WAIT_NS, state = 0;
	long rc;

	fmt_snprintf(path, sizeof(path), "%s/state", d->back);
	rc = xs_watch(path, TOKEN);
	while (!rc) {
		rc = xs_read_u64(XBT_NIL, path, &state);
		if (rc || state >= want)
			break;
		rc = xs_read_watch(ev, sizeof(ev), tok, sizeof(tok), deadline);
	}
	xs_unwatch(path, TOKEN);
	if (rc)
		kprintf("%s: backend state %lu, waited for %u: %ld\n", d->name, state, want, rc);
	return rc;
}

long xenbus_printf(const struct xenbus_dev *d, uint32_t tx, const char *node, const char *fmt,
		   ...)
{
	char path[XENBUS_PATH_MAX], value[VALUE_MAX];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	fmt_snprintf(path, sizeof(path), "%s/%s", d->front, node);
	return xs_write(tx, path, value);
}

long xenbus_set_state(const struct xenbus_dev *d, unsigned state)
{
	return xenbus_printf(d, XBT_NIL, "state", "%u", state);
}

long xenbus_read_u64(const struct xenbus_dev *d, const char *dir, const char *node,
		     uint64_t *value, uint64_t dflt)
{
	char path[XENBUS_PATH_MAX];
	long rc;

	fmt_snprintf(path, sizeof(path), "%s/%s", dir, node);
	rc = xs_read_u64(XBT_NIL, path, value);
	if (rc == -XEN_ENOENT && dflt != UINT64_MAX) {
		*value = dflt;
		rc = 0;
	}
	return rc ? xenbus_fail(d, path, rc) : 0;
}

long xenbus_publish(const struct xenbus_dev *d, long (*write)(void *arg, uint32_t tx), void *arg)
{
	long rc = -XEN_EAGAIN;

	for (unsigned i = 0; i < TX_TRIES && rc == -XEN_EAGAIN; i++) {
		uint32_t tx;

		rc = xs_transaction_start(&tx);
		if (rc)
			break;
		rc = write(arg, tx);
		if (rc) {
			xs_transaction_end(tx, false);
			break;
		}
		rc = xs_transaction_end(tx, true);
	}
	return rc ? xenbus_fail(d, "publishing the ring", rc) : 0;
}

long xenbus_close(const struct xenbus_dev *d, evtchn_port_t port)
{
	long rc = 0;

	for (unsigned state = XenbusStateClosing; state <= XenbusStateClosed && !rc; state++) {
		rc = xenbus_set_state(d, state);
		if (!rc)
			rc = xenbus_wait_backend(d, state);
	}
	if (rc)
		return xenbus_fail(d, "closing", rc);
	evtchn_unbind(port);
	evtchn_close(port);
	return 0;
}
