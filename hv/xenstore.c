/*
 * The xenstore device: one thread serves the guest's ring, the dom0 socket
 * and the in-process watches; the store's lock serialises it with the
 * backends that call the hv_xs_* functions from their own threads.
 */
#include "xenstore.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "boot.h"
#include "domain.h"
#include "evtchn.h"
#include "log.h"
#include "xs_conn.h"
#include "xs_ring.h"
#include "xs_socket.h"
#include "xs_state.h"
#include "xs_watch.h"

struct hv_xenstore {
	struct hv_domain *d;
	pthread_mutex_t lock;
	pthread_cond_t callback_done;
	/* Below: protected by lock. */
	struct xs_server srv;
	struct xs_conn guest;
	struct xs_ring ring;
	struct xs_socket sock;
	hv_xs_watch_fn running_fn;    /* the callback running now, if any */
	void *running_opaque;

	/* Below: set up before the thread starts (or by a restore while it is stopped). */
	evtchn_port_t port;
	bool port_bound;
	int epoll_fd;
	int wake_fd;                  /* guest notifications and API kicks */
	int stop_fd;
	pthread_t thread;
	bool thread_started;          /* and not stopped by a pause; under lock */
};

static const struct xs_caller dom0 = { .domid = 0, .priv = true };

static void kick(struct hv_xenstore *xs)
{
	uint64_t one = 1;

	if (write(xs->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("xenstore: cannot wake the xenstore thread");
}

/* The guest sent on the ring's port: runs on a vCPU thread, must not block. */
static void guest_notify(struct hv_domain *d, evtchn_port_t port, void *opaque)
{
	(void)d;
	(void)port;
	kick(opaque);
}

/* Moves everything that can move: ring, sockets.  Lock held. */
static void serve(struct hv_xenstore *xs)
{
	unsigned flags = xs_ring_service(&xs->ring);

	if ((flags & XS_RING_NOTIFY) && xs->port_bound)
		hv_evtchn_notify(xs->d, xs->port);
	if (flags & XS_RING_AGAIN)
		kick(xs);
	xs_socket_flush(&xs->sock);
}

/* Runs the queued in-process watch callbacks, without the lock. */
static void run_callbacks(struct hv_xenstore *xs)
{
	pthread_mutex_lock(&xs->lock);
	while (xs->srv.callbacks) {
		struct xs_callback *cb = xs->srv.callbacks;

		xs->srv.callbacks = cb->next;
		if (!xs->srv.callbacks)
			xs->srv.callbacks_tail = &xs->srv.callbacks;
		xs->running_fn = cb->fn;
		xs->running_opaque = cb->opaque;
		pthread_mutex_unlock(&xs->lock);
		cb->fn(xs->d, cb->path, cb->opaque);
		free(cb);
		pthread_mutex_lock(&xs->lock);
		xs->running_fn = NULL;
		pthread_cond_broadcast(&xs->callback_done);
	}
	pthread_mutex_unlock(&xs->lock);
}

/* Handles one batch of epoll events; returns false when told to stop. */
static bool handle(struct hv_xenstore *xs, const struct epoll_event *ev, int n)
{
	uint64_t count;

	pthread_mutex_lock(&xs->lock);
	for (int i = 0; i < n; i++) {
		void *p = ev[i].data.ptr;

		if (p == &xs->stop_fd) {
			pthread_mutex_unlock(&xs->lock);
			return false;
		}
		if (p == &xs->wake_fd) {
			if (read(xs->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
				log_warn("xenstore: reading the wake-up eventfd");
		} else {
			xs_socket_event(&xs->sock, p, ev[i].events);
		}
	}
	serve(xs);
	pthread_mutex_unlock(&xs->lock);
	return true;
}

static void *thread_main(void *arg)
{
	struct hv_xenstore *xs = arg;
	struct epoll_event ev[16];

	for (;;) {
		int n = epoll_wait(xs->epoll_fd, ev, 16, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_warn("xenstore: epoll_wait");
			hv_domain_stop(xs->d, HV_STOP_ERROR);
			break;
		}
		if (!handle(xs, ev, n))
			break;
		run_callbacks(xs);
	}
	return NULL;
}

/*
 * Parses permissions written as in hv/xenstore.h ("n0 r1") into p (caller
 * frees p->v).  Returns 0 or -EINVAL.
 */
static int parse_perms_text(const char *text, struct xs_perms *p)
{
	char buf[256];
	unsigned n = 1;

	if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf))
		return -EINVAL;
	for (char *c = buf; *c; c++) {
		if (*c == ' ') {
			*c = '\0';
			n++;
		}
	}
	return xs_perms_parse(p, buf, n);
}

/* One node of the initial layout: path, value, permissions. */
static int put(struct xs_server *s, const char *path, const char *value, const char *perms)
{
	struct xs_perms p;
	int err = parse_perms_text(perms, &p);

	if (err)
		return err;
	if (!xs_tree_put(&s->tree, path, value, strlen(value), &p))
		err = -ENOMEM;
	free(p.v);
	return err;
}

/*
 * The tree a domain starts with, as libxl makes it: the domain's directory
 * is dom0's and readable by the guest (it cannot rename itself), the
 * directories the guest writes in are its own.
 */
static int write_layout(struct xs_server *s, const struct hv_domain *d)
{
	char path[64], id[8], ro[32], rw[16], kib[24], max_kib[24];
	const struct { const char *name, *value, *perms; } nodes[] = {
		{ "", "", ro },
		{ "name", d->cfg->name, ro },
		{ "domid", id, ro },
		{ "memory", "", ro },
		{ "memory/target", kib, ro },
		{ "memory/static-max", max_kib, ro },
		{ "control", "", rw },
		{ "control/platform-feature-xs_reset_watches", "1", ro },
		{ "device", "", rw },
		{ "console", "", rw },
		{ "data", "", rw },
	};
	int err;

	snprintf(id, sizeof(id), "%u", d->domid);
	snprintf(ro, sizeof(ro), "n0 r%u", d->domid);
	snprintf(rw, sizeof(rw), "n%u", d->domid);
	snprintf(kib, sizeof(kib), "%llu", (unsigned long long)d->cfg->memory * 1024);
	snprintf(max_kib, sizeof(max_kib), "%llu",
		 (unsigned long long)hv_config_maxmem(d->cfg) * 1024);
	err = put(s, "/local/domain/0/name", "Domain-0", "n0");
	if (!err)
		err = put(s, "/local/domain/0/domid", "0", "n0");
	if (!err)
		err = put(s, "/local/domain/0/backend", "", "n0");
	for (size_t i = 0; !err && i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(path, sizeof(path), "/local/domain/%s%s%s", id,
			 nodes[i].name[0] ? "/" : "", nodes[i].name);
		err = put(s, path, nodes[i].value, nodes[i].perms);
	}
	return err;
}

/* Sets up the guest's ring page, its event channel and HVM params. */
static int ring_init(struct hv_xenstore *xs)
{
	struct hv_domain *d = xs->d;
	int err;

	err = hv_gmem_add_frame(&d->mem, HV_XENSTORE_GFN);
	if (!err)
		err = xs_ring_init(&xs->ring, &d->mem, HV_XENSTORE_GFN << HV_PAGE_SHIFT,
				   &xs->guest);
	if (!err)
		err = hv_evtchn_alloc_backend(d, "xenstore", guest_notify, xs, &xs->port);
	if (err) {
		log_warnx("xenstore: cannot set up the guest's ring: %s", strerror(-err));
		return err;
	}
	xs->port_bound = true;
	pthread_mutex_lock(&d->lock);
	d->hvm_params[HVM_PARAM_STORE_PFN] = HV_XENSTORE_GFN;
	d->hvm_params[HVM_PARAM_STORE_EVTCHN] = xs->port;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/* The eventfds and the epoll set of the thread. */
static int events_init(struct hv_xenstore *xs)
{
	struct epoll_event stop = { .events = EPOLLIN, .data.ptr = &xs->stop_fd };
	struct epoll_event wake = { .events = EPOLLIN, .data.ptr = &xs->wake_fd };

	xs->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	xs->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	xs->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (xs->epoll_fd < 0 || xs->wake_fd < 0 || xs->stop_fd < 0 ||
	    epoll_ctl(xs->epoll_fd, EPOLL_CTL_ADD, xs->stop_fd, &stop) < 0 ||
	    epoll_ctl(xs->epoll_fd, EPOLL_CTL_ADD, xs->wake_fd, &wake) < 0) {
		log_warn("xenstore: cannot set up the thread's events");
		return -errno;
	}
	return 0;
}

static void xenstore_free(struct hv_xenstore *xs)
{
	xs_socket_close(&xs->sock);
	if (xs->port_bound)
		hv_evtchn_unbind_backend(xs->d, xs->port);
	if (xs->epoll_fd >= 0)
		close(xs->epoll_fd);
	if (xs->wake_fd >= 0)
		close(xs->wake_fd);
	if (xs->stop_fd >= 0)
		close(xs->stop_fd);
	xs_server_destroy(&xs->srv);
	pthread_cond_destroy(&xs->callback_done);
	pthread_mutex_destroy(&xs->lock);
	free(xs);
}

/* Everything but the thread; on error everything made is released. */
static int xenstore_setup(struct hv_domain *d, struct hv_xenstore **out)
{
	struct hv_xenstore *xs = calloc(1, sizeof(*xs));
	int err;

	if (!xs)
		return -ENOMEM;
	xs->d = d;
	xs->epoll_fd = xs->wake_fd = xs->stop_fd = xs->sock.l.fd = -1;
	pthread_mutex_init(&xs->lock, NULL);
	pthread_cond_init(&xs->callback_done, NULL);
	err = xs_server_init(&xs->srv, d, (uint16_t)d->domid);
	if (!err)
		err = write_layout(&xs->srv, d);
	if (err) {
		log_warnx("xenstore: cannot build the store: %s", strerror(-err));
		goto err_free;
	}
	xs_conn_init(&xs->guest, &xs->srv, &(struct xs_caller){ .domid = (uint16_t)d->domid });
	xs->srv.guest = &xs->guest;
	xs->srv.guest_introduced = true;
	err = events_init(xs);
	if (!err)
		err = ring_init(xs);
	if (!err && d->cfg->xenstore_socket)
		err = xs_socket_open(&xs->sock, &xs->srv, d->cfg->xenstore_socket, xs->epoll_fd);
	if (err)
		goto err_free;
	*out = xs;
	return 0;

err_free:
	xenstore_free(xs);
	return err;
}

/* Starts the thread.  Returns 0 or -errno, logged. */
static int start(struct hv_xenstore *xs)
{
	int err = -pthread_create(&xs->thread, NULL, thread_main, xs);

	if (err) {
		log_warnx("xenstore: cannot start its thread: %s", strerror(-err));
		return err;
	}
	pthread_mutex_lock(&xs->lock);
	xs->thread_started = true;
	pthread_mutex_unlock(&xs->lock);
	return 0;
}

/* Stops the thread (if it runs) and waits for it; the next start may follow. */
static void stop(struct hv_xenstore *xs)
{
	uint64_t count = 1;

	if (!xs->thread_started)
		return;
	if (write(xs->stop_fd, &count, sizeof(count)) < 0)
		log_warn("xenstore: cannot stop its thread");
	pthread_join(xs->thread, NULL);
	if (read(xs->stop_fd, &count, sizeof(count)) < 0)
		log_warn("xenstore: reading the stop eventfd");
	pthread_mutex_lock(&xs->lock);
	xs->thread_started = false;
	pthread_mutex_unlock(&xs->lock);
}

int hv_xenstore_init(struct hv_domain *d)
{
	struct hv_xenstore *xs;
	int err;

	if (d->domid == 0 || d->domid > XS_DOMID_MAX) {
		log_warnx("xenstore: domain id %u cannot be a guest's", d->domid);
		return -EINVAL;
	}
	err = xenstore_setup(d, &xs);
	if (err)
		return err;
	err = start(xs);
	if (err) {
		xenstore_free(xs);
		return err;
	}
	d->xs = xs;
	return 0;
}

void hv_xenstore_exit(struct hv_domain *d)
{
	struct hv_xenstore *xs = d->xs;

	if (!xs)
		return;
	stop(xs);
	d->xs = NULL;
	xenstore_free(xs);
}

/* Pause and restore (xs_state.h, docs/stream-format.md) */

/*
 * The thread stops: neither the ring nor the store changes while the
 * domain is paused (dom0 clients wait in their sockets).  Backends may
 * still call in, from their own threads, until they pause.
 */
static void xs_pause(struct hv_domain *d)
{
	stop(d->xs);
}

/* The thread starts again and looks at once for work left. */
static void xs_unpause(struct hv_domain *d)
{
	if (start(d->xs)) {
		hv_domain_stop(d, HV_STOP_ERROR);
		return;
	}
	kick(d->xs);
}

static int xs_save(struct hv_domain *d, struct hv_state_buf *out)
{
	struct hv_xenstore *xs = d->xs;
	int err;

	pthread_mutex_lock(&xs->lock);
	err = xs_state_save(out, &xs->srv, &xs->ring, xs->port);
	pthread_mutex_unlock(&xs->lock);
	return err;
}

/* Checks the whole record, takes the ring's port back, then replaces the state. */
static int xs_restore(struct hv_domain *d, uint32_t version, const uint8_t *body, size_t len)
{
	struct hv_xenstore *xs = d->xs;
	struct xs_state st;
	int err;

	if (version != 1)
		return -ENOTSUP;
	pthread_mutex_lock(&xs->lock);
	err = xs_state_stage(&st, &xs->srv, body, len);
	pthread_mutex_unlock(&xs->lock);
	if (err)
		return err;
	if (hv_evtchn_restore_backend(d, st.port, "xenstore", guest_notify, xs)) {
		xs_state_discard(&st);
		return -EINVAL;
	}
	pthread_mutex_lock(&xs->lock);
	xs->port = st.port;
	xs_state_apply(&st, &xs->srv, &xs->ring);
	pthread_mutex_unlock(&xs->lock);
	pthread_mutex_lock(&d->lock);
	d->hvm_params[HVM_PARAM_STORE_EVTCHN] = xs->port;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static const struct hv_device xenstore_device = {
	.name = "xenstore",
	.prio = HV_PRIO_STORE,
	.init = hv_xenstore_init,
	.exit = hv_xenstore_exit,
	.pause = xs_pause,
	.unpause = xs_unpause,
	.state_id = HV_STATE_XENSTORE,
	.state_version = 1,
	.save = xs_save,
	.restore = xs_restore,
};
HV_DEVICE(xenstore_device);

/* Takes the lock of d's store; returns NULL (-ENODEV) if d has none. */
static struct hv_xenstore *lock_store(struct hv_domain *d, const char *path, int *err)
{
	struct hv_xenstore *xs = d->xs;

	*err = 0;
	if (!xs)
		*err = -ENODEV;
	else if (!xs_path_valid(path))
		*err = -EINVAL;
	if (*err)
		return NULL;
	pthread_mutex_lock(&xs->lock);
	return xs;
}

/* Fires the watches of a change, unlocks, and lets the thread deliver. */
static int unlock_store(struct hv_xenstore *xs, const char *path, const struct xs_change *ch,
			int err)
{
	if (!err)
		xs_watch_fire(&xs->srv, path, ch);
	pthread_mutex_unlock(&xs->lock);
	if (!err && ch->changed)
		kick(xs);
	return err;
}

int hv_xs_write(struct hv_domain *d, const char *path, const char *value)
{
	struct xs_change ch;
	int err;
	struct hv_xenstore *xs = lock_store(d, path, &err);

	if (!xs)
		return err;
	err = xs_op_write(&xs->srv.tree, &xs->srv.quota, &dom0, path, value, strlen(value), &ch);
	return unlock_store(xs, path, &ch, err);
}

int hv_xs_printf(struct hv_domain *d, const char *path, const char *fmt, ...)
{
	char *value;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vasprintf(&value, fmt, ap);
	va_end(ap);
	if (err < 0)
		return -ENOMEM;
	err = hv_xs_write(d, path, value);
	free(value);
	return err;
}

int hv_xs_read(struct hv_domain *d, const char *path, char **value)
{
	const struct xs_node *n;
	int err;
	struct hv_xenstore *xs = lock_store(d, path, &err);

	if (!xs)
		return err;
	err = xs_op_get(&xs->srv.tree, &dom0, path, &n);
	if (!err) {
		*value = malloc(n->len + 1);
		if (*value) {
			if (n->len) /* an empty node may have no buffer at all */
				memcpy(*value, n->value, n->len);
			(*value)[n->len] = '\0';
		} else {
			err = -ENOMEM;
		}
	}
	pthread_mutex_unlock(&xs->lock);
	return err;
}

int hv_xs_rm(struct hv_domain *d, const char *path)
{
	struct xs_change ch;
	int err;
	struct hv_xenstore *xs = lock_store(d, path, &err);

	if (!xs)
		return err;
	err = xs_op_rm(&xs->srv.tree, &dom0, path, &ch);
	return unlock_store(xs, path, &ch, err);
}

int hv_xs_set_perms(struct hv_domain *d, const char *path, const char *perms)
{
	struct xs_perms p;
	struct xs_change ch;
	struct hv_xenstore *xs;
	int err = parse_perms_text(perms, &p);

	if (err)
		return err;
	xs = lock_store(d, path, &err);
	if (xs) {
		err = xs_op_set_perms(&xs->srv.tree, &xs->srv.quota, &dom0, path, &p, &ch);
		err = unlock_store(xs, path, &ch, err);
	}
	free(p.v);
	return err;
}

int hv_xs_watch(struct hv_domain *d, const char *path, hv_xs_watch_fn fn, void *opaque)
{
	int err;
	struct hv_xenstore *xs = lock_store(d, path, &err);

	if (!xs)
		return err;
	err = xs_watch_add_fn(&xs->srv, path, fn, opaque);
	pthread_mutex_unlock(&xs->lock);
	if (!err)
		kick(xs);
	return err;
}

void hv_xs_unwatch(struct hv_domain *d, const char *path, hv_xs_watch_fn fn, void *opaque)
{
	int err;
	struct hv_xenstore *xs = lock_store(d, path, &err);

	if (!xs)
		return;
	xs_watch_remove_fn(&xs->srv, path, fn, opaque);
	/* Let a call of fn that is running end, unless it is the caller. */
	while (xs->thread_started && !pthread_equal(pthread_self(), xs->thread) &&
	       xs->running_fn == fn && xs->running_opaque == opaque)
		pthread_cond_wait(&xs->callback_done, &xs->lock);
	pthread_mutex_unlock(&xs->lock);
}
