/*
 * The PV console device (see pvcon.h).
 *
 * One thread moves bytes: the guest's output from the ring to the console
 * (stdout, log, attached terminal), and buffered input into the ring.  It
 * wakes on an eventfd, written by the event-channel callback (on a vCPU
 * thread, which must not block) and by the console when input arrives.
 * Input stays with CONSOLEIO_read until the guest first notifies the
 * console channel, which says it uses the ring; from then on input goes to
 * the ring.  A guest that reads input without notifying (GRUB does) still
 * gets it: while input waits for room the thread looks again every
 * RETRY_MS.
 */
#include "pvcon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "boot.h"
#include "device_state.h"
#include "domain.h"
#include "evtchn.h"
#include "log.h"
#include "pvcon_attach.h"
#include "pvcon_ring.h"
#include "xenstore.h"

#define RETRY_MS 20

struct hv_pvcon {
	struct hv_domain *d;
	evtchn_port_t port;
	int wake_fd;                 /* eventfd: the guest notified, or input */
	int stop_fd;                 /* eventfd: the thread ends */
	pthread_t thread;
	bool running;                /* the thread runs (not while paused) */
	atomic_bool guest_notified;  /* the guest has used the ring */
	bool routed;                 /* input goes to the ring (thread's) */
	bool corrupt_seen;           /* corrupt indices logged (thread's) */
	int log_fd;                  /* console_log, -1: none */
	struct hv_pvcon_attach *attach; /* console_socket, NULL: none */
};

static void wake(struct hv_pvcon *p)
{
	uint64_t one = 1;

	/* Fails only when the counter is full: then the thread is awake. */
	if (write(p->wake_fd, &one, sizeof(one)) < 0)
		log_debug("console: wake: %s", strerror(errno));
}

/* The guest sent on the console channel (a vCPU thread). */
static void guest_sent(struct hv_domain *d, evtchn_port_t port, void *opaque)
{
	struct hv_pvcon *p = opaque;

	(void)d;
	(void)port;
	atomic_store(&p->guest_notified, true);
	wake(p);
}

/* Input arrived (console lock held). */
static void input_arrived(void *opaque)
{
	wake(opaque);
}

static void corrupt(struct hv_pvcon *p, const char *which)
{
	if (p->corrupt_seen)
		return;
	p->corrupt_seen = true;
	log_warnx("console: the guest's %s ring indices are corrupt; its bytes are dropped",
		  which);
}

/* Guest to console.  Returns true if bytes were taken. */
static bool pump_out(struct hv_pvcon *p, struct xencons_interface *ring)
{
	char buf[HV_PVCON_OUT_SIZE];
	ssize_t n = hv_pvcon_ring_read(ring, buf, sizeof(buf));

	if (n < 0) {
		corrupt(p, "output");
		return true; /* out_cons moved: the guest may write again */
	}
	if (n)
		hv_console_write(&p->d->console, buf, (size_t)n);
	return n > 0;
}

/* Console to guest.  Returns true if bytes were given. */
static bool pump_in(struct hv_pvcon *p, struct xencons_interface *ring)
{
	char buf[HV_PVCON_IN_SIZE];
	size_t room, n;

	if (hv_pvcon_ring_room(ring, &room)) {
		corrupt(p, "input");
		return false;
	}
	n = hv_console_take_input(&p->d->console, buf, room);
	if (n && hv_pvcon_ring_write(ring, buf, n) < 0)
		corrupt(p, "input");
	return n > 0;
}

/* The ring page, mapped for writing (backed by init: never NULL). */
static struct xencons_interface *ring_map(struct hv_pvcon *p)
{
	return hv_gmem_map(&p->d->mem, HV_CONSOLE_GFN << HV_PAGE_SHIFT,
			   sizeof(struct xencons_interface), true);
}

/*
 * Moves what can be moved each way and notifies the guest if anything
 * moved.  Returns true if input is left waiting for room in the ring.
 */
static bool pump(struct hv_pvcon *p)
{
	struct hv_domain *d = p->d;
	struct xencons_interface *ring;
	bool moved;

	if (!p->routed && atomic_load(&p->guest_notified)) {
		hv_console_route_input(&d->console, input_arrived, p);
		p->routed = true;
		log_info("console: the guest uses the ring; input goes there");
	}
	ring = ring_map(p);
	moved = pump_out(p, ring);
	if (p->routed && pump_in(p, ring))
		moved = true;
	if (moved)
		hv_evtchn_notify(d, p->port);
	return p->routed && hv_console_input_pending(&d->console);
}

static void *run(void *arg)
{
	struct hv_pvcon *p = arg;
	struct pollfd fds[2] = { { .fd = p->wake_fd, .events = POLLIN },
				 { .fd = p->stop_fd, .events = POLLIN } };
	int timeout = -1;

	for (;;) {
		uint64_t count;
		int n = poll(fds, 2, timeout);

		if (n < 0 && errno != EINTR) {
			log_warn("console: poll");
			break;
		}
		if (fds[1].revents)
			break;
		if (fds[0].revents && read(p->wake_fd, &count, sizeof(count)) < 0)
			log_debug("console: wake read: %s", strerror(errno));
		timeout = pump(p) ? RETRY_MS : -1;
	}
	return NULL;
}

/* Writes one node below the console directory, readable by the guest. */
static int node(struct hv_domain *d, const char *dir, const char *key, const char *value,
		const char *perms)
{
	char path[96];
	int err;

	snprintf(path, sizeof(path), "%s%s%s", dir, *key ? "/" : "", key);
	err = hv_xs_write(d, path, value);
	if (!err)
		err = hv_xs_set_perms(d, path, perms);
	return err;
}

/* /local/domain/<id>/console, as xl writes it for the primary console. */
static int publish(struct hv_pvcon *p)
{
	struct hv_domain *d = p->d;
	char dir[48], perms[24], ring_ref[24], port[16];
	int err;

	snprintf(dir, sizeof(dir), "/local/domain/%u/console", d->domid);
	snprintf(perms, sizeof(perms), "n0 r%u", d->domid);
	snprintf(ring_ref, sizeof(ring_ref), "%llu", (unsigned long long)HV_CONSOLE_GFN);
	snprintf(port, sizeof(port), "%u", p->port);
	err = node(d, dir, "", "", perms);
	if (!err)
		err = node(d, dir, "ring-ref", ring_ref, perms);
	if (!err)
		err = node(d, dir, "port", port, perms);
	if (!err)
		err = node(d, dir, "type", "xenconsoled", perms);
	if (err) {
		errno = -err;
		log_warn("console: cannot write %s in xenstore", dir);
	}
	return err;
}

/* The ring page and its channel, handed to the guest in HVM params. */
static int connect_ring(struct hv_pvcon *p)
{
	struct hv_domain *d = p->d;
	int err = hv_gmem_add_frame(&d->mem, HV_CONSOLE_GFN);

	if (err) {
		errno = -err;
		log_warn("console: cannot back the ring page");
		return err;
	}
	err = hv_evtchn_alloc_backend(d, "console", guest_sent, p, &p->port);
	if (err) {
		log_warnx("console: no event channel left");
		return err;
	}
	pthread_mutex_lock(&d->lock);
	d->hvm_params[HVM_PARAM_CONSOLE_PFN] = HV_CONSOLE_GFN;
	d->hvm_params[HVM_PARAM_CONSOLE_EVTCHN] = p->port;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/* The configured log file and attach socket. */
static int open_host_side(struct hv_pvcon *p)
{
	const struct hv_config *cfg = p->d->cfg;

	if (cfg->console_log) {
		p->log_fd = open(cfg->console_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (p->log_fd < 0) {
			int err = -errno;

			log_warn("console: cannot open the log %s", cfg->console_log);
			return err;
		}
		hv_console_set_log(&p->d->console, p->log_fd);
	}
	if (cfg->console_socket)
		return hv_pvcon_attach_start(&p->d->console, cfg->console_socket, &p->attach);
	return 0;
}

static void close_host_side(struct hv_pvcon *p)
{
	if (p->attach)
		hv_pvcon_attach_stop(p->attach);
	if (p->log_fd >= 0) {
		hv_console_set_log(&p->d->console, -1);
		close(p->log_fd);
	}
}

static void pvcon_free(struct hv_pvcon *p)
{
	if (p->port)
		hv_evtchn_unbind_backend(p->d, p->port);
	if (p->wake_fd >= 0)
		close(p->wake_fd);
	if (p->stop_fd >= 0)
		close(p->stop_fd);
	p->d->pvcon = NULL;
	free(p);
}

/* Starts the thread.  Returns 0 or -errno. */
static int start(struct hv_pvcon *p)
{
	int err = pthread_create(&p->thread, NULL, run, p);

	p->running = !err;
	return -err;
}

/* Stops the thread (if it runs) and waits for it. */
static void stop(struct hv_pvcon *p)
{
	uint64_t count;

	if (!p->running)
		return;
	count = 1;
	if (write(p->stop_fd, &count, sizeof(count)) < 0)
		log_warn("console: cannot stop its thread");
	pthread_join(p->thread, NULL);
	p->running = false;
	if (read(p->stop_fd, &count, sizeof(count)) < 0) /* for the next start */
		log_warn("console: reading the stop eventfd");
}

static int pvcon_init(struct hv_domain *d)
{
	struct hv_pvcon *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	*p = (struct hv_pvcon){ .d = d, .log_fd = -1 };
	d->pvcon = p;
	p->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (p->wake_fd < 0 || p->stop_fd < 0) {
		err = -errno;
		goto err_free;
	}
	err = connect_ring(p);
	if (!err)
		err = publish(p);
	if (!err)
		err = open_host_side(p);
	if (err)
		goto err_host;
	err = start(p);
	if (!err)
		return 0;
	log_warnx("console: cannot start its thread");
err_host:
	close_host_side(p);
err_free:
	pvcon_free(p);
	return err;
}

static void pvcon_exit(struct hv_domain *d)
{
	struct hv_pvcon *p = d->pvcon;

	stop(p);
	pump_out(p, ring_map(p)); /* what the guest wrote just before it stopped */
	hv_console_route_input(&d->console, NULL, NULL);
	close_host_side(p);
	pvcon_free(p);
}

/* Pause and restore (docs/stream-format.md) */

/* The thread stops: the ring is not touched while the domain is paused. */
static void pvcon_pause(struct hv_domain *d)
{
	stop(d->pvcon);
}

/*
 * The thread starts again and looks at the ring at once: after a restore
 * the guest may have left output there and may read input without ever
 * notifying again.
 */
static void pvcon_unpause(struct hv_domain *d)
{
	int err = start(d->pvcon);

	if (err) {
		log_warnx("console: cannot restart its thread: %s", strerror(-err));
		hv_domain_stop(d, HV_STOP_ERROR);
		return;
	}
	wake(d->pvcon);
}

/*
 * The ring and its indices are guest memory.  The backend keeps which port
 * is the ring's and whether the guest has used the ring (then input goes
 * there).  Input typed but not yet taken by the guest is the terminal's,
 * not the guest's: it is not carried.
 */
struct wire {
	uint32_t port;
	uint8_t guest_notified;
	uint8_t pad[3];
};
_Static_assert(sizeof(struct wire) == 8, "console state");

static int pvcon_save(struct hv_domain *d, struct hv_state_buf *out)
{
	struct wire w = { .port = d->pvcon->port,
			  .guest_notified = atomic_load(&d->pvcon->guest_notified) };

	return hv_state_put(out, &w, sizeof(w));
}

static int pvcon_restore(struct hv_domain *d, uint32_t version, const uint8_t *body,
			 size_t len)
{
	struct hv_pvcon *p = d->pvcon;
	struct wire w;

	if (version != 1)
		return -ENOTSUP;
	if (len != sizeof(w))
		return -EINVAL;
	memcpy(&w, body, sizeof(w));
	if (w.guest_notified > 1 || !hv_state_zero(w.pad, sizeof(w.pad)) ||
	    hv_evtchn_restore_backend(d, w.port, "console", guest_sent, p))
		return -EINVAL;
	p->port = w.port;
	atomic_store(&p->guest_notified, w.guest_notified);
	pthread_mutex_lock(&d->lock);
	d->hvm_params[HVM_PARAM_CONSOLE_EVTCHN] = p->port;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

const struct hv_device hv_pvcon_device = {
	.name = "console", .prio = HV_PRIO_BACKEND, .init = pvcon_init, .exit = pvcon_exit,
	.pause = pvcon_pause, .unpause = pvcon_unpause,
	.state_id = HV_STATE_CONSOLE, .state_version = 1,
	.save = pvcon_save, .restore = pvcon_restore,
};
HV_DEVICE(hv_pvcon_device);
