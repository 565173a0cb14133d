/*
 * Unit tests for hv/evtchn.c: the port state machine, the bits in
 * shared_info/vcpu_info in both layouts, masking, backends, bad ports.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <xen/memory.h>

#include "evtchn.h"
#include "fake_domain.h"
#include "hypercall.h"

#define SHINFO_GFN 0x10
#define SHINFO (SHINFO_GFN << 12)
#define ARG 0x1000

static struct fake_domain f;
static struct hv_vcpu *v;
static unsigned backend_calls;
static evtchn_port_t backend_port;

static long op(uint32_t cmd, void *arg, size_t size)
{
	struct hv_hcall c = { .nr = __HYPERVISOR_event_channel_op, .arg = { cmd, ARG },
			      .long_mode = true };
	long ret;

	assert_int_equal(hv_gmem_write(&f.d.mem, ARG, arg, size), 0);
	ret = hv_hypercall(v, &c);
	assert_int_equal(hv_gmem_read(&f.d.mem, ARG, arg, size), 0);
	return ret;
}

/* Places shared_info as a 64-bit (or 32-bit) guest would. */
static void map_shared_info(bool long_mode)
{
	struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					.gpfn = SHINFO_GFN };
	struct { uint16_t domid, size; uint32_t space, idx, gpfn; } x32 = {
		DOMID_SELF, 0, XENMAPSPACE_shared_info, 0, SHINFO_GFN };
	struct hv_hcall c = { .nr = __HYPERVISOR_memory_op,
			      .arg = { XENMEM_add_to_physmap, ARG }, .long_mode = long_mode };

	if (long_mode)
		hv_gmem_write(&f.d.mem, ARG, &x, sizeof(x));
	else
		hv_gmem_write(&f.d.mem, ARG, &x32, sizeof(x32));
	assert_int_equal(hv_hypercall(v, &c), 0);
}

static int setup(void **state)
{
	(void)state;
	if (fake_domain_init(&f, 16, 2))
		return -1;
	v = &f.d.vcpus[0];
	v->run->s.regs.sregs.cr0 = 1;
	backend_calls = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_domain_destroy(&f);
	return 0;
}

static uint64_t word(uint64_t gpa)
{
	uint64_t w = 0;

	hv_gmem_read(&f.d.mem, gpa, &w, sizeof(w));
	return w;
}

static uint8_t byte(uint64_t gpa)
{
	uint8_t b = 0;

	hv_gmem_read(&f.d.mem, gpa, &b, 1);
	return b;
}

static void loopback_send_sets_bits(void **state)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_interdomain b = { .remote_dom = DOMID_SELF };
	struct evtchn_send s;
	struct evtchn_status st = { .dom = DOMID_SELF };

	(void)state;
	map_shared_info(true);
	assert_int_equal(op(EVTCHNOP_alloc_unbound, &a, sizeof(a)), 0);
	assert_int_equal(a.port, 1);
	b.remote_port = a.port;
	assert_int_equal(op(EVTCHNOP_bind_interdomain, &b, sizeof(b)), 0);
	assert_int_equal(b.local_port, 2);
	st.port = 1;
	assert_int_equal(op(EVTCHNOP_status, &st, sizeof(st)), 0);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.u.interdomain.port, 2);
	/* Sending on 2 raises 1: pending bit, selector word 0, upcall flag. */
	s.port = 2;
	assert_int_equal(op(EVTCHNOP_send, &s, sizeof(s)), 0);
	assert_int_equal(word(SHINFO + offsetof(struct shared_info, evtchn_pending)), 1 << 1);
	assert_int_equal(word(SHINFO + offsetof(struct vcpu_info, evtchn_pending_sel)), 1);
	assert_int_equal(byte(SHINFO + offsetof(struct vcpu_info, evtchn_upcall_pending)), 1);
	/* Closing one end leaves the other unbound. */
	struct evtchn_close cl = { .port = 2 };
	assert_int_equal(op(EVTCHNOP_close, &cl, sizeof(cl)), 0);
	assert_int_equal(op(EVTCHNOP_status, &st, sizeof(st)), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(op(EVTCHNOP_close, &cl, sizeof(cl)), -XEN_EINVAL);
}

static void mask_and_unmask(void **state)
{
	struct evtchn_bind_ipi ipi = { .vcpu = 1 };
	struct evtchn_send s;
	struct evtchn_unmask u;
	uint64_t mask;
	uint64_t vi1 = SHINFO + sizeof(struct vcpu_info);

	(void)state;
	map_shared_info(true);
	assert_int_equal(op(EVTCHNOP_bind_ipi, &ipi, sizeof(ipi)), 0);
	mask = 1ULL << ipi.port;
	hv_gmem_write(&f.d.mem, SHINFO + offsetof(struct shared_info, evtchn_mask), &mask, 8);
	s.port = ipi.port;
	assert_int_equal(op(EVTCHNOP_send, &s, sizeof(s)), 0);
	assert_int_equal(word(SHINFO + offsetof(struct shared_info, evtchn_pending)), mask);
	assert_int_equal(byte(vi1 + offsetof(struct vcpu_info, evtchn_upcall_pending)), 0);
	/* Unmasking a pending port raises it on its vCPU (vCPU 1). */
	u.port = ipi.port;
	assert_int_equal(op(EVTCHNOP_unmask, &u, sizeof(u)), 0);
	assert_int_equal(word(SHINFO + offsetof(struct shared_info, evtchn_mask)), 0);
	assert_int_equal(byte(vi1 + offsetof(struct vcpu_info, evtchn_upcall_pending)), 1);
	assert_int_equal(byte(SHINFO + offsetof(struct vcpu_info, evtchn_upcall_pending)), 0);
}

static void compat_layout(void **state)
{
	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	struct evtchn_send s;
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 0 };
	unsigned n;

	(void)state;
	map_shared_info(false);
	/* Fill ports up to 40 so that the next one sits in the second word. */
	for (n = 0; n < 40; n++)
		assert_int_equal(op(EVTCHNOP_alloc_unbound, &a, sizeof(a)), 0);
	assert_int_equal(op(EVTCHNOP_bind_ipi, &ipi, sizeof(ipi)), 0);
	assert_int_equal(ipi.port, 41);
	s.port = ipi.port;
	assert_int_equal(op(EVTCHNOP_send, &s, sizeof(s)), 0);
	/* 32-bit words: pending word 1 bit 9, selector at offset 4, bit 1. */
	assert_int_equal(word(SHINFO + offsetof(struct shared_info, evtchn_pending)),
			 1ULL << 41);
	assert_int_equal(word(SHINFO) >> 32, 2);
	/* 1024 ports in this layout. */
	struct evtchn_status st = { .dom = DOMID_SELF, .port = 1024 };
	assert_int_equal(op(EVTCHNOP_status, &st, sizeof(st)), -XEN_EINVAL);
}

static void virq_rules(void **state)
{
	struct evtchn_bind_virq b = { .virq = VIRQ_TIMER, .vcpu = 1 };

	(void)state;
	map_shared_info(true);
	assert_int_equal(op(EVTCHNOP_bind_virq, &b, sizeof(b)), 0);
	assert_int_equal(op(EVTCHNOP_bind_virq, &b, sizeof(b)), -XEN_EEXIST);
	b = (struct evtchn_bind_virq){ .virq = VIRQ_CONSOLE, .vcpu = 1 };
	assert_int_equal(op(EVTCHNOP_bind_virq, &b, sizeof(b)), -XEN_EINVAL);
	b = (struct evtchn_bind_virq){ .virq = NR_VIRQS, .vcpu = 0 };
	assert_int_equal(op(EVTCHNOP_bind_virq, &b, sizeof(b)), -XEN_EINVAL);
	b = (struct evtchn_bind_virq){ .virq = VIRQ_TIMER, .vcpu = 2 };
	assert_int_equal(op(EVTCHNOP_bind_virq, &b, sizeof(b)), -XEN_ENOENT);
	hv_evtchn_send_virq(&f.d, 1, VIRQ_TIMER);
	assert_int_equal(word(SHINFO + offsetof(struct shared_info, evtchn_pending)), 1 << 1);
	hv_evtchn_send_virq(&f.d, 7, VIRQ_TIMER); /* no such vCPU: ignored */
	struct evtchn_bind_vcpu bv = { .port = 1, .vcpu = 0 };
	assert_int_equal(op(EVTCHNOP_bind_vcpu, &bv, sizeof(bv)), -XEN_EINVAL);
}

static void backend_cb(struct hv_domain *d, evtchn_port_t port, void *opaque)
{
	(void)d;
	assert_ptr_equal(opaque, &f);
	backend_port = port;
	backend_calls++;
}

static void backends(void **state)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 0 };
	evtchn_port_t store;
	struct evtchn_send s;

	(void)state;
	map_shared_info(true);
	assert_int_equal(hv_evtchn_alloc_backend(&f.d, "test", backend_cb, &f, &store), 0);
	s.port = store;
	assert_int_equal(op(EVTCHNOP_send, &s, sizeof(s)), 0);
	assert_int_equal(backend_calls, 1);
	assert_int_equal(backend_port, store);
	assert_int_equal(hv_evtchn_notify(&f.d, store), 0);
	assert_true(word(SHINFO + offsetof(struct shared_info, evtchn_pending)) & (1 << store));
	/* A frontend's unbound port, bound by a backend. */
	assert_int_equal(op(EVTCHNOP_alloc_unbound, &a, sizeof(a)), 0);
	assert_int_equal(hv_evtchn_bind_backend(&f.d, a.port, "test", backend_cb, &f), 0);
	assert_int_equal(hv_evtchn_bind_backend(&f.d, a.port, "test", backend_cb, &f), -EINVAL);
	s.port = a.port;
	assert_int_equal(op(EVTCHNOP_send, &s, sizeof(s)), 0);
	assert_int_equal(backend_calls, 2);
	hv_evtchn_unbind_backend(&f.d, a.port);
	assert_int_equal(op(EVTCHNOP_send, &s, sizeof(s)), 0); /* unbound: dropped */
	assert_int_equal(backend_calls, 2);
	assert_int_equal(hv_evtchn_notify(&f.d, a.port), -EINVAL);
	assert_int_equal(hv_evtchn_bind_backend(&f.d, 4095, "test", backend_cb, &f), -EINVAL);
}

static void bad_ports_and_ops(void **state)
{
	struct evtchn_send s = { .port = 0 };
	struct evtchn_alloc_unbound a = { .dom = 5, .remote_dom = 0 };
	struct evtchn_bind_interdomain b = { .remote_dom = DOMID_SELF, .remote_port = 3 };
	struct hv_hcall c = { .nr = __HYPERVISOR_event_channel_op,
			      .arg = { EVTCHNOP_init_control, ARG }, .long_mode = true };

	(void)state;
	assert_int_equal(op(EVTCHNOP_send, &s, sizeof(s)), -XEN_EINVAL);
	s.port = 0xffffffff;
	assert_int_equal(op(EVTCHNOP_send, &s, sizeof(s)), -XEN_EINVAL);
	assert_int_equal(op(EVTCHNOP_alloc_unbound, &a, sizeof(a)), -XEN_EPERM);
	assert_int_equal(op(EVTCHNOP_bind_interdomain, &b, sizeof(b)), -XEN_EINVAL);
	b.remote_dom = 9;
	assert_int_equal(op(EVTCHNOP_bind_interdomain, &b, sizeof(b)), -XEN_ESRCH);
	assert_int_equal(hv_hypercall(v, &c), -XEN_ENOSYS);
	c.arg[0] = 99;
	assert_int_equal(hv_hypercall(v, &c), -XEN_ENOSYS);
	c.arg[0] = EVTCHNOP_send;
	c.arg[1] = 1ULL << 40;
	assert_int_equal(hv_hypercall(v, &c), -XEN_EFAULT);
	/* Without shared_info nothing can be recorded, and nothing breaks. */
	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	assert_int_equal(op(EVTCHNOP_bind_ipi, &ipi, sizeof(ipi)), 0);
	s.port = ipi.port;
	assert_int_equal(op(EVTCHNOP_send, &s, sizeof(s)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(loopback_send_sets_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(mask_and_unmask, setup, teardown),
		cmocka_unit_test_setup_teardown(compat_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(virq_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(backends, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_ports_and_ops, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
