/*
 * selftest: events and time across vCPUs, once vCPU 1 idles with its
 * events set up (see smp.c).  An IPI bound to vCPU 1, a loopback port moved
 * there with EVTCHNOP_bind_vcpu, and the two vCPUs' pvclocks, which must
 * tell the same time.
 */
#include "cpu.h"
#include "evtchn.h"
#include "hcall.h"
#include "kernel.h"
#include "pvclock.h"
#include "selftest.h"
#include "shinfo.h"
#include "smp.h"
#include "x86.h"

#define WAIT_NS 10000000000ULL
#define AGREE_NS 100000ULL
#define NOBODY 0xffffffffu

/* Handler: records which vCPU ran it. */
static void note_cpu(evtchn_port_t port, void *arg)
{
	(void)port;
	__atomic_store_n((unsigned *)arg, this_cpu()->id, __ATOMIC_RELEASE);
}

/* Sends on send and waits, yielding, until recv's count moves (another vCPU's port). */
static bool send_remote(evtchn_port_t send, evtchn_port_t recv, long *rc)
{
	uint32_t from = evtchn_count(recv);
	uint64_t deadline = xen_time_ns() + WAIT_NS;

	*rc = evtchn_send(send);
	while (*rc == 0 && evtchn_count(recv) == from && xen_time_ns() < deadline)
		hc_sched_op(SCHEDOP_yield, NULL);
	return *rc == 0 && evtchn_count(recv) != from;
}

static void check_ipi(struct selftest *t)
{
	unsigned ran_on = NOBODY;
	evtchn_port_t p = 0;
	long rc = evtchn_bind_ipi(1, &p), rc_send = 0;
	bool got = rc == 0 && evtchn_bind(p, 1, note_cpu, &ran_on) && send_remote(p, p, &rc_send);

	st_checkf(t, got && ran_on == 1, "smp.ipi.vcpu1",
		  "bind_ipi rc %ld port %u, send rc %ld, handled on vCPU %d", rc, p, rc_send,
		  (int)ran_on);
	evtchn_unbind(p);
	evtchn_close(p);
}

static void check_bind_vcpu(struct selftest *t)
{
	unsigned ran_on = NOBODY;
	evtchn_port_t a = 0, b = 0;
	struct evtchn_bind_vcpu bv;
	long rc = st_loopback(&a, &b), rc_bind = -1, rc_send = 0;
	bool got = false;

	if (rc == 0) {
		bv = (struct evtchn_bind_vcpu){ .port = a, .vcpu = 1 };
		evtchn_bind(a, 0, note_cpu, &ran_on);
		rc_bind = hc_event_channel_op(EVTCHNOP_bind_vcpu, &bv);
		if (rc_bind == 0)
			evtchn_move(a, 1);
		got = rc_bind == 0 && send_remote(b, a, &rc_send);
	}
	st_checkf(t, got && ran_on == 1, "evtchn.bind_vcpu", "loopback rc %ld, bind_vcpu %ld, "
		  "send %ld, handled on vCPU %d", rc, rc_bind, rc_send, (int)ran_on);
	evtchn_unbind(a);
	evtchn_unbind(b);
	evtchn_close(a);
	evtchn_close(b);
}

static void check_clocks(struct selftest *t)
{
	struct vcpu_info *v0 = vcpu_info_of(t->k->bsp), *v1 = vcpu_info_of(smp_cpu(1));
	struct vcpu_time_info s0, s1;
	uint64_t tsc = rdtsc(), ns0 = 0, ns1 = 0;
	bool ok = v0 && v1 && pvclock_snapshot(&v0->time, &s0) && pvclock_snapshot(&v1->time, &s1);

	if (ok) {
		ns0 = pvclock_at(&s0, tsc);
		ns1 = pvclock_at(&s1, tsc);
	}
	st_checkf(t, ok && (ns0 > ns1 ? ns0 - ns1 : ns1 - ns0) <= AGREE_NS, "time.pvclock.vcpus",
		  "at one TSC value vCPU 0 says %lu ns, vCPU 1 %lu ns", ns0, ns1);
}

void st_vcpus(struct selftest *t)
{
	if (t->k->ncpu < 2)
		return;
	check_ipi(t);
	check_bind_vcpu(t);
	check_clocks(t);
}
