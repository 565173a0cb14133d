/*
 * The event channels' sub-record (docs/stream-format.md): every port that
 * is not closed, with its binding; a backend's port names its owner, who
 * takes it back after the restore (hv_evtchn_restore_backend).  The
 * pending and mask bits are in shared_info and vcpu_info, guest memory
 * that travels with the pages; the record says which word size they have.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device_state.h"
#include "domain.h"
#include "evtchn_int.h"
#include "log.h"

#define OWNER_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_-"

struct wire_hdr {
	uint32_t nr_ports;
	uint8_t compat;  /* 1: 32-bit words in shared_info (a 32-bit guest placed it) */
	uint8_t pad[3];
};
_Static_assert(sizeof(struct wire_hdr) == 8, "evtchn state header");

struct wire_port {
	uint32_t port;
	uint32_t vcpu;
	uint32_t virq;
	uint32_t remote;
	uint16_t remote_dom;
	uint8_t state;   /* EVTCHNSTAT_*, never closed */
	uint8_t pad;
	char owner[24];  /* NUL-padded; a backend's port only */
};
_Static_assert(sizeof(struct wire_port) == 44, "evtchn state port");
_Static_assert(HV_EVTCHN_OWNER_MAX == sizeof(((struct wire_port *)0)->owner),
	       "owner names fit the wire");

int hv__evtchn_save(struct hv_domain *d, struct hv_state_buf *out)
{
	struct hv_evtchn *e = d->evtchn;
	struct wire_hdr h = { .compat = __atomic_load_n(&d->shinfo_compat, __ATOMIC_ACQUIRE) };
	int err;

	pthread_mutex_lock(&e->lock);
	for (unsigned i = 1; i < EVTCHN_2L_NR_CHANNELS; i++)
		h.nr_ports += e->ports[i].state != EVTCHNSTAT_closed;
	err = hv_state_put(out, &h, sizeof(h));
	for (unsigned i = 1; !err && i < EVTCHN_2L_NR_CHANNELS; i++) {
		const struct hv_evtchn_port *p = &e->ports[i];
		struct wire_port w = { .port = i, .vcpu = p->vcpu, .virq = p->virq,
				       .remote = p->remote, .remote_dom = p->remote_dom,
				       .state = p->state };

		if (p->state == EVTCHNSTAT_closed)
			continue;
		memcpy(w.owner, p->owner, sizeof(w.owner));
		err = hv_state_put(out, &w, sizeof(w));
	}
	pthread_mutex_unlock(&e->lock);
	return err;
}

/* A restored table, built and checked before it replaces the live one. */
struct staged {
	struct hv_evtchn_port ports[EVTCHN_2L_NR_CHANNELS];
	evtchn_port_t virq[HV_CONFIG_MAX_VCPUS][NR_VIRQS];
};

/* True if owner (the wire's bytes) is a name, NUL-padded. */
static bool owner_valid(const char *owner, size_t size)
{
	size_t len = strnlen(owner, size);

	return len < size && strspn(owner, OWNER_CHARS) == len &&
	       hv_state_zero(owner + len, size - len);
}

/* Checks the binding of one port against the domain. */
static bool binding_valid(const struct hv_domain *d, const struct wire_port *w)
{
	bool owned = w->owner[0] != '\0';

	if (owned && (w->state != EVTCHNSTAT_interdomain || w->remote_dom != HV_BACKEND_DOMID))
		return false;
	switch (w->state) {
	case EVTCHNSTAT_unbound:
		return !w->virq && !w->remote;
	case EVTCHNSTAT_interdomain:
		if (owned)
			return !w->virq && !w->remote;
		/* A loopback channel within the guest: its peer is checked later. */
		return !w->virq && w->remote_dom == d->domid && w->remote && w->remote != w->port;
	case EVTCHNSTAT_virq:
		return w->virq < NR_VIRQS && !w->remote && !w->remote_dom;
	case EVTCHNSTAT_ipi:
		return !w->virq && !w->remote && !w->remote_dom;
	default:
		return false;
	}
}

/* Reads and checks one port into s; prev is the port before it. */
static int stage_port(const struct hv_domain *d, struct staged *s, struct hv_state_in *in,
		      uint32_t prev, uint32_t limit, uint32_t *port)
{
	struct wire_port w;
	struct hv_evtchn_port *p;
	evtchn_port_t *virq;

	if (hv_state_get(in, &w, sizeof(w)) || w.pad || w.port <= prev || w.port >= limit ||
	    w.vcpu >= d->nr_vcpus || !owner_valid(w.owner, sizeof(w.owner)) ||
	    !binding_valid(d, &w) || (w.state == EVTCHNSTAT_interdomain && w.remote >= limit))
		return -EINVAL;
	if (w.state == EVTCHNSTAT_virq) {
		virq = &s->virq[hv__evtchn_virq_row(w.virq, w.vcpu)][w.virq];
		if (*virq)
			return -EINVAL; /* two ports for one VIRQ */
		*virq = w.port;
	}
	p = &s->ports[w.port];
	*p = (struct hv_evtchn_port){ .state = w.state, .vcpu = w.vcpu,
				      .remote_dom = w.remote_dom, .remote = w.remote,
				      .virq = w.virq };
	memcpy(p->owner, w.owner, sizeof(p->owner));
	*port = w.port;
	return 0;
}

/* Every loopback port's peer must be a loopback port that points back. */
static bool peers_valid(const struct staged *s)
{
	for (unsigned i = 1; i < EVTCHN_2L_NR_CHANNELS; i++) {
		const struct hv_evtchn_port *p = &s->ports[i], *r;

		if (p->state != EVTCHNSTAT_interdomain || p->owner[0])
			continue;
		r = &s->ports[p->remote];
		if (r->state != EVTCHNSTAT_interdomain || r->owner[0] || r->remote != i)
			return false;
	}
	return true;
}

static int stage(const struct hv_domain *d, struct staged *s, const uint8_t *body, size_t len,
		 bool *compat)
{
	struct hv_state_in in;
	struct wire_hdr h;
	uint32_t limit, prev = 0;

	hv_state_in_init(&in, body, len);
	if (hv_state_get(&in, &h, sizeof(h)) || h.compat > 1 || !hv_state_zero(h.pad, 3))
		return -EINVAL;
	limit = h.compat ? HV_EVTCHN_NR_PORTS_32 : EVTCHN_2L_NR_CHANNELS;
	if (h.nr_ports >= limit)
		return -EINVAL;
	for (uint32_t i = 0; i < h.nr_ports; i++)
		if (stage_port(d, s, &in, prev, limit, &prev))
			return -EINVAL;
	if (hv_state_in_end(&in) || !peers_valid(s))
		return -EINVAL;
	*compat = h.compat;
	return 0;
}

int hv__evtchn_restore(struct hv_domain *d, uint32_t version, const uint8_t *body, size_t len)
{
	struct hv_evtchn *e = d->evtchn;
	struct staged *s;
	bool compat = false;
	int err;

	if (version != 1)
		return -ENOTSUP;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	err = stage(d, s, body, len, &compat);
	if (!err) {
		pthread_mutex_lock(&e->lock);
		memcpy(e->ports, s->ports, sizeof(e->ports));
		memcpy(e->virq, s->virq, sizeof(e->virq));
		e->restored = true;
		pthread_mutex_unlock(&e->lock);
		hv_evtchn_set_layout(d, compat);
	}
	free(s);
	return err;
}

int hv_evtchn_restore_backend(struct hv_domain *d, evtchn_port_t port, const char *owner,
			      hv_evtchn_fn fn, void *opaque)
{
	struct hv_evtchn *e = d->evtchn;
	struct hv_evtchn_port *p;
	int err = -EINVAL;

	pthread_mutex_lock(&e->lock);
	p = port < EVTCHN_2L_NR_CHANNELS ? &e->ports[port] : NULL;
	if (p && p->state == EVTCHNSTAT_interdomain && !p->fn && p->owner[0] &&
	    !strcmp(p->owner, owner)) {
		p->fn = fn;
		p->opaque = opaque;
		err = 0;
	}
	pthread_mutex_unlock(&e->lock);
	if (err)
		log_warnx("event channels: restored port %u is not %s's", port, owner);
	return err;
}

/*
 * After a restore, what was pending in the guest's vcpu_info is raised
 * again: the interrupt that announced it may not have reached the guest.
 */
void hv__evtchn_unpause(struct hv_domain *d)
{
	struct hv_evtchn *e = d->evtchn;
	bool restored;

	pthread_mutex_lock(&e->lock);
	restored = e->restored;
	e->restored = false;
	pthread_mutex_unlock(&e->lock);
	for (unsigned i = 0; restored && i < d->nr_vcpus; i++)
		hv_evtchn_kick_vcpu(d, &d->vcpus[i]);
}
