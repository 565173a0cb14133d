/*
 * The hypercall dispatcher and the hypercall page.
 *
 * Without KVM's in-kernel Xen support a guest's vmcall never reaches user
 * space, so the page we give the guest holds one 32-byte stub per hypercall
 * number, "mov $nr,%eax; out %eax,$0xe4; ret": the OUT exits to tern-hv with
 * the arguments in the synchronised registers.  OUT rather than IN, because
 * the result goes back in rax whole (IN would zero-extend a 32-bit value).
 */
#include "hypercall.h"

#include <errno.h>
#include <string.h>

#include "domain.h"
#include "evtchn.h"
#include "gnttab.h"
#include "log.h"

#define STUB_SIZE 32
#define NR_STUBS (HV_PAGE_SIZE / STUB_SIZE)

typedef long (*handler_fn)(struct hv_vcpu *v, const struct hv_hcall *c);

static const handler_fn handlers[] = {
	[__HYPERVISOR_xen_version] = hv_hc_xen_version,
	[__HYPERVISOR_console_io] = hv_hc_console_io,
	[__HYPERVISOR_sched_op] = hv_hc_sched_op,
	[__HYPERVISOR_memory_op] = hv_hc_memory_op,
	[__HYPERVISOR_hvm_op] = hv_hc_hvm_op,
	[__HYPERVISOR_vcpu_op] = hv_hc_vcpu_op,
	[__HYPERVISOR_event_channel_op] = hv_hc_event_channel_op,
	[__HYPERVISOR_grant_table_op] = hv_hc_grant_table_op,
};

/* True the first time (nr, subop) is seen; subop ~0 stands for none. */
static bool first_unknown(struct hv_domain *d, uint64_t nr, uint64_t subop)
{
	bool first = true;

	pthread_mutex_lock(&d->lock);
	for (unsigned i = 0; i < d->nr_unknown && first; i++)
		first = d->unknown[i].nr != nr || d->unknown[i].subop != subop;
	if (first) {
		if (d->nr_unknown < HV_MAX_UNKNOWN_LOGGED) {
			d->unknown[d->nr_unknown].nr = nr;
			d->unknown[d->nr_unknown].subop = subop;
			d->nr_unknown++;
		} else {
			first = false; /* a guest probing everything: stay quiet */
		}
	}
	pthread_mutex_unlock(&d->lock);
	return first;
}

long hv_hcall_unknown(struct hv_vcpu *v, unsigned nr, uint64_t subop)
{
	if (first_unknown(v->d, nr, subop))
		log_warnx("vcpu%u: hypercall %u subop %llu not implemented (-ENOSYS)", v->id, nr,
			  (unsigned long long)subop);
	return -XEN_ENOSYS;
}

long hv_hypercall(struct hv_vcpu *v, const struct hv_hcall *call)
{
	struct hv_hcall c = *call;
	long ret;

	if (c.cpl != 0)
		return -XEN_EPERM;
	for (unsigned i = 0; i < 6 && !c.long_mode; i++)
		c.arg[i] = (uint32_t)c.arg[i];
	if (c.nr >= sizeof(handlers) / sizeof(handlers[0]) || !handlers[c.nr]) {
		if (first_unknown(v->d, c.nr, ~0ULL))
			log_warnx("vcpu%u: hypercall %llu not implemented (-ENOSYS)", v->id,
				  (unsigned long long)c.nr);
		return -XEN_ENOSYS;
	}
	ret = handlers[c.nr](v, &c);
	log_debug("vcpu%u: hypercall %llu(%llx, %llx, %llx) = %ld", v->id,
		  (unsigned long long)c.nr, (unsigned long long)c.arg[0],
		  (unsigned long long)c.arg[1], (unsigned long long)c.arg[2], ret);
	return ret;
}

int hv_hypercall_page(struct hv_vcpu *v, uint64_t value)
{
	uint8_t page[HV_PAGE_SIZE];
	uint64_t gpa = value & ~(HV_PAGE_SIZE - 1);

	if (value & (HV_PAGE_SIZE - 1)) {
		log_warnx("vcpu%u: hypercall page index %llu does not exist", v->id,
			  (unsigned long long)(value & (HV_PAGE_SIZE - 1)));
		return -EINVAL;
	}
	memset(page, 0xcc, sizeof(page)); /* int3 between stubs */
	for (uint32_t nr = 0; nr < NR_STUBS; nr++) {
		uint8_t *s = page + nr * STUB_SIZE;

		s[0] = 0xb8; /* mov $nr, %eax */
		memcpy(s + 1, &nr, sizeof(nr));
		s[5] = 0xe7; /* out %eax, $port */
		s[6] = HV_HYPERCALL_PORT;
		s[7] = 0xc3; /* ret */
	}
	if (hv_gmem_write(&v->d->mem, gpa, page, sizeof(page))) {
		log_warnx("vcpu%u: hypercall page at 0x%llx is not guest memory", v->id,
			  (unsigned long long)gpa);
		return -EINVAL;
	}
	log_info("vcpu%u: hypercall page at 0x%llx", v->id, (unsigned long long)gpa);
	return 0;
}
