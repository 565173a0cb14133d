/*
 * The control server's operations, one per request type (control_int.h).
 * Each runs on the control thread with c->lock held, reads its payload
 * with the typed reader of ctl_proto.h, and answers with a payload or an
 * error text that says what failed and what state the domain is left in.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control_int.h"
#include "domain.h"
#include "log.h"
#include "xenstore.h"

_Static_assert(HV_GMEM_MAX_REGIONS <= HV_CTL_MAX_REGIONS, "every region fits in a reply");

typedef int (*op_fn)(struct hv_control *c, struct ctl_client *cl, const struct hv_ctl_hdr *h,
		     const uint8_t *p, struct ctl_reply *r);

int hv__ctl_fail(struct ctl_reply *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return err;
}

int hv__ctl_answer(struct ctl_reply *r, const void *p, size_t n)
{
	r->payload = malloc(n);
	if (!r->payload)
		return -ENOMEM;
	memcpy(r->payload, p, n);
	r->len = n;
	r->owned = true;
	return 0;
}

int32_t hv__ctl_stop_reason(int stop)
{
	switch (stop) {
	case HV_STOP_NONE: return HV_CTL_STOP_NONE;
	case HV_STOP_POWEROFF: return HV_CTL_STOP_POWEROFF;
	case HV_STOP_REBOOT: return HV_CTL_STOP_REBOOT;
	case HV_STOP_CRASH: return HV_CTL_STOP_CRASH;
	case HV_STOP_DESTROY: return HV_CTL_STOP_DESTROY;
	default: return HV_CTL_STOP_ERROR;
	}
}

/* What an operation needs of the domain */

int hv__ctl_need_live(struct hv_control *c, struct ctl_reply *r)
{
	if (c->stopped)
		return hv__ctl_fail(r, -ESRCH, "the domain has stopped (%s)",
				    hv_ctl_stop_name(c->stop_reason));
	return 0;
}

static int need_paused(struct hv_control *c, struct ctl_reply *r)
{
	int err = hv__ctl_need_live(c, r);

	if (!err && !c->paused)
		err = hv__ctl_fail(r, -EBUSY, "the domain is running: pause it first");
	return err;
}

static int need_incoming(struct hv_control *c, struct ctl_reply *r)
{
	int err = need_paused(c, r);

	if (!err && !c->incoming)
		err = hv__ctl_fail(r, -EBUSY,
				   "only a domain started with --incoming takes this, "
				   "before it first runs");
	return err;
}

/* Requests */

static int op_hello(struct hv_control *c, struct ctl_client *cl, const struct hv_ctl_hdr *h,
		    const uint8_t *p, struct ctl_reply *r)
{
	struct hv_ctl_hello m;
	int err = hv_ctl_read_hello(h, p, &m);

	(void)c;
	if (err == -EPROTONOSUPPORT)
		return hv__ctl_fail(r, err,
				    "protocol version 0 does not exist (this tern-hv speaks %u)",
				    HV_CTL_VERSION);
	if (err)
		return hv__ctl_fail(r, err, "malformed hello (wrong magic or reserved fields set)");
	if (cl->hello)
		return hv__ctl_fail(r, -EPROTO, "hello was already said on this connection");
	cl->hello = true;
	m.version = m.version < HV_CTL_VERSION ? m.version : HV_CTL_VERSION;
	return hv__ctl_answer(r, &m, sizeof(m));
}

static int op_info(struct hv_control *c, struct ctl_client *cl, const struct hv_ctl_hdr *h,
		   const uint8_t *p, struct ctl_reply *r)
{
	struct hv_domain *d = c->d;
	struct hv_ctl_info m = {
		.domid = d->domid,
		.nr_vcpus = d->nr_vcpus,
		.memory_mib = d->mem.ram_size >> 20,
		.state = c->stopped  ? HV_CTL_STATE_SHUTDOWN
			 : c->paused ? HV_CTL_STATE_PAUSED
				     : HV_CTL_STATE_RUNNING,
		.stop_reason = c->stopped ? c->stop_reason : HV_CTL_STOP_NONE,
		.flags = (c->incoming ? HV_CTL_INFO_INCOMING : 0) |
			 (c->dirty_owner ? HV_CTL_INFO_DIRTY : 0),
		.uptime_ns = hv_domain_time_ns(d),
	};

	(void)cl, (void)h, (void)p;
	memcpy(m.name, d->cfg->name, strnlen(d->cfg->name, sizeof(m.name) - 1));
	return hv__ctl_answer(r, &m, sizeof(m));
}

static int op_pause(struct hv_control *c, struct ctl_client *cl, const struct hv_ctl_hdr *h,
		    const uint8_t *p, struct ctl_reply *r)
{
	int err = hv__ctl_need_live(c, r);

	(void)cl, (void)h, (void)p;
	if (err || c->paused)
		return err;
	hv_domain_pause(c->d);
	c->paused = true;
	log_info("control: domain paused");
	return 0;
}

static int op_unpause(struct hv_control *c, struct ctl_client *cl, const struct hv_ctl_hdr *h,
		      const uint8_t *p, struct ctl_reply *r)
{
	int err = hv__ctl_need_live(c, r);

	(void)cl, (void)h, (void)p;
	if (err || !c->paused)
		return err;
	hv_domain_unpause(c->d);
	c->paused = false;
	c->incoming = false;
	log_info("control: domain unpaused");
	return 0;
}

/*
 * A running domain stops at once; one that already stopped and waits
 * (on_* = "preserve") is released as a SIGTERM would.
 */
static int op_destroy(struct hv_control *c, struct ctl_client *cl, const struct hv_ctl_hdr *h,
		      const uint8_t *p, struct ctl_reply *r)
{
	(void)cl, (void)h, (void)p, (void)r;
	log_info("control: destroying the domain");
	if (c->stopped)
		kill(getpid(), SIGTERM);
	else
		hv_domain_stop(c->d, HV_STOP_DESTROY);
	return 0;
}

/* Asks the guest, as xl does: control/shutdown in its xenstore directory. */
static int op_shutdown(struct hv_control *c, struct ctl_client *cl, const struct hv_ctl_hdr *h,
		       const uint8_t *p, struct ctl_reply *r)
{
	struct hv_ctl_shutdown m;
	const char *what;
	char path[64];
	int err = hv__ctl_need_live(c, r);

	(void)cl;
	if (err)
		return err;
	if (hv_ctl_read_shutdown(h, p, &m))
		return hv__ctl_fail(r, -EINVAL, "unknown shutdown reason");
	what = m.reason == HV_CTL_SHUTDOWN_REBOOT ? "reboot" : "poweroff";
	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", c->d->domid);
	err = hv_xs_write(c->d, path, what);
	if (err)
		return hv__ctl_fail(r, err, "cannot write %s in xenstore: %s", path,
				    strerror(-err));
	log_info("control: asked the guest to %s", what);
	return 0;
}

static int op_subscribe(struct hv_control *c, struct ctl_client *cl, const struct hv_ctl_hdr *h,
			const uint8_t *p, struct ctl_reply *r)
{
	(void)c, (void)h, (void)p, (void)r;
	cl->subscribed = true;
	return 0;
}

/* The memfd offset of each region: RAM as mapped, added frames in order. */
static int op_memory(struct hv_control *c, struct ctl_client *cl, const struct hv_ctl_hdr *h,
		     const uint8_t *p, struct ctl_reply *r)
{
	struct hv_gmem *mem = &c->d->mem;
	struct hv_ctl_memory m = { 0 };
	uint64_t extra = 0;

	(void)cl, (void)h, (void)p;
	pthread_mutex_lock(&mem->lock);
	m.nr_regions = atomic_load(&mem->nr_regions);
	for (unsigned i = 0; i < m.nr_regions; i++) {
		const struct hv_gmem_region *g = &mem->regions[i];

		m.regions[i] = (struct hv_ctl_region){
			.gpa = g->gpa,
			.size = g->size,
			.offset = g->ram ? (uint64_t)(g->host - mem->ram) : extra++ * HV_PAGE_SIZE,
			.fd = g->ram ? 0 : 1,
			.flags = g->ram ? HV_CTL_REGION_RAM : 0,
		};
	}
	r->fds[r->nr_fds++] = mem->ram_fd;
	if (mem->extra_fd >= 0)
		r->fds[r->nr_fds++] = mem->extra_fd;
	m.nr_fds = r->nr_fds;
	pthread_mutex_unlock(&mem->lock);
	return hv__ctl_answer(r, &m, sizeof(m));
}

static int op_populate(struct hv_control *c, struct ctl_client *cl, const struct hv_ctl_hdr *h,
		       const uint8_t *p, struct ctl_reply *r)
{
	struct hv_ctl_populate m;
	int err = need_incoming(c, r);

	(void)cl;
	if (err)
		return err;
	if (hv_ctl_read_populate(h, p, &m))
		return hv__ctl_fail(r, -EINVAL,
				    "malformed populate request (count 1 to %d, frames "
				    "below 2^40)",
				    HV_CTL_MAX_POPULATE);
	for (uint32_t i = 0; i < m.count; i++) {
		err = hv_gmem_add_frame(&c->d->mem, m.gfns[i]);
		if (err)
			return hv__ctl_fail(r, err, "cannot back frame 0x%llx: %s",
					    (unsigned long long)m.gfns[i], strerror(-err));
	}
	return 0;
}

static int op_vcpu_get(struct hv_control *c, struct ctl_client *cl, const struct hv_ctl_hdr *h,
		       const uint8_t *p, struct ctl_reply *r)
{
	struct hv_ctl_vcpu_id m;
	struct hv_vcpu_state s;
	struct hv_ctl_vcpu *w;
	struct hv_vcpu *v;
	int err = need_paused(c, r);

	(void)cl;
	if (err)
		return err;
	if (hv_ctl_read_vcpu_id(h, p, &m))
		return hv__ctl_fail(r, -EINVAL, "malformed vCPU number");
	v = hv_domain_vcpu(c->d, m.vcpu);
	if (!v)
		return hv__ctl_fail(r, -ENOENT, "no vCPU %u (the domain has %u)", m.vcpu,
				    c->d->nr_vcpus);
	err = hv_vcpu_state_get(v, &s);
	if (err)
		return hv__ctl_fail(r, err, "cannot read vCPU %u's state: %s", m.vcpu,
				    strerror(-err));
	w = malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	err = hv_ctl_vcpu_encode(&s, m.vcpu, w);
	if (err) {
		free(w);
		return hv__ctl_fail(r, err, "vCPU %u's state does not fit the wire form", m.vcpu);
	}
	*r = (struct ctl_reply){ .payload = w, .len = sizeof(*w), .owned = true };
	return 0;
}

static int op_vcpu_set(struct hv_control *c, struct ctl_client *cl, const struct hv_ctl_hdr *h,
		       const uint8_t *p, struct ctl_reply *r)
{
	struct hv_vcpu_state s;
	struct hv_vcpu *v;
	unsigned id;
	int err = need_paused(c, r);

	(void)cl;
	if (err)
		return err;
	if (hv_ctl_read_vcpu(h, p, &id, &s))
		return hv__ctl_fail(r, -EINVAL, "malformed vCPU state (wire version %u expected)",
				    HV_CTL_VCPU_VERSION);
	v = hv_domain_vcpu(c->d, id);
	if (!v)
		return hv__ctl_fail(r, -ENOENT, "no vCPU %u (the domain has %u)", id,
				    c->d->nr_vcpus);
	if (s.vcpu_info_gpa && !hv_gmem_is_backed(&c->d->mem, s.vcpu_info_gpa))
		return hv__ctl_fail(r, -EINVAL, "vCPU %u's vcpu_info at 0x%llx is not backed", id,
				    (unsigned long long)s.vcpu_info_gpa);
	err = hv_vcpu_state_set(v, &s);
	if (err)
		return hv__ctl_fail(r, err,
				    "KVM refused vCPU %u's state (%s): it must not run; set a "
				    "good state or destroy the domain",
				    id, strerror(-err));
	return 0;
}

static int op_devices_get(struct hv_control *c, struct ctl_client *cl, const struct hv_ctl_hdr *h,
			  const uint8_t *p, struct ctl_reply *r)
{
	struct hv_state_buf b = { 0 };
	int err = need_paused(c, r);

	(void)cl, (void)h, (void)p;
	if (err)
		return err;
	err = hv_devices_save(c->d, &b);
	if (!err && b.len > HV_CTL_MAX_BLOB)
		err = hv__ctl_fail(r, -E2BIG,
				   "the device state takes %zu bytes, over the %u a message "
				   "may carry",
				   b.len, HV_CTL_MAX_BLOB);
	else if (err)
		err = hv__ctl_fail(r, err, "cannot save the device state: %s", strerror(-err));
	if (err) {
		free(b.data);
		return err;
	}
	*r = (struct ctl_reply){ .payload = b.data, .len = b.len, .owned = true };
	return 0;
}

static int op_devices_set(struct hv_control *c, struct ctl_client *cl, const struct hv_ctl_hdr *h,
			  const uint8_t *p, struct ctl_reply *r)
{
	const uint8_t *blob;
	size_t len;
	int err = need_incoming(c, r);

	(void)cl;
	if (err)
		return err;
	if (c->devices_set)
		return hv__ctl_fail(r, -EALREADY, "the device state was already set");
	if (hv_ctl_read_blob(h, p, &blob, &len))
		return hv__ctl_fail(r, -EINVAL,
				    "malformed device state (not a multiple of 8 bytes)");
	c->devices_set = true;
	err = hv_devices_restore(c->d, blob, len);
	if (err)
		return hv__ctl_fail(r, err,
				    "cannot restore the device state (%s): destroy the domain",
				    strerror(-err));
	return 0;
}

static const op_fn ops[HV_CTL_NR_REQUESTS] = {
	[HV_CTL_HELLO] = op_hello,
	[HV_CTL_INFO] = op_info,
	[HV_CTL_PAUSE] = op_pause,
	[HV_CTL_UNPAUSE] = op_unpause,
	[HV_CTL_DESTROY] = op_destroy,
	[HV_CTL_SHUTDOWN] = op_shutdown,
	[HV_CTL_SUBSCRIBE] = op_subscribe,
	[HV_CTL_MEMORY] = op_memory,
	[HV_CTL_POPULATE] = op_populate,
	[HV_CTL_VCPU_GET] = op_vcpu_get,
	[HV_CTL_VCPU_SET] = op_vcpu_set,
	[HV_CTL_DEVICES_GET] = op_devices_get,
	[HV_CTL_DEVICES_SET] = op_devices_set,
	[HV_CTL_DIRTY_ENABLE] = hv__ctl_dirty_enable,
	[HV_CTL_DIRTY_HARVEST] = hv__ctl_dirty_harvest,
	[HV_CTL_DIRTY_DISABLE] = hv__ctl_dirty_disable,
};

int hv__ctl_serve(struct hv_control *c, struct ctl_client *cl, const struct hv_ctl_hdr *h,
		  const uint8_t *p, struct ctl_reply *r)
{
	if (!cl->hello && h->type != HV_CTL_HELLO) {
		cl->closing = true;
		return hv__ctl_fail(r, -EPROTO, "the first message must be hello");
	}
	return ops[h->type](c, cl, h, p, r);
}
