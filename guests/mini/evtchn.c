/*
 * Event channels (see evtchn.h).  The handler tables are written by the
 * vCPU that binds a port and read by the upcall handler of the vCPU the
 * port is bound to; the per-vCPU "mine" bitmaps keep a handler from taking
 * another vCPU's ports that share a word of evtchn_pending.
 */
#include "cpu.h"
#include "evtchn.h"
#include "hcall.h"
#include "pvclock.h"
#include "shinfo.h"

#define BITS_PER_WORD (sizeof(xen_ulong_t) * 8)
#define MAX_WORDS (EVTCHN_MAX_PORTS / BITS_PER_WORD)

struct port_handler {
	evtchn_fn fn;
	void *arg;
	uint32_t count;
	uint8_t cpu;
};

static struct port_handler handlers[EVTCHN_MAX_PORTS];
static xen_ulong_t mine[MAX_CPUS][MAX_WORDS];

static xen_ulong_t bit(evtchn_port_t port)
{
	return (xen_ulong_t)1 << (port % BITS_PER_WORD);
}

long evtchn_init_cpu(struct cpu *c)
{
	struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = c->id, .vector = UPCALL_VECTOR };

	return hc_hvm_op(HVMOP_set_evtchn_upcall_vector, &uv);
}

bool evtchn_bind(evtchn_port_t port, unsigned cpu, evtchn_fn fn, void *arg)
{
	struct port_handler *h;

	if (port >= EVTCHN_MAX_PORTS || cpu >= MAX_CPUS)
		return false;
	h = &handlers[port];
	h->fn = fn;
	h->arg = arg;
	h->cpu = (uint8_t)cpu;
	/*
	 * A port starts with no event, as Linux has it when it binds one: an
	 * event left from an earlier user of the port is not this channel's.
	 * Waiters look at their rings, not at this edge, so nothing is lost.
	 */
	evtchn_clear(port);
	__atomic_fetch_or(&mine[cpu][port / BITS_PER_WORD], bit(port), __ATOMIC_SEQ_CST);
	return true;
}

void evtchn_move(evtchn_port_t port, unsigned cpu)
{
	struct port_handler *h;

	if (port >= EVTCHN_MAX_PORTS || cpu >= MAX_CPUS)
		return;
	h = &handlers[port];
	__atomic_fetch_and(&mine[h->cpu][port / BITS_PER_WORD], ~bit(port), __ATOMIC_SEQ_CST);
	h->cpu = (uint8_t)cpu;
	__atomic_fetch_or(&mine[cpu][port / BITS_PER_WORD], bit(port), __ATOMIC_SEQ_CST);
}

void evtchn_unbind(evtchn_port_t port)
{
	if (port >= EVTCHN_MAX_PORTS)
		return;
	__atomic_fetch_and(&mine[handlers[port].cpu][port / BITS_PER_WORD], ~bit(port),
			   __ATOMIC_SEQ_CST);
	handlers[port].fn = NULL;
}

uint32_t evtchn_count(evtchn_port_t port)
{
	return port < EVTCHN_MAX_PORTS ? __atomic_load_n(&handlers[port].count, __ATOMIC_ACQUIRE)
				       : 0;
}

long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };
	long rc = hc_event_channel_op(EVTCHNOP_alloc_unbound, &a);

	*port = a.port;
	return rc;
}

long evtchn_bind_virq(uint32_t virq, unsigned vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
	long rc = hc_event_channel_op(EVTCHNOP_bind_virq, &b);

	*port = b.port;
	return rc;
}

long evtchn_bind_ipi(unsigned vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_ipi b = { .vcpu = vcpu };
	long rc = hc_event_channel_op(EVTCHNOP_bind_ipi, &b);

	*port = b.port;
	return rc;
}

long evtchn_send(evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };

	return hc_event_channel_op(EVTCHNOP_send, &s);
}

long evtchn_close(evtchn_port_t port)
{
	struct evtchn_close c = { .port = port };

	return hc_event_channel_op(EVTCHNOP_close, &c);
}

long evtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask u = { .port = port };

	return hc_event_channel_op(EVTCHNOP_unmask, &u);
}

void evtchn_mask(evtchn_port_t port)
{
	__atomic_fetch_or(&shinfo_get()->evtchn_mask[port / BITS_PER_WORD], bit(port),
			  __ATOMIC_SEQ_CST);
}

bool evtchn_is_masked(evtchn_port_t port)
{
	return __atomic_load_n(&shinfo_get()->evtchn_mask[port / BITS_PER_WORD],
			       __ATOMIC_ACQUIRE) & bit(port);
}

bool evtchn_is_pending(evtchn_port_t port)
{
	return __atomic_load_n(&shinfo_get()->evtchn_pending[port / BITS_PER_WORD],
			       __ATOMIC_ACQUIRE) & bit(port);
}

void evtchn_clear(evtchn_port_t port)
{
	__atomic_fetch_and(&shinfo_get()->evtchn_pending[port / BITS_PER_WORD], ~bit(port),
			   __ATOMIC_SEQ_CST);
}

long evtchn_poll(evtchn_port_t port, uint64_t deadline)
{
	struct sched_poll p = { .nr_ports = 1, .timeout = deadline };

	set_xen_guest_handle(p.ports, &port);
	return hc_sched_op(SCHEDOP_poll, &p);
}

/*
 * True if the hypervisor has raised the calling vCPU's upcall, which the
 * vCPU has not taken yet (interrupts are off outside cpu_idle()): halting
 * is then sure to end.
 */
static bool upcall_on_its_way(void)
{
	struct vcpu_info *vi = vcpu_info_of(this_cpu());

	return vi && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE);
}

bool evtchn_wait(evtchn_port_t port, bool (*done)(void *), void *arg, uint64_t deadline)
{
	for (;;) {
		bool masked = evtchn_is_masked(port);

		if (masked)
			evtchn_clear(port);
		if (done(arg))
			return true;
		if (deadline && xen_time_ns() >= deadline)
			return false;
		evtchn_poll(port, deadline);
		if (!masked && evtchn_is_pending(port) && upcall_on_its_way())
			cpu_idle();
	}
}

struct count_wait {
	evtchn_port_t port;
	uint32_t from;
};

static bool count_moved(void *arg)
{
	const struct count_wait *w = arg;

	return evtchn_count(w->port) != w->from;
}

bool evtchn_wait_count(evtchn_port_t port, uint32_t from, uint64_t deadline)
{
	struct count_wait w = { port, from };

	return evtchn_wait(port, count_moved, &w, deadline);
}

/* Takes the pending, unmasked ports of word w that belong to c. */
static void scan_word(struct cpu *c, struct shared_info *s, unsigned w)
{
	xen_ulong_t bits;

	while ((bits = s->evtchn_pending[w] & ~s->evtchn_mask[w] & mine[c->id][w])) {
		unsigned b = (unsigned)__builtin_ctzl(bits);
		struct port_handler *h = &handlers[w * BITS_PER_WORD + b];

		__atomic_fetch_and(&s->evtchn_pending[w], ~((xen_ulong_t)1 << b), __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&h->count, 1, __ATOMIC_RELEASE);
		if (h->fn)
			h->fn(w * BITS_PER_WORD + b, h->arg);
	}
}

void evtchn_upcall(struct cpu *c)
{
	struct vcpu_info *vi = vcpu_info_of(c);
	struct shared_info *s = shinfo_get();

	if (!vi || !s)
		return;
	while (__atomic_exchange_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST)) {
		xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);

		for (; sel; sel &= sel - 1) {
			unsigned w = (unsigned)__builtin_ctzl(sel);

			if (w < MAX_WORDS)
				scan_word(c, s, w);
		}
	}
}
