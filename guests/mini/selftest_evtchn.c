/*
 * selftest: event channels on the boot vCPU.  The local APIC and upcall
 * vector, loopback channels (alloc_unbound + bind_interdomain to itself),
 * an IPI to itself, masking, status and close, and VIRQ_TIMER from the
 * single-shot timer.  The ports to vCPU 1 are checked in selftest_smp.c.
 */
#include "evtchn.h"
#include "hcall.h"
#include "kernel.h"
#include "lapic.h"
#include "pv.h"
#include "pvclock.h"
#include "selftest.h"

#define WAIT_NS 10000000000ULL    /* for an event that should come at once (slack for loaded hosts) */
#define TIMER_NS 20000000ULL      /* the single-shot timer's delay */
#define NS_PER_MS 1000000ULL

static bool send_and_wait(evtchn_port_t send, evtchn_port_t recv, long *rc)
{
	uint32_t from = evtchn_count(recv);

	*rc = evtchn_send(send);
	return *rc == 0 && evtchn_wait_count(recv, from, xen_time_ns() + WAIT_NS);
}

static long port_status(evtchn_port_t port, struct evtchn_status *s)
{
	*s = (struct evtchn_status){ .dom = DOMID_SELF, .port = port };
	return hc_event_channel_op(EVTCHNOP_status, s);
}

static void check_setup(struct selftest *t)
{
	struct evtchn_init_control ic = { 0 };
	long rc = pv_cpu_init(t->k->bsp);

	st_checkf(t, rc == 0, "evtchn.cpu_setup", "rc %ld (local APIC in %s mode)", rc,
		  lapic_x2apic() ? "x2APIC" : "xAPIC");
	st_expect(t, "evtchn.init_control", hc_event_channel_op(EVTCHNOP_init_control, &ic),
		  -XEN_ENOSYS);
}

/* Opens a loopback channel: *a unbound for ourselves, *b bound to it. */
long st_loopback(evtchn_port_t *a, evtchn_port_t *b)
{
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
	long rc = evtchn_alloc_unbound(DOMID_SELF, a);

	if (rc)
		return rc;
	bi.remote_port = *a;
	rc = hc_event_channel_op(EVTCHNOP_bind_interdomain, &bi);
	*b = bi.local_port;
	if (rc == 0 && !(evtchn_bind(*a, 0, NULL, NULL) && evtchn_bind(*b, 0, NULL, NULL)))
		rc = -XEN_ENOSPC;
	return rc;
}

static void check_loopback(struct selftest *t)
{
	evtchn_port_t a = 0, b = 0;
	struct evtchn_status sa, sb;
	long rc = st_loopback(&a, &b), rca, rcb;
	bool ab, ba;

	st_checkf(t, rc == 0 && a && b && a != b, "evtchn.loopback.bind", "rc %ld, ports %u, %u",
		  rc, a, b);
	if (rc)
		return;
	rca = port_status(a, &sa);
	rcb = port_status(b, &sb);
	st_checkf(t, rca == 0 && rcb == 0 && sa.status == EVTCHNSTAT_interdomain &&
			     sb.status == EVTCHNSTAT_interdomain && sa.u.interdomain.port == b &&
			     sb.u.interdomain.port == a,
		  "evtchn.status.interdomain", "rc %ld/%ld, status %u/%u, peers %u/%u", rca, rcb,
		  sa.status, sb.status, sa.u.interdomain.port, sb.u.interdomain.port);
	ab = send_and_wait(a, b, &rca);
	ba = send_and_wait(b, a, &rcb);
	st_checkf(t, ab && ba, "evtchn.loopback.send", "a->b %s (rc %ld), b->a %s (rc %ld)",
		  ab ? "ok" : "lost", rca, ba ? "ok" : "lost", rcb);
	evtchn_unbind(a);
	evtchn_unbind(b);
	rca = evtchn_close(a);
	rcb = port_status(b, &sb);
	st_checkf(t, rca == 0 && rcb == 0 && sb.status == EVTCHNSTAT_unbound, "evtchn.close",
		  "close rc %ld, peer status rc %ld state %u (want unbound)", rca, rcb, sb.status);
	evtchn_close(b);
}

/* A masked port stays pending without an upcall; unmasking delivers it. */
static void check_mask(struct selftest *t, evtchn_port_t p)
{
	uint32_t from = evtchn_count(p);
	bool pending, held, delivered;
	long rc_send, rc_unmask;

	evtchn_mask(p);
	rc_send = evtchn_send(p);
	pending = evtchn_is_pending(p);
	held = evtchn_count(p) == from;
	rc_unmask = evtchn_unmask(p);
	delivered = evtchn_wait_count(p, from, xen_time_ns() + WAIT_NS);
	st_checkf(t, !rc_send && pending && held && !rc_unmask && delivered, "evtchn.mask_unmask",
		  "send %ld, pending %d, held %d, unmask %ld, delivered %d", rc_send, pending, held,
		  rc_unmask, delivered);
}

static void check_ipi(struct selftest *t)
{
	evtchn_port_t p = 0;
	struct evtchn_status s;
	long rc = evtchn_bind_ipi(0, &p), rc_send;
	bool got;

	st_checkf(t, rc == 0 && evtchn_bind(p, 0, NULL, NULL), "evtchn.bind_ipi", "rc %ld port %u",
		  rc, p);
	if (rc)
		return;
	got = send_and_wait(p, p, &rc_send);
	st_checkf(t, got, "evtchn.ipi.self", "send rc %ld, %s", rc_send, got ? "" : "no upcall");
	check_mask(t, p);
	evtchn_unbind(p);
	st_expect(t, "evtchn.close.ipi", evtchn_close(p), 0);
	rc = port_status(p, &s);
	st_checkf(t, rc == 0 && s.status == EVTCHNSTAT_closed, "evtchn.status.closed",
		  "rc %ld, state %u", rc, s.status);
	st_expect(t, "evtchn.send.closed", evtchn_send(p), -XEN_EINVAL);
	st_expect(t, "evtchn.bind_ipi.bad_vcpu", evtchn_bind_ipi(MAX_CPUS + 100, &p), -XEN_ENOENT);
}

/*
 * Closing a port clears its pending bit, as Xen does when it frees one:
 * otherwise the next channel to get the port would swallow its first
 * event.  The event is left pending by sending while interrupts are off.
 */
static void check_close_clears_pending(struct selftest *t)
{
	evtchn_port_t p = 0;
	long rc = evtchn_bind_ipi(0, &p), rc_send = -1, rc_close = -1;
	bool before = false;

	if (rc == 0) {
		rc_send = evtchn_send(p);
		before = evtchn_is_pending(p);
		rc_close = evtchn_close(p);
	}
	st_checkf(t, rc == 0 && rc_send == 0 && before && rc_close == 0 && !evtchn_is_pending(p),
		  "evtchn.close.clears_pending", "bind %ld, send %ld, pending %d, close %ld, "
		  "pending after close %d", rc, rc_send, before, rc_close, evtchn_is_pending(p));
}

static void check_timer(struct selftest *t)
{
	evtchn_port_t p = 0;
	uint64_t start, ms;
	uint32_t from;
	long rc = evtchn_bind_virq(VIRQ_TIMER, 0, &p);
	bool fired;

	st_checkf(t, rc == 0 && evtchn_bind(p, 0, NULL, NULL), "evtchn.bind_virq.timer",
		  "rc %ld port %u", rc, p);
	if (rc)
		return;
	from = evtchn_count(p);
	start = xen_time_ns();
	rc = xen_timer_set(start + TIMER_NS);
	fired = rc == 0 && evtchn_wait_count(p, from, start + TIMER_NS + WAIT_NS);
	ms = (xen_time_ns() - start) / NS_PER_MS;
	st_checkf(t, fired && ms >= TIMER_NS / NS_PER_MS, "time.singleshot_timer",
		  "rc %ld, %s after %lu ms (armed for %llu ms)", rc, fired ? "fired" : "silent", ms,
		  TIMER_NS / NS_PER_MS);
}

void st_evtchn(struct selftest *t)
{
	check_setup(t);
	check_loopback(t);
	check_ipi(t);
	check_timer(t);
	check_close_clears_pending(t);
}
