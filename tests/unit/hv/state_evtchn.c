/*
 * Unit tests for the event channels' state (hv/evtchn_state.c): a domain
 * with ports of every kind, some pending and masked, is saved and restored
 * into a fresh one; the ports keep their bindings, what was pending is
 * still pending, sends and VIRQs still raise, and a backend's port waits
 * for its owner.  Then bodies with every kind of bad byte are refused
 * without a change to the live table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "device_state.h"
#include "evtchn.h"
#include "fake_guest.h"
#include "fake_state.h"

#define SHINFO_GFN 0x10
#define HDR 8      /* the body's header */
#define PORT 44    /* one port on the wire */
#define OWNER 20   /* offset of the owner name in a port */

struct ports {
	evtchn_port_t a, b;   /* a loopback channel */
	evtchn_port_t timer;  /* VIRQ_TIMER on vCPU 1 */
	evtchn_port_t global; /* VIRQ_CONSOLE, moved to vCPU 1 */
	evtchn_port_t ipi;    /* on vCPU 1, masked and pending */
	evtchn_port_t be;     /* connected to a backend, "test-be" */
	evtchn_port_t unbound;
};

static struct fake_domain src, dst;
static struct ports p;
static struct hv_state_buf blob;
static unsigned calls;
static void *called_with;

static void backend_cb(struct hv_domain *d, evtchn_port_t port, void *opaque)
{
	(void)d;
	(void)port;
	calls++;
	called_with = opaque;
}

static evtchn_port_t alloc_unbound(struct hv_vcpu *v, domid_t remote)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };

	assert_int_equal(fake_guest_evtchn(v, EVTCHNOP_alloc_unbound, &a, sizeof(a)), 0);
	return a.port;
}

static evtchn_port_t bind_virq(struct hv_vcpu *v, uint32_t virq, uint32_t vcpu)
{
	struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };

	assert_int_equal(fake_guest_evtchn(v, EVTCHNOP_bind_virq, &b, sizeof(b)), 0);
	return b.port;
}

static long send(struct fake_domain *f, evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };

	return fake_guest_evtchn(&f->d.vcpus[0], EVTCHNOP_send, &s, sizeof(s));
}

static struct evtchn_status status(struct fake_domain *f, evtchn_port_t port)
{
	struct evtchn_status s = { .dom = DOMID_SELF, .port = port };

	assert_int_equal(fake_guest_evtchn(&f->d.vcpus[0], EVTCHNOP_status, &s, sizeof(s)), 0);
	return s;
}

/* The ports of every kind, in src. */
static void make_ports(void)
{
	struct hv_vcpu *v = &src.d.vcpus[0];
	struct evtchn_bind_interdomain i = { .remote_dom = DOMID_SELF };
	struct evtchn_bind_ipi ipi = { .vcpu = 1 };
	struct evtchn_bind_vcpu bv = { .vcpu = 1 };
	uint64_t mask = 0;

	p.a = alloc_unbound(v, DOMID_SELF);
	i.remote_port = p.a;
	assert_int_equal(fake_guest_evtchn(v, EVTCHNOP_bind_interdomain, &i, sizeof(i)), 0);
	p.b = i.local_port;
	p.timer = bind_virq(v, VIRQ_TIMER, 1);
	p.global = bind_virq(v, VIRQ_CONSOLE, 0);
	bv.port = p.global;
	assert_int_equal(fake_guest_evtchn(v, EVTCHNOP_bind_vcpu, &bv, sizeof(bv)), 0);
	assert_int_equal(fake_guest_evtchn(v, EVTCHNOP_bind_ipi, &ipi, sizeof(ipi)), 0);
	p.ipi = ipi.port;
	p.be = alloc_unbound(v, 0);
	assert_int_equal(hv_evtchn_bind_backend(&src.d, p.be, "test-be", backend_cb, &src), 0);
	p.unbound = alloc_unbound(v, 7);
	/* The guest masks the IPI port, then both ends get an event. */
	hv_gmem_read(&src.d.mem, src.d.shared_info_gpa + offsetof(struct shared_info, evtchn_mask),
		     &mask, sizeof(mask));
	mask |= 1ULL << p.ipi;
	hv_gmem_write(&src.d.mem, src.d.shared_info_gpa + offsetof(struct shared_info, evtchn_mask),
		      &mask, sizeof(mask));
	assert_int_equal(send(&src, p.a), 0);
	assert_int_equal(send(&src, p.ipi), 0);
}

static int setup(void **state)
{
	(void)state;
	if (fake_domain_init(&src, 16, 2) || fake_domain_init(&dst, 16, 2) ||
	    fake_guest_map_shared_info(&src.d.vcpus[0], SHINFO_GFN))
		return -1;
	make_ports();
	calls = 0;
	blob = (struct hv_state_buf){ 0 };
	return fake_state_save(&src, &blob, &dst);
}

static int teardown(void **state)
{
	(void)state;
	fake_domain_destroy(&src);
	fake_domain_destroy(&dst);
	free(blob.data);
	return 0;
}

static void restore_all(void)
{
	assert_int_equal(fake_state_restore(&dst, blob.data, blob.len), 0);
}

static void bindings_survive(void **state)
{
	const evtchn_port_t all[] = { p.a, p.b, p.timer, p.global, p.ipi, p.be, p.unbound };

	(void)state;
	restore_all();
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		struct evtchn_status s = status(&src, all[i]), d = status(&dst, all[i]);

		assert_memory_equal(&s, &d, sizeof(s));
	}
	assert_int_equal(status(&dst, p.b).u.interdomain.port, p.a);
	assert_int_equal(status(&dst, p.global).vcpu, 1);
	assert_int_equal(status(&dst, p.unbound).u.unbound.dom, 7);
	/* A new port does not take one of the restored ones. */
	assert_true(alloc_unbound(&dst.d.vcpus[0], 0) > p.unbound);
}

static void pending_still_raises(void **state)
{
	struct evtchn_unmask u = { .port = p.ipi };
	uint8_t upcall = 0;
	uint64_t sel = 0, vi;

	(void)state;
	restore_all();
	vi = dst.d.shared_info_gpa + offsetof(struct shared_info, vcpu_info[1]);
	assert_true(fake_guest_pending(&dst.d, p.b));
	assert_true(fake_guest_pending(&dst.d, p.ipi));
	assert_true(fake_guest_masked(&dst.d, p.ipi));
	/* Unmasking the port that was pending at the save raises it on its vCPU. */
	hv_gmem_write(&dst.d.mem, vi, &upcall, 1);
	hv_gmem_write(&dst.d.mem, vi + offsetof(struct vcpu_info, evtchn_pending_sel), &sel, 8);
	assert_int_equal(fake_guest_evtchn(&dst.d.vcpus[0], EVTCHNOP_unmask, &u, sizeof(u)), 0);
	hv_gmem_read(&dst.d.mem, vi, &upcall, 1);
	hv_gmem_read(&dst.d.mem, vi + offsetof(struct vcpu_info, evtchn_pending_sel), &sel, 8);
	assert_int_equal(upcall, 1);
	assert_true(sel & (1ULL << (p.ipi / 64)));
}

static void sends_and_virqs_raise(void **state)
{
	(void)state;
	restore_all();
	assert_false(fake_guest_pending(&dst.d, p.a));
	assert_int_equal(send(&dst, p.b), 0);
	assert_true(fake_guest_pending(&dst.d, p.a));
	hv_evtchn_send_virq(&dst.d, 1, VIRQ_TIMER);
	assert_true(fake_guest_pending(&dst.d, p.timer));
	hv_evtchn_send_virq(&dst.d, 0, VIRQ_CONSOLE);
	assert_true(fake_guest_pending(&dst.d, p.global));
}

/* A global VIRQ moved to another vCPU can be closed and bound again. */
static void moved_virq_closes(void **state)
{
	struct evtchn_close c = { .port = p.global };

	(void)state;
	restore_all();
	assert_int_equal(fake_guest_evtchn(&dst.d.vcpus[0], EVTCHNOP_close, &c, sizeof(c)), 0);
	bind_virq(&dst.d.vcpus[0], VIRQ_CONSOLE, 0);
}

static void backend_port_waits_for_its_owner(void **state)
{
	(void)state;
	restore_all();
	assert_int_equal(send(&dst, p.be), 0); /* dropped: nobody is back yet */
	assert_int_equal(calls, 0);
	assert_int_equal(hv_evtchn_notify(&dst.d, p.be), -EINVAL);
	assert_int_equal(hv_evtchn_restore_backend(&dst.d, p.be, "other", backend_cb, &dst),
			 -EINVAL);
	assert_int_equal(hv_evtchn_restore_backend(&dst.d, p.a, "test-be", backend_cb, &dst),
			 -EINVAL);
	assert_int_equal(hv_evtchn_restore_backend(&dst.d, p.be, "test-be", backend_cb, &dst), 0);
	assert_int_equal(hv_evtchn_restore_backend(&dst.d, p.be, "test-be", backend_cb, &dst),
			 -EINVAL);
	assert_int_equal(send(&dst, p.be), 0);
	assert_int_equal(calls, 1);
	assert_ptr_equal(called_with, &dst);
	assert_int_equal(hv_evtchn_notify(&dst.d, p.be), 0);
}

/* The wire entry of port in body. */
static uint8_t *entry(uint8_t *body, uint32_t len, evtchn_port_t port)
{
	for (uint32_t off = HDR; off + PORT <= len; off += PORT) {
		uint32_t n;

		memcpy(&n, body + off, 4);
		if (n == port)
			return body + off;
	}
	fail_msg("port %u is not in the record", port);
	return NULL;
}

static int restore_body(const uint8_t *body, size_t len, uint32_t version)
{
	const struct hv_device *dev = fake_state_device(&dst, HV_STATE_EVTCHN);

	return dev->restore(&dst.d, version, body, len);
}

/* Sets a field of port's entry, expects the body refused, then undoes it. */
static void expect_bad(uint8_t *body, uint32_t len, evtchn_port_t port, size_t off,
		       const void *value, size_t n)
{
	uint8_t *e = entry(body, len, port), old[32];

	memcpy(old, e + off, n);
	memcpy(e + off, value, n);
	assert_int_equal(restore_body(body, len, 1), -EINVAL);
	memcpy(e + off, old, n);
}

static void bad_bodies(void **state)
{
	uint32_t len, zero = 0, big = 4096, two = 2, v24 = 24;
	uint8_t pirq = EVTCHNSTAT_pirq, virq = EVTCHNSTAT_virq, closed = EVTCHNSTAT_closed;
	uint8_t *body = fake_state_body(&blob, HV_STATE_EVTCHN, &len);
	uint16_t dom5 = 5;

	(void)state;
	assert_int_equal(restore_body(body, len, 2), -ENOTSUP);
	for (uint32_t n = 0; n < len; n++)
		assert_int_equal(restore_body(body, n, 1), -EINVAL);
	body[len] = 0;
	assert_int_equal(restore_body(body, len + 1, 1), -EINVAL);
	expect_bad(body, len, p.b, 0, &zero, 4);              /* port 0 */
	expect_bad(body, len, p.unbound, 0, &big, 4);         /* beyond the ABI */
	expect_bad(body, len, p.b, 0, &p.a, 4);               /* out of order, twice */
	expect_bad(body, len, p.ipi, 4, &two, 4);             /* no such vCPU */
	expect_bad(body, len, p.timer, 8, &v24, 4);           /* no such VIRQ */
	expect_bad(body, len, p.ipi, 8, &v24, 4);             /* a VIRQ on an IPI */
	expect_bad(body, len, p.ipi, 18, &pirq, 1);           /* a PIRQ */
	expect_bad(body, len, p.unbound, 18, &closed, 1);     /* closed */
	expect_bad(body, len, p.ipi, 18, &virq, 1);           /* VIRQ_TIMER on vCPU 1 twice */
	expect_bad(body, len, p.b, 12, &p.ipi, 4);            /* a peer that is no loopback */
	expect_bad(body, len, p.b, 16, &dom5, 2);             /* a loopback to domain 5 */
	expect_bad(body, len, p.be, 16, &dom5, 2);            /* a backend of domain 5 */
	expect_bad(body, len, p.be, 12, &p.a, 4);             /* a backend with a peer */
	expect_bad(body, len, p.unbound, OWNER, "x", 1);      /* an unbound port with an owner */
	expect_bad(body, len, p.be, OWNER, "test be", 7);     /* not a name */
	expect_bad(body, len, p.be, OWNER + 10, "x", 1);      /* bytes after the NUL */
	expect_bad(body, len, p.be, OWNER, "012345678901234567890123", 24); /* no NUL */
	expect_bad(body, len, p.ipi, 19, "x", 1);             /* padding */
	body[4] = 2;                                          /* a word size of 2 */
	assert_int_equal(restore_body(body, len, 1), -EINVAL);
	body[4] = 1;                                          /* 32-bit: ports < 1024 only */
	expect_bad(body, len, p.unbound, 0, &(uint32_t){ 1024 }, 4);
	body[4] = 0;
	memcpy(body, &big, 4);                                /* more ports than the ABI has */
	assert_int_equal(restore_body(body, len, 1), -EINVAL);
	/* Nothing bad changed the table: the one good restore below works. */
	memcpy(body, &(uint32_t){ (len - HDR) / PORT }, 4);
	assert_int_equal(restore_body(body, len, 1), 0);
	assert_int_equal(status(&dst, p.b).u.interdomain.port, p.a);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(bindings_survive, setup, teardown),
		cmocka_unit_test_setup_teardown(pending_still_raises, setup, teardown),
		cmocka_unit_test_setup_teardown(sends_and_virqs_raise, setup, teardown),
		cmocka_unit_test_setup_teardown(moved_virq_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(backend_port_waits_for_its_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_bodies, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
