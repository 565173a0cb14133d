#include "fake_guest.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <xen/memory.h>

#include "boot.h"
#include "domain.h"
#include "hypercall.h"

#define RING (HV_XENSTORE_GFN << HV_PAGE_SHIFT)
#define OFF(field) offsetof(struct xenstore_domain_interface, field)

long fake_guest_hypercall(struct hv_vcpu *v, uint64_t nr, uint64_t cmd, void *arg, size_t size)
{
	struct hv_hcall c = { .nr = nr, .arg = { cmd, FAKE_GUEST_ARG, 1 }, .long_mode = true };
	long ret;

	v->run->s.regs.sregs.cr0 |= 1; /* protected mode, paging off: CPL 0 */
	if (size && hv_gmem_write(&v->d->mem, FAKE_GUEST_ARG, arg, size))
		return -XEN_EFAULT;
	ret = hv_hypercall(v, &c);
	if (size && hv_gmem_read(&v->d->mem, FAKE_GUEST_ARG, arg, size))
		return -XEN_EFAULT;
	return ret;
}

long fake_guest_vcpu_op(struct hv_vcpu *v, unsigned cmd, unsigned vcpu, const void *arg,
			size_t n)
{
	struct hv_hcall c = { .nr = __HYPERVISOR_vcpu_op, .arg = { cmd, vcpu, FAKE_GUEST_ARG },
			      .long_mode = true };

	v->run->s.regs.sregs.cr0 |= 1;
	if (n && hv_gmem_write(&v->d->mem, FAKE_GUEST_ARG, arg, n))
		return -XEN_EFAULT;
	return hv_hypercall(v, &c);
}

long fake_guest_evtchn(struct hv_vcpu *v, uint32_t cmd, void *arg, size_t size)
{
	return fake_guest_hypercall(v, __HYPERVISOR_event_channel_op, cmd, arg, size);
}

static long add_to_physmap(struct hv_vcpu *v, unsigned space, uint64_t idx, uint64_t gfn)
{
	struct xen_add_to_physmap a = { .domid = DOMID_SELF, .space = space, .idx = idx,
					.gpfn = gfn };

	return fake_guest_hypercall(v, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, &a,
				    sizeof(a));
}

long fake_guest_map_shared_info(struct hv_vcpu *v, uint64_t gfn)
{
	return add_to_physmap(v, XENMAPSPACE_shared_info, 0, gfn);
}

long fake_guest_map_grant_frame(struct hv_vcpu *v, uint64_t idx, uint64_t gfn)
{
	return add_to_physmap(v, XENMAPSPACE_grant_table, idx, gfn);
}

static bool shinfo_bit(struct hv_domain *d, size_t array, evtchn_port_t port)
{
	uint64_t word = 0;

	hv_gmem_read(&d->mem, d->shared_info_gpa + array + port / 64 * 8, &word, sizeof(word));
	return word & (1ULL << (port % 64));
}

bool fake_guest_pending(struct hv_domain *d, evtchn_port_t port)
{
	return shinfo_bit(d, offsetof(struct shared_info, evtchn_pending), port);
}

bool fake_guest_masked(struct hv_domain *d, evtchn_port_t port)
{
	return shinfo_bit(d, offsetof(struct shared_info, evtchn_mask), port);
}

void fake_guest_grant(struct hv_domain *d, uint64_t table_gfn, grant_ref_t ref,
		      uint16_t flags, uint32_t frame)
{
	grant_entry_v1_t e = { .flags = flags, .domid = 0, .frame = frame };

	hv_gmem_write(&d->mem, (table_gfn << HV_PAGE_SHIFT) + ref * sizeof(e), &e, sizeof(e));
}

void fake_guest_fuzz_grants(struct hv_domain *d, uint64_t table_gfn, const uint8_t *raw,
			    size_t n, uint64_t data_gfn, unsigned nr_data)
{
	hv_gmem_fill(&d->mem, table_gfn << HV_PAGE_SHIFT, 0, 4096);
	for (size_t i = 0; i < n; i++) {
		grant_entry_v1_t e;

		memcpy(&e, raw + i * sizeof(e), sizeof(e));
		e.flags &= ~(GTF_reading | GTF_writing);
		e.domid &= 1;
		if (!(e.frame & 0x80000000u))
			e.frame = (uint32_t)(data_gfn + e.frame % nr_data);
		hv_gmem_write(&d->mem, (table_gfn << HV_PAGE_SHIFT) + i * sizeof(e), &e, sizeof(e));
	}
}

uint16_t fake_guest_grant_flags(struct hv_domain *d, uint64_t table_gfn, grant_ref_t ref)
{
	grant_entry_v1_t e = { 0 };

	hv_gmem_read(&d->mem, (table_gfn << HV_PAGE_SHIFT) + ref * sizeof(e), &e, sizeof(e));
	return e.flags;
}

/* The ring's indices are shared with the xenstore thread: atomically. */
static XENSTORE_RING_IDX *idx(struct hv_domain *d, size_t off)
{
	return hv_gmem_map(&d->mem, RING + off, sizeof(XENSTORE_RING_IDX), true);
}

int fake_guest_xs_put(struct hv_domain *d, const void *bytes, size_t n)
{
	XENSTORE_RING_IDX prod = __atomic_load_n(idx(d, OFF(req_prod)), __ATOMIC_ACQUIRE);
	XENSTORE_RING_IDX cons = __atomic_load_n(idx(d, OFF(req_cons)), __ATOMIC_ACQUIRE);
	const uint8_t *p = bytes;

	if (n > XENSTORE_RING_SIZE - (prod - cons))
		return -ENOSPC;
	for (size_t i = 0; i < n; i++, prod++)
		hv_gmem_write(&d->mem, RING + OFF(req) + MASK_XENSTORE_IDX(prod), p + i, 1);
	__atomic_store_n(idx(d, OFF(req_prod)), prod, __ATOMIC_RELEASE);
	return 0;
}

int fake_guest_xs_send(struct hv_domain *d, const struct xsd_sockmsg *h, const void *payload)
{
	struct evtchn_send s = { .port = (evtchn_port_t)d->hvm_params[HVM_PARAM_STORE_EVTCHN] };
	XENSTORE_RING_IDX prod = __atomic_load_n(idx(d, OFF(req_prod)), __ATOMIC_ACQUIRE);
	XENSTORE_RING_IDX cons = __atomic_load_n(idx(d, OFF(req_cons)), __ATOMIC_ACQUIRE);

	if (sizeof(*h) + h->len > XENSTORE_RING_SIZE - (prod - cons))
		return -ENOSPC;
	fake_guest_xs_put(d, h, sizeof(*h));
	fake_guest_xs_put(d, payload, h->len);
	fake_guest_evtchn(&d->vcpus[0], EVTCHNOP_send, &s, sizeof(s));
	return 0;
}

/* Copies n reply bytes from cons on, without consuming them. */
static void peek(struct hv_domain *d, XENSTORE_RING_IDX cons, void *out, size_t n)
{
	uint8_t *p = out;

	for (size_t i = 0; i < n; i++, cons++)
		hv_gmem_read(&d->mem, RING + OFF(rsp) + MASK_XENSTORE_IDX(cons), p + i, 1);
}

int fake_guest_xs_recv(struct hv_domain *d, struct xsd_sockmsg *h, char *payload, size_t size)
{
	struct evtchn_send s = { .port = (evtchn_port_t)d->hvm_params[HVM_PARAM_STORE_EVTCHN] };
	struct timespec tick = { 0, 1000000 };

	for (int i = 0; i < 2000; i++, nanosleep(&tick, NULL)) {
		XENSTORE_RING_IDX cons = __atomic_load_n(idx(d, OFF(rsp_cons)), __ATOMIC_ACQUIRE);
		XENSTORE_RING_IDX prod = __atomic_load_n(idx(d, OFF(rsp_prod)), __ATOMIC_ACQUIRE);

		if (prod - cons < sizeof(*h))
			continue;
		peek(d, cons, h, sizeof(*h));
		if (prod - cons < sizeof(*h) + h->len)
			continue;
		if (size)
			peek(d, cons + sizeof(*h), payload, h->len < size ? h->len : size);
		if (h->len < size)
			payload[h->len] = '\0';
		__atomic_store_n(idx(d, OFF(rsp_cons)), cons + (uint32_t)sizeof(*h) + h->len,
				 __ATOMIC_RELEASE);
		fake_guest_evtchn(&d->vcpus[0], EVTCHNOP_send, &s, sizeof(s)); /* room again */
		return h->len <= size ? 0 : -E2BIG;
	}
	return -ETIMEDOUT;
}
