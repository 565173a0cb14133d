/* __HYPERVISOR_sched_op: yield, block, poll, and the guest's shutdown. */
#include <stdint.h>
#include <errno.h>
#include <sched.h>
#include <time.h>

#include <xen/event_channel.h>
#include <xen/sched.h>

#include "domain.h"
#include "evtchn.h"
#include "hypercall.h"
#include "log.h"

/* Xen refuses to poll more ports than this at once. */
#define MAX_POLL_PORTS 128
#define POLL_RECHECK_NS 10000000ULL

/* struct sched_poll as a 32-bit guest lays it out. */
struct sched_poll32 {
	uint32_t ports;
	uint32_t nr_ports;
	uint64_t timeout;
} __attribute__((packed));

static long shutdown(struct hv_vcpu *v, uint64_t va)
{
	struct sched_shutdown s;

	if (hv_copy_from_guest(v, &s, va, sizeof(s)))
		return -XEN_EFAULT;
	switch (s.reason) {
	case SHUTDOWN_poweroff:
	case SHUTDOWN_reboot:
	case SHUTDOWN_crash:
		log_info("vcpu%u: guest shutdown, reason %u", v->id, s.reason);
		hv_domain_stop(v->d, (enum hv_stop)s.reason);
		return 0;
	case SHUTDOWN_watchdog:
		log_warnx("vcpu%u: guest watchdog fired: treated as a crash", v->id);
		hv_domain_stop(v->d, HV_STOP_CRASH);
		return 0;
	case SHUTDOWN_suspend:
	case SHUTDOWN_soft_reset:
		/* Migration is transparent: guests are never asked to suspend. */
		return -XEN_EOPNOTSUPP;
	default:
		return -XEN_EINVAL;
	}
}

/*
 * Waits until a port is pending, the domain stops, or timeout (system ns; 0
 * for none).  The ports are checked under d->lock, which raising a port
 * takes to wake pollers, so no wake-up is lost; they are also looked at
 * again every POLL_RECHECK_NS, for bits the guest set itself.
 */
static void poll_wait(struct hv_domain *d, const evtchn_port_t *ports, unsigned n,
		      uint64_t timeout)
{
	pthread_mutex_lock(&d->lock);
	for (;;) {
		uint64_t now = hv_domain_time_ns(d), wait = POLL_RECHECK_NS;
		struct timespec ts;

		/* A pause takes the vCPU out early: the guest polls again after. */
		if (d->stop != HV_STOP_NONE || d->pausing || hv_evtchn_any_pending(d, ports, n) ||
		    (timeout && now >= timeout))
			break;
		if (timeout && timeout - now < wait)
			wait = timeout - now;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += (long)wait;
		ts.tv_sec += ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&d->cond, &d->lock, &ts);
	}
	pthread_mutex_unlock(&d->lock);
}

static long poll(struct hv_vcpu *v, const struct hv_hcall *c)
{
	evtchn_port_t ports[MAX_POLL_PORTS];
	struct sched_poll p;

	if (c->long_mode) {
		if (hv_copy_from_guest(v, &p, c->arg[1], sizeof(p)))
			return -XEN_EFAULT;
	} else {
		struct sched_poll32 p32;

		if (hv_copy_from_guest(v, &p32, c->arg[1], sizeof(p32)))
			return -XEN_EFAULT;
		set_xen_guest_handle(p.ports, (evtchn_port_t *)(uintptr_t)p32.ports);
		p.nr_ports = p32.nr_ports;
		p.timeout = p32.timeout;
	}
	if (p.nr_ports > MAX_POLL_PORTS)
		return -XEN_EINVAL;
	if (hv_copy_from_guest(v, ports, (uint64_t)(uintptr_t)p.ports.p,
			       p.nr_ports * sizeof(evtchn_port_t)))
		return -XEN_EFAULT;
	for (unsigned i = 0; i < p.nr_ports; i++)
		if (ports[i] >= EVTCHN_2L_NR_CHANNELS)
			return -XEN_EINVAL;
	__atomic_fetch_add(&v->d->nr_pollers, 1, __ATOMIC_SEQ_CST);
	poll_wait(v->d, ports, p.nr_ports, p.timeout);
	__atomic_fetch_sub(&v->d->nr_pollers, 1, __ATOMIC_SEQ_CST);
	return 0;
}

long hv_hc_sched_op(struct hv_vcpu *v, const struct hv_hcall *c)
{
	switch ((uint32_t)c->arg[0]) {
	case SCHEDOP_yield:
		sched_yield();
		return 0;
	case SCHEDOP_block:
		pthread_mutex_lock(&v->d->lock);
		v->halt_pending = true;
		pthread_mutex_unlock(&v->d->lock);
		return 0;
	case SCHEDOP_shutdown:
		return shutdown(v, c->arg[1]);
	case SCHEDOP_poll:
		return poll(v, c);
	default:
		return hv_hcall_unknown(v, __HYPERVISOR_sched_op, (uint32_t)c->arg[0]);
	}
}
