/*
 * Event channels, 2-level ABI (see evtchn.h).
 *
 * The port table lives in tern-hv; the pending and mask bits live where the
 * guest reads them, in shared_info and vcpu_info, and are changed with
 * atomic operations of the guest's word size: a 64-bit guest's shared_info
 * has 64-bit words, a 32-bit guest's (GRUB) 32-bit ones, which also moves
 * evtchn_pending_sel.  The layout is latched when shared_info is placed.
 */
#include "evtchn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "device_state.h"
#include "domain.h"
#include "evtchn_int.h"
#include "hypercall.h"
#include "log.h"

/* Where the bits are in each layout. */
#define PENDING_OFF offsetof(struct shared_info, evtchn_pending)
#define MASK_OFF_64 offsetof(struct shared_info, evtchn_mask)
#define MASK_OFF_32 (PENDING_OFF + 32 * 4)
#define SEL_OFF_64 offsetof(struct vcpu_info, evtchn_pending_sel)
#define SEL_OFF_32 4
#define UPCALL_OFF offsetof(struct vcpu_info, evtchn_upcall_pending)
#define VCPU_INFO_SIZE 64

_Static_assert(sizeof(struct vcpu_info) == VCPU_INFO_SIZE, "vcpu_info is 64 bytes");

static unsigned nr_ports(struct hv_domain *d)
{
	return __atomic_load_n(&d->shinfo_compat, __ATOMIC_ACQUIRE) ? HV_EVTCHN_NR_PORTS_32
								     : EVTCHN_2L_NR_CHANNELS;
}

/* Atomically sets bit in the guest's word array at gpa; returns its old value. */
static int test_and_set(struct hv_domain *d, uint64_t gpa, unsigned bit, bool wide)
{
	unsigned size = wide ? 8 : 4;
	void *w = hv_gmem_map(&d->mem, gpa + bit / (size * 8) * size, size, true);

	if (!w)
		return -1;
	if (wide)
		return !!(__atomic_fetch_or((uint64_t *)w, 1ULL << (bit % 64), __ATOMIC_SEQ_CST) &
			  (1ULL << (bit % 64)));
	return !!(__atomic_fetch_or((uint32_t *)w, 1U << (bit % 32), __ATOMIC_SEQ_CST) &
		  (1U << (bit % 32)));
}

static bool test_bit(struct hv_domain *d, uint64_t gpa, unsigned bit, bool wide)
{
	unsigned size = wide ? 8 : 4;
	void *w = hv_gmem_map(&d->mem, gpa + bit / (size * 8) * size, size, false);

	if (!w)
		return false;
	if (wide)
		return __atomic_load_n((uint64_t *)w, __ATOMIC_SEQ_CST) & (1ULL << (bit % 64));
	return __atomic_load_n((uint32_t *)w, __ATOMIC_SEQ_CST) & (1U << (bit % 32));
}

static void clear_bit(struct hv_domain *d, uint64_t gpa, unsigned bit, bool wide)
{
	unsigned size = wide ? 8 : 4;
	void *w = hv_gmem_map(&d->mem, gpa + bit / (size * 8) * size, size, true);

	if (w && wide)
		__atomic_fetch_and((uint64_t *)w, ~(1ULL << (bit % 64)), __ATOMIC_SEQ_CST);
	else if (w)
		__atomic_fetch_and((uint32_t *)w, ~(1U << (bit % 32)), __ATOMIC_SEQ_CST);
}

static void clear_pending(struct hv_domain *d, evtchn_port_t port)
{
	bool wide = !__atomic_load_n(&d->shinfo_compat, __ATOMIC_ACQUIRE);
	uint64_t si = __atomic_load_n(&d->shared_info_gpa, __ATOMIC_ACQUIRE);

	if (si)
		clear_bit(d, si + PENDING_OFF, port, wide);
}

/* The guest-physical address of v's vcpu_info, or 0 if it has none yet. */
static uint64_t vcpu_info_gpa(struct hv_domain *d, struct hv_vcpu *v)
{
	uint64_t gpa = __atomic_load_n(&v->vcpu_info_gpa, __ATOMIC_ACQUIRE);
	uint64_t si = __atomic_load_n(&d->shared_info_gpa, __ATOMIC_ACQUIRE);

	if (gpa)
		return gpa;
	if (si && v->id < XEN_LEGACY_MAX_VCPUS)
		return si + offsetof(struct shared_info, vcpu_info) + v->id * VCPU_INFO_SIZE;
	return 0;
}

static void inject(struct hv_domain *d, struct hv_vcpu *v)
{
	uint8_t vector = __atomic_load_n(&v->upcall_vector, __ATOMIC_ACQUIRE);
	struct kvm_msi msi = { .address_lo = 0xfee00000u | (v->id << 12) };

	if (!vector)
		return; /* no per-vCPU vector: the guest polls (as GRUB does) */
	msi.data = vector;
	if (ioctl(d->vm_fd, KVM_SIGNAL_MSI, &msi) < 0)
		log_debug("vcpu%u: KVM_SIGNAL_MSI: %s", v->id, strerror(errno));
}

/* Steps 3-5 of raising a port: selector, upcall flag, interrupt. */
static void upcall(struct hv_domain *d, struct hv_vcpu *v, evtchn_port_t port)
{
	bool wide = !__atomic_load_n(&d->shinfo_compat, __ATOMIC_ACQUIRE);
	uint64_t vi = vcpu_info_gpa(d, v);
	uint8_t *pending;

	if (!vi || test_and_set(d, vi + (wide ? SEL_OFF_64 : SEL_OFF_32), port / (wide ? 64 : 32),
				wide) != 0)
		return;
	pending = hv_gmem_map(&d->mem, vi + UPCALL_OFF, 1, true);
	if (pending && !__atomic_exchange_n(pending, 1, __ATOMIC_SEQ_CST))
		inject(d, v);
}

/* Marks port pending and, unless masked, raises the upcall on vcpu. */
static void raise_port(struct hv_domain *d, evtchn_port_t port, unsigned vcpu)
{
	bool wide = !__atomic_load_n(&d->shinfo_compat, __ATOMIC_ACQUIRE);
	uint64_t si = __atomic_load_n(&d->shared_info_gpa, __ATOMIC_ACQUIRE);
	struct hv_vcpu *v = hv_domain_vcpu(d, vcpu);

	if (!si || !v)
		return; /* nowhere to record it: the guest has no shared_info yet */
	if (test_and_set(d, si + PENDING_OFF, port, wide) != 0)
		return;
	if (__atomic_load_n(&d->nr_pollers, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&d->lock);
		pthread_cond_broadcast(&d->cond);
		pthread_mutex_unlock(&d->lock);
	}
	if (!test_bit(d, si + (wide ? MASK_OFF_64 : MASK_OFF_32), port, wide))
		upcall(d, v, port);
}

bool hv_evtchn_any_pending(struct hv_domain *d, const evtchn_port_t *ports, unsigned n)
{
	bool wide = !__atomic_load_n(&d->shinfo_compat, __ATOMIC_ACQUIRE);
	uint64_t si = __atomic_load_n(&d->shared_info_gpa, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; si && i < n; i++)
		if (ports[i] < nr_ports(d) && test_bit(d, si + PENDING_OFF, ports[i], wide))
			return true;
	return false;
}

void hv_evtchn_kick_vcpu(struct hv_domain *d, struct hv_vcpu *v)
{
	uint64_t vi = vcpu_info_gpa(d, v);
	uint8_t *pending = vi ? hv_gmem_map(&d->mem, vi + UPCALL_OFF, 1, false) : NULL;

	if (pending && __atomic_load_n(pending, __ATOMIC_ACQUIRE))
		inject(d, v);
}

/* Lowest free port, or 0 (never a valid port) when the table is full. */
static evtchn_port_t alloc_port(struct hv_domain *d)
{
	for (evtchn_port_t p = 1; p < nr_ports(d); p++)
		if (d->evtchn->ports[p].state == EVTCHNSTAT_closed)
			return p;
	return 0;
}

/* Makes p a backend's end: connected to owner's fn. */
static void connect_backend(struct hv_evtchn_port *p, const char *owner, hv_evtchn_fn fn,
			    void *opaque)
{
	p->state = EVTCHNSTAT_interdomain;
	snprintf(p->owner, sizeof(p->owner), "%s", owner);
	p->fn = fn;
	p->opaque = opaque;
}

int hv_evtchn_alloc_backend(struct hv_domain *d, const char *owner, hv_evtchn_fn fn,
			    void *opaque, evtchn_port_t *port)
{
	struct hv_evtchn *e = d->evtchn;
	evtchn_port_t p;

	pthread_mutex_lock(&e->lock);
	p = alloc_port(d);
	if (p) {
		e->ports[p] = (struct hv_evtchn_port){ .remote_dom = HV_BACKEND_DOMID };
		connect_backend(&e->ports[p], owner, fn, opaque);
	}
	pthread_mutex_unlock(&e->lock);
	*port = p;
	return p ? 0 : -ENOSPC;
}

int hv_evtchn_bind_backend(struct hv_domain *d, evtchn_port_t port, const char *owner,
			   hv_evtchn_fn fn, void *opaque)
{
	struct hv_evtchn *e = d->evtchn;
	struct hv_evtchn_port *p;
	int err = -EINVAL;

	pthread_mutex_lock(&e->lock);
	p = port < nr_ports(d) ? &e->ports[port] : NULL;
	if (p && p->state == EVTCHNSTAT_unbound && p->remote_dom == HV_BACKEND_DOMID) {
		connect_backend(p, owner, fn, opaque);
		err = 0;
	}
	pthread_mutex_unlock(&e->lock);
	return err;
}

void hv_evtchn_unbind_backend(struct hv_domain *d, evtchn_port_t port)
{
	struct hv_evtchn *e = d->evtchn;

	pthread_mutex_lock(&e->lock);
	if (port < EVTCHN_2L_NR_CHANNELS && e->ports[port].owner[0]) {
		e->ports[port].state = EVTCHNSTAT_unbound;
		e->ports[port].owner[0] = '\0';
		e->ports[port].fn = NULL;
		e->ports[port].opaque = NULL;
	}
	pthread_mutex_unlock(&e->lock);
	/* Wait for callbacks that took the old fn before it was cleared. */
	pthread_rwlock_wrlock(&e->calls);
	pthread_rwlock_unlock(&e->calls);
}

int hv_evtchn_notify(struct hv_domain *d, evtchn_port_t port)
{
	struct hv_evtchn *e = d->evtchn;
	bool ok;
	uint32_t vcpu = 0;

	pthread_mutex_lock(&e->lock);
	ok = port < nr_ports(d) && e->ports[port].fn;
	if (ok)
		vcpu = e->ports[port].vcpu;
	pthread_mutex_unlock(&e->lock);
	if (!ok)
		return -EINVAL;
	raise_port(d, port, vcpu);
	return 0;
}

void hv_evtchn_send_virq(struct hv_domain *d, unsigned vcpu, unsigned virq)
{
	struct hv_evtchn *e = d->evtchn;
	evtchn_port_t port = 0;
	uint32_t target = vcpu;

	if (vcpu >= d->nr_vcpus || virq >= NR_VIRQS)
		return;
	pthread_mutex_lock(&e->lock);
	port = e->virq[vcpu][virq];
	if (port)
		target = e->ports[port].vcpu;
	pthread_mutex_unlock(&e->lock);
	if (port)
		raise_port(d, port, target);
}

/* Called by hc_memory when shared_info moves: the guest's word size. */
void hv_evtchn_set_layout(struct hv_domain *d, bool compat)
{
	__atomic_store_n(&d->shinfo_compat, compat, __ATOMIC_RELEASE);
}

static int init(struct hv_domain *d)
{
	d->evtchn = calloc(1, sizeof(*d->evtchn));
	if (!d->evtchn)
		return -ENOMEM;
	pthread_mutex_init(&d->evtchn->lock, NULL);
	pthread_rwlock_init(&d->evtchn->calls, NULL);
	return 0;
}

static void fini(struct hv_domain *d)
{
	pthread_rwlock_destroy(&d->evtchn->calls);
	pthread_mutex_destroy(&d->evtchn->lock);
	free(d->evtchn);
	d->evtchn = NULL;
}

static const struct hv_device evtchn_device = {
	.name = "evtchn", .prio = HV_PRIO_CORE, .init = init, .exit = fini,
	.unpause = hv__evtchn_unpause,
	.state_id = HV_STATE_EVTCHN, .state_version = 1,
	.save = hv__evtchn_save, .restore = hv__evtchn_restore,
};
HV_DEVICE(evtchn_device);

/* EVTCHNOP: the guest's side. */

static struct hv_evtchn_port *guest_port(struct hv_domain *d, evtchn_port_t port)
{
	if (port == 0 || port >= nr_ports(d))
		return NULL;
	return &d->evtchn->ports[port];
}

/* Allocates a port in state s on vcpu; 0 or -ENOSPC.  Lock held. */
static long new_port(struct hv_domain *d, struct hv_evtchn_port init, evtchn_port_t *out)
{
	evtchn_port_t p = alloc_port(d);

	if (!p)
		return -XEN_ENOSPC;
	d->evtchn->ports[p] = init;
	*out = p;
	return 0;
}

static long alloc_unbound(struct hv_domain *d, struct evtchn_alloc_unbound *a)
{
	if (!hv_domain_is_self(d, a->dom))
		return -XEN_EPERM;
	if (a->remote_dom == DOMID_SELF)
		a->remote_dom = (domid_t)d->domid;
	return new_port(d, (struct hv_evtchn_port){ .state = EVTCHNSTAT_unbound,
						    .remote_dom = a->remote_dom },
			&a->port);
}

/* Binds to one of the guest's own unbound ports (a loopback channel). */
static long bind_interdomain(struct hv_domain *d, struct evtchn_bind_interdomain *b)
{
	struct hv_evtchn_port *r;
	long err;

	if (!hv_domain_is_self(d, b->remote_dom))
		return b->remote_dom == HV_BACKEND_DOMID ? -XEN_EINVAL : -XEN_ESRCH;
	r = guest_port(d, b->remote_port);
	if (!r || r->state != EVTCHNSTAT_unbound || r->remote_dom != d->domid)
		return -XEN_EINVAL;
	err = new_port(d, (struct hv_evtchn_port){ .state = EVTCHNSTAT_interdomain,
						   .remote_dom = (domid_t)d->domid,
						   .remote = b->remote_port },
		       &b->local_port);
	if (!err) {
		r = guest_port(d, b->remote_port);
		r->state = EVTCHNSTAT_interdomain;
		r->remote = b->local_port;
	}
	return err;
}

static long bind_virq(struct hv_domain *d, struct evtchn_bind_virq *b)
{
	if (b->virq >= NR_VIRQS)
		return -XEN_EINVAL;
	if (b->vcpu >= d->nr_vcpus)
		return -XEN_ENOENT;
	if (!hv__evtchn_virq_per_vcpu(b->virq) && b->vcpu != 0)
		return -XEN_EINVAL;
	if (d->evtchn->virq[b->vcpu][b->virq])
		return -XEN_EEXIST;
	if (new_port(d, (struct hv_evtchn_port){ .state = EVTCHNSTAT_virq, .vcpu = b->vcpu,
						 .virq = b->virq },
		     &b->port))
		return -XEN_ENOSPC;
	d->evtchn->virq[b->vcpu][b->virq] = b->port;
	return 0;
}

static long bind_ipi(struct hv_domain *d, struct evtchn_bind_ipi *b)
{
	if (b->vcpu >= d->nr_vcpus)
		return -XEN_ENOENT;
	return new_port(d, (struct hv_evtchn_port){ .state = EVTCHNSTAT_ipi, .vcpu = b->vcpu },
			&b->port);
}

/* Frees port; the other end of a loopback channel goes back to unbound. */
static long close_port(struct hv_domain *d, evtchn_port_t port)
{
	struct hv_evtchn_port *p = guest_port(d, port), *r;

	if (!p || p->state == EVTCHNSTAT_closed)
		return -XEN_EINVAL;
	/* A global VIRQ's port may have moved to another vCPU: its row is 0. */
	if (p->state == EVTCHNSTAT_virq)
		d->evtchn->virq[hv__evtchn_virq_row(p->virq, p->vcpu)][p->virq] = 0;
	if (p->state == EVTCHNSTAT_interdomain && !p->owner[0] &&
	    (r = guest_port(d, p->remote)) &&
	    r->state == EVTCHNSTAT_interdomain && r->remote == port) {
		r->state = EVTCHNSTAT_unbound;
		r->remote = 0;
	}
	*p = (struct hv_evtchn_port){ .state = EVTCHNSTAT_closed };
	clear_pending(d, port); /* a freed port carries nothing over, as in Xen */
	return 0;
}

static long bind_vcpu(struct hv_domain *d, struct evtchn_bind_vcpu *b)
{
	struct hv_evtchn_port *p = guest_port(d, b->port);

	if (!p || p->state == EVTCHNSTAT_closed)
		return -XEN_EINVAL;
	if (b->vcpu >= d->nr_vcpus)
		return -XEN_ENOENT;
	if (p->state == EVTCHNSTAT_ipi ||
	    (p->state == EVTCHNSTAT_virq && hv__evtchn_virq_per_vcpu(p->virq)))
		return -XEN_EINVAL;
	p->vcpu = b->vcpu;
	return 0;
}

static long status(struct hv_domain *d, struct evtchn_status *s)
{
	struct hv_evtchn_port *p;

	if (!hv_domain_is_self(d, s->dom))
		return -XEN_ESRCH;
	if (s->port >= nr_ports(d))
		return -XEN_EINVAL;
	p = &d->evtchn->ports[s->port];
	s->status = p->state;
	s->vcpu = p->vcpu;
	memset(&s->u, 0, sizeof(s->u));
	if (p->state == EVTCHNSTAT_unbound) {
		s->u.unbound.dom = p->remote_dom;
	} else if (p->state == EVTCHNSTAT_interdomain) {
		s->u.interdomain.dom = p->remote_dom;
		s->u.interdomain.port = p->remote;
	} else if (p->state == EVTCHNSTAT_virq) {
		s->u.virq = p->virq;
	}
	return 0;
}

/*
 * Sends on port.  Returns what the guest gets; the backend callback or the
 * port to raise is handed back so that the caller acts without the lock.
 */
static long send_locked(struct hv_domain *d, evtchn_port_t port, struct hv_evtchn_port *target,
			evtchn_port_t *raise)
{
	struct hv_evtchn_port *p = guest_port(d, port);

	*raise = 0;
	if (!p)
		return -XEN_EINVAL;
	switch (p->state) {
	case EVTCHNSTAT_interdomain:
		if (p->owner[0]) { /* a backend's; after a restore maybe not back yet */
			*target = *p;
			return 0;
		}
		*raise = p->remote;
		*target = d->evtchn->ports[p->remote];
		return 0;
	case EVTCHNSTAT_ipi:
		*raise = port;
		*target = *p;
		return 0;
	case EVTCHNSTAT_unbound:
		return 0; /* nobody listens yet: dropped, as Xen does */
	default:
		return -XEN_EINVAL;
	}
}

static long send(struct hv_domain *d, evtchn_port_t port)
{
	struct hv_evtchn_port target = { 0 };
	evtchn_port_t raise;
	long err;

	pthread_rwlock_rdlock(&d->evtchn->calls);
	pthread_mutex_lock(&d->evtchn->lock);
	err = send_locked(d, port, &target, &raise);
	pthread_mutex_unlock(&d->evtchn->lock);
	if (!err && target.fn)
		target.fn(d, port, target.opaque);
	pthread_rwlock_unlock(&d->evtchn->calls);
	if (!err && !target.fn && raise)
		raise_port(d, raise, target.vcpu);
	return err;
}

static long unmask(struct hv_domain *d, evtchn_port_t port)
{
	bool wide = !__atomic_load_n(&d->shinfo_compat, __ATOMIC_ACQUIRE);
	uint64_t si = __atomic_load_n(&d->shared_info_gpa, __ATOMIC_ACQUIRE);
	uint32_t vcpu;

	pthread_mutex_lock(&d->evtchn->lock);
	if (!guest_port(d, port)) {
		pthread_mutex_unlock(&d->evtchn->lock);
		return -XEN_EINVAL;
	}
	vcpu = d->evtchn->ports[port].vcpu;
	pthread_mutex_unlock(&d->evtchn->lock);
	if (!si)
		return 0;
	clear_bit(d, si + (wide ? MASK_OFF_64 : MASK_OFF_32), port, wide);
	if (test_bit(d, si + PENDING_OFF, port, wide))
		upcall(d, hv_domain_vcpu(d, vcpu), port);
	return 0;
}

/* The argument of each op we implement, read in and (if out) written back. */
union args {
	struct evtchn_alloc_unbound alloc_unbound;
	struct evtchn_bind_interdomain bind_interdomain;
	struct evtchn_bind_virq bind_virq;
	struct evtchn_bind_ipi bind_ipi;
	struct evtchn_close close;
	struct evtchn_send send;
	struct evtchn_status status;
	struct evtchn_bind_vcpu bind_vcpu;
	struct evtchn_unmask unmask;
};

static size_t arg_size(uint32_t cmd)
{
	switch (cmd) {
	case EVTCHNOP_alloc_unbound: return sizeof(struct evtchn_alloc_unbound);
	case EVTCHNOP_bind_interdomain: return sizeof(struct evtchn_bind_interdomain);
	case EVTCHNOP_bind_virq: return sizeof(struct evtchn_bind_virq);
	case EVTCHNOP_bind_ipi: return sizeof(struct evtchn_bind_ipi);
	case EVTCHNOP_close: return sizeof(struct evtchn_close);
	case EVTCHNOP_send: return sizeof(struct evtchn_send);
	case EVTCHNOP_status: return sizeof(struct evtchn_status);
	case EVTCHNOP_bind_vcpu: return sizeof(struct evtchn_bind_vcpu);
	case EVTCHNOP_unmask: return sizeof(struct evtchn_unmask);
	default: return 0;
	}
}

/* The ops that change the port table, under its lock. */
static long table_op(struct hv_domain *d, uint32_t cmd, union args *a)
{
	long err;

	pthread_mutex_lock(&d->evtchn->lock);
	switch (cmd) {
	case EVTCHNOP_alloc_unbound: err = alloc_unbound(d, &a->alloc_unbound); break;
	case EVTCHNOP_bind_interdomain: err = bind_interdomain(d, &a->bind_interdomain); break;
	case EVTCHNOP_bind_virq: err = bind_virq(d, &a->bind_virq); break;
	case EVTCHNOP_bind_ipi: err = bind_ipi(d, &a->bind_ipi); break;
	case EVTCHNOP_close: err = close_port(d, a->close.port); break;
	case EVTCHNOP_status: err = status(d, &a->status); break;
	default: err = bind_vcpu(d, &a->bind_vcpu); break;
	}
	pthread_mutex_unlock(&d->evtchn->lock);
	return err;
}

long hv_hc_event_channel_op(struct hv_vcpu *v, const struct hv_hcall *c)
{
	uint32_t cmd = (uint32_t)c->arg[0];
	size_t size = arg_size(cmd);
	union args a;
	long err;

	if (cmd == EVTCHNOP_init_control || cmd == EVTCHNOP_expand_array ||
	    cmd == EVTCHNOP_set_priority)
		return -XEN_ENOSYS; /* the FIFO ABI: guests fall back to 2-level */
	if (!size)
		return hv_hcall_unknown(v, __HYPERVISOR_event_channel_op, cmd);
	if (hv_copy_from_guest(v, &a, c->arg[1], size))
		return -XEN_EFAULT;
	if (cmd == EVTCHNOP_send)
		return send(v->d, a.send.port);
	if (cmd == EVTCHNOP_unmask)
		return unmask(v->d, a.unmask.port);
	err = table_op(v->d, cmd, &a);
	if (!err && hv_copy_to_guest(v, c->arg[1], &a, size))
		return -XEN_EFAULT;
	return err;
}
