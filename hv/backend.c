/*
 * The xenbus backends' common part (see backend.h): an instance's names,
 * nodes and eventfd, the state machine, the worker thread, and the
 * device's init, exit, pause, unpause, save and restore over the list.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <xen/io/xenbus.h>

#include "backend.h"
#include "config.h"
#include "device_state.h"
#include "domain.h"
#include "log.h"
#include "xenstore.h"

int hv_backend_setup(struct hv_backend *b, unsigned devid, const char *label)
{
	const char *type = b->ops->type;

	b->devid = devid;
	snprintf(b->name, sizeof(b->name), "%s %s", b->ops->noun, label);
	snprintf(b->owner, sizeof(b->owner), "%s/%u", type, devid);
	/* for top -H and perf; Linux keeps 15 bytes of a thread's name */
	snprintf(b->thread, sizeof(b->thread), "%s-%.11s", b->ops->thread, label);
	if (asprintf(&b->fe, "/local/domain/%u/device/%s/%u", b->d->domid, type, devid) < 0 ||
	    asprintf(&b->be, "/local/domain/0/backend/%s/%u/%u", type, b->d->domid, devid) < 0)
		return -ENOMEM;
	b->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return b->wake_fd < 0 ? -errno : 0;
}

int hv_backend_put(struct hv_backend *b, const char *dir, const char *name, const char *fmt, ...)
{
	char path[256], *value = NULL;
	va_list ap;
	int err, n;

	va_start(ap, fmt);
	n = vasprintf(&value, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = hv_xs_write(b->d, path, value);
	free(value);
	return err;
}

/*
 * Makes dir, b->fe (the guest's, readable by dom0) or b->be (dom0's,
 * readable by the guest); the nodes written below it inherit that.
 */
static int make_dir(struct hv_backend *b, const char *dir)
{
	bool fe = dir == b->fe;
	char perms[32];
	int err = hv_xs_write(b->d, dir, "");

	snprintf(perms, sizeof(perms), "n%u r%u", fe ? b->d->domid : HV_BACKEND_DOMID,
		 fe ? HV_BACKEND_DOMID : b->d->domid);
	return err ? err : hv_xs_set_perms(b->d, dir, perms);
}

int hv_backend_fe_u32(struct hv_backend *b, const char *name, uint32_t *out)
{
	char path[256], *value = NULL, *end;
	unsigned long long v;
	int err;

	snprintf(path, sizeof(path), "%s/%s", b->fe, name);
	err = hv_xs_read(b->d, path, &value);
	if (err)
		return err;
	errno = 0;
	v = strtoull(value, &end, 10);
	err = value[0] < '0' || value[0] > '9' || *end || errno || v > UINT32_MAX ? -EINVAL : 0;
	free(value);
	*out = (uint32_t)v;
	return err;
}

int hv_backend_set_state(struct hv_backend *b, int state)
{
	atomic_store(&b->state, state);
	return hv_backend_put(b, b->be, "state", "%d", state);
}

void hv_backend_kick(struct hv_domain *d, evtchn_port_t port, void *opaque)
{
	struct hv_backend *b = opaque;
	uint64_t one = 1;

	(void)d;
	(void)port;
	/* Fails only when the counter is full: then the worker is awake anyway. */
	if (write(b->wake_fd, &one, sizeof(one)) < 0)
		log_debug("%s: wake: %s", b->name, strerror(errno));
}

void hv_backend_wait(struct hv_backend *b, int fd, int timeout_ms)
{
	struct pollfd p[2] = { { .fd = b->wake_fd, .events = POLLIN },
			       { .fd = fd, .events = POLLIN } };
	uint64_t count;

	if (poll(p, 2, timeout_ms) < 0 && errno != EINTR)
		log_warn("%s: poll", b->name);
	if (read(b->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_warn("%s: reading the wake-up eventfd", b->name);
}

static void *worker(void *arg)
{
	struct hv_backend *b = arg;

	b->ops->work(b);
	return NULL;
}

/* Starts the worker (ops work).  Returns 0 or -errno, logged.  b->lock held. */
static int start_worker(struct hv_backend *b)
{
	int err;

	atomic_store(&b->stop, false);
	err = pthread_create(&b->worker, NULL, worker, b);
	if (err) {
		log_warnx("%s: cannot start its thread: %s", b->name, strerror(err));
		return -err;
	}
	b->running = true;
	pthread_setname_np(b->worker, b->thread);
	return 0;
}

/*
 * Stops the worker and waits for it (ops work returns between requests, so
 * that nothing is in flight afterwards).  Nothing if it is not running.
 * b->lock held.
 */
static void stop_worker(struct hv_backend *b)
{
	if (!b->running)
		return;
	atomic_store(&b->stop, true);
	hv_backend_kick(b->d, 0, b);
	pthread_join(b->worker, NULL);
	b->running = false;
}

/* Connects and starts the worker.  b->lock held. */
static int connect_rings(struct hv_backend *b)
{
	int err = b->ops->connect(b);

	if (!err && (err = start_worker(b)))
		b->ops->release(b);
	if (!err)
		b->connected = true;
	return err;
}

/* Stops the worker and lets go of the rings.  b->lock held. */
static void disconnect(struct hv_backend *b)
{
	if (!b->connected)
		return;
	stop_worker(b);
	b->ops->release(b);
	b->connected = false;
	log_info("%s: disconnected", b->name);
}

/* The frontend's state changed (the xenstore thread). */
static void frontend_changed(struct hv_domain *d, const char *path, void *opaque)
{
	struct hv_backend *b = opaque;
	uint32_t state = XenbusStateUnknown;

	(void)d;
	(void)path;
	pthread_mutex_lock(&b->lock);
	if (hv_backend_fe_u32(b, "state", &state))
		state = XenbusStateUnknown; /* gone or garbage: nothing to do */
	switch (state) {
	case XenbusStateInitialising:
		if (atomic_load(&b->state) == XenbusStateClosed)
			hv_backend_set_state(b, XenbusStateInitWait);
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (!b->connected)
			hv_backend_set_state(b, connect_rings(b) ? XenbusStateClosing
								 : XenbusStateConnected);
		break;
	case XenbusStateClosing:
		hv_backend_set_state(b, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		disconnect(b);
		hv_backend_set_state(b, XenbusStateClosed);
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&b->lock);
}

/*
 * Both directories, the backend's first (its state InitWait last: GRUB
 * reads the nodes as soon as it is not InitWait), as the toolstack and
 * the backend leave them.
 */
static int write_nodes(struct hv_backend *b)
{
	int err = make_dir(b, b->be);

	err = err ? err : hv_backend_put(b, b->be, "frontend", "%s", b->fe);
	err = err ? err : hv_backend_put(b, b->be, "frontend-id", "%u", b->d->domid);
	err = err ? err : hv_backend_put(b, b->be, "online", "1");
	err = err ? err : b->ops->nodes(b, b->be);
	err = err ? err : hv_backend_set_state(b, XenbusStateInitWait);
	err = err ? err : make_dir(b, b->fe);
	err = err ? err : hv_backend_put(b, b->fe, "backend", "%s", b->be);
	err = err ? err : hv_backend_put(b, b->fe, "backend-id", "%u", HV_BACKEND_DOMID);
	err = err ? err : b->ops->nodes(b, b->fe);
	return err ? err : hv_backend_put(b, b->fe, "state", "%d", XenbusStateInitialising);
}

/* Frees an instance (its worker not running). */
static void destroy(struct hv_backend *b)
{
	b->ops->fini(b);
	if (b->wake_fd >= 0)
		close(b->wake_fd);
	pthread_mutex_destroy(&b->lock);
	free(b->fe);
	free(b->be);
	free(b);
}

/* The instance of spec, the index-th.  Returns 0 or -errno, logged. */
static int create(struct hv_domain *d, const struct hv_backend_ops *ops, const char *spec,
		  unsigned index, struct hv_backend **out)
{
	struct hv_backend *b = calloc(1, ops->size);
	char msg[256];
	int err;

	if (!b)
		return -ENOMEM;
	b->d = d;
	b->ops = ops;
	b->wake_fd = -1;
	pthread_mutex_init(&b->lock, NULL);
	err = ops->init(b, spec, msg, sizeof(msg));
	if (err)
		log_warnx("%s \"%s\": %s", ops->noun, spec, msg);
	err = err ? err : ops->open(b, index);
	if (!err && (err = write_nodes(b)))
		log_warnx("%s: cannot write its xenstore nodes: %s", b->name, strerror(-err));
	if (err) {
		destroy(b);
		return err;
	}
	*out = b;
	return 0;
}

/* Two instances may not share a device number (xvda and d0 are the same disk). */
static int check_unique(const struct hv_backends *l)
{
	for (unsigned i = 0; i < l->n; i++)
		for (unsigned j = 0; j < i; j++)
			if (l->v[i]->devid == l->v[j]->devid) {
				log_warnx("%s and %s are the same device (%s)", l->v[j]->name,
					  l->v[i]->name, l->v[i]->owner);
				return -EINVAL;
			}
	return 0;
}

/* The path of b's frontend's state node. */
static void state_path(const struct hv_backend *b, char path[256])
{
	snprintf(path, 256, "%s/state", b->fe);
}

int hv_backends_init(struct hv_domain *d, struct hv_backends *l, const struct hv_strlist *specs,
		     const struct hv_backend_ops *ops)
{
	char path[256];
	int err = 0;

	l->n = 0;
	l->v = specs->n ? calloc(specs->n, sizeof(*l->v)) : NULL;
	if (specs->n && !l->v)
		return -ENOMEM;
	for (size_t i = 0; !err && i < specs->n; i++)
		if (!(err = create(d, ops, specs->v[i], (unsigned)i, &l->v[i])))
			l->n++;
	err = err ? err : check_unique(l);
	for (unsigned i = 0; !err && i < l->n; i++) {
		state_path(l->v[i], path);
		if ((err = hv_xs_watch(d, path, frontend_changed, l->v[i])))
			log_warnx("%s: cannot watch %s: %s", l->v[i]->name, path, strerror(-err));
	}
	if (err)
		hv_backends_fini(d, l);
	return err;
}

void hv_backends_fini(struct hv_domain *d, struct hv_backends *l)
{
	char path[256];

	for (unsigned i = 0; i < l->n; i++) {
		struct hv_backend *b = l->v[i];

		state_path(b, path);
		hv_xs_unwatch(d, path, frontend_changed, b);
		pthread_mutex_lock(&b->lock);
		disconnect(b);
		pthread_mutex_unlock(&b->lock);
		destroy(b);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void hv_backends_pause(struct hv_backends *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		pthread_mutex_lock(&l->v[i]->lock);
		stop_worker(l->v[i]);
		pthread_mutex_unlock(&l->v[i]->lock);
	}
}

void hv_backends_unpause(struct hv_domain *d, struct hv_backends *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		struct hv_backend *b = l->v[i];

		pthread_mutex_lock(&b->lock);
		if (b->connected && !b->running && start_worker(b))
			hv_domain_stop(d, HV_STOP_ERROR); /* logged; the guest would hang */
		pthread_mutex_unlock(&b->lock);
	}
}

/* Undoes the reconnections of the first n instances (a later one failed). */
static void undo(struct hv_backends *l, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct hv_backend *b = l->v[i];

		pthread_mutex_lock(&b->lock);
		if (b->connected)
			b->ops->release(b);
		b->connected = false;
		pthread_mutex_unlock(&b->lock);
	}
}

struct wire_hdr {
	uint32_t nr; /* then an entry per instance */
	uint32_t pad;
};
_Static_assert(sizeof(struct wire_hdr) == 8, "backend state header");

int hv_backends_save(struct hv_backends *l, struct hv_state_buf *out)
{
	struct wire_hdr h = { .nr = l->n };
	int err = hv_state_put(out, &h, sizeof(h));

	for (unsigned i = 0; !err && i < l->n; i++) {
		pthread_mutex_lock(&l->v[i]->lock);
		err = l->v[i]->ops->record->save(l->v[i], out);
		pthread_mutex_unlock(&l->v[i]->lock);
	}
	return err;
}

/*
 * Reads and checks every entry of body into w (entries of r->size bytes);
 * held[i] says whether the i-th instance was connected.
 */
static int stage(struct hv_backends *l, const struct hv_backend_record *r, const uint8_t *body,
		 size_t len, uint8_t *w, bool *held)
{
	struct hv_state_in in;
	struct wire_hdr h;
	int err = 0;

	hv_state_in_init(&in, body, len);
	if (hv_state_get(&in, &h, sizeof(h)) || h.pad || h.nr != l->n)
		return -EINVAL;
	for (unsigned i = 0; !err && i < l->n; i++) {
		pthread_mutex_lock(&l->v[i]->lock);
		err = r->read(l->v[i], &in, w + i * r->size);
		held[i] = err == 1;
		if (held[i])
			err = l->v[i]->connected ? -EBUSY : 0;
		pthread_mutex_unlock(&l->v[i]->lock);
	}
	return err ? err : hv_state_in_end(&in);
}

int hv_backends_restore(struct hv_backends *l, const struct hv_backend_ops *ops,
			uint32_t version, const uint8_t *body, size_t len)
{
	const struct hv_backend_record *r = ops->record;
	uint8_t *w;
	bool *held;
	int err;

	if (version != 1)
		return -ENOTSUP;
	w = calloc(l->n ? l->n : 1, r->size + sizeof(*held)); /* the entries, then held */
	if (!w)
		return -ENOMEM;
	held = (bool *)(w + l->n * r->size);
	err = stage(l, r, body, len, w, held);
	for (unsigned i = 0; !err && i < l->n; i++) {
		pthread_mutex_lock(&l->v[i]->lock);
		err = held[i] ? r->reconnect(l->v[i], w + i * r->size) : 0;
		pthread_mutex_unlock(&l->v[i]->lock);
		if (err)
			undo(l, i);
	}
	for (unsigned i = 0; !err && i < l->n; i++) {
		pthread_mutex_lock(&l->v[i]->lock);
		r->adopt(l->v[i], w + i * r->size);
		pthread_mutex_unlock(&l->v[i]->lock);
	}
	free(w);
	return err;
}
