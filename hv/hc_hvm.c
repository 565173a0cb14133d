/* __HYPERVISOR_hvm_op: HVM parameters and the per-vCPU upcall vector. */
#include <stdint.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

#include "domain.h"
#include "hypercall.h"
#include "log.h"

/* Lowest vector a guest may take for event upcalls (Xen's rule). */
#define MIN_UPCALL_VECTOR 0x10

/* Parameters the guest itself may set; the rest belong to the toolstack. */
static bool guest_may_set(uint32_t index)
{
	switch (index) {
	case HVM_PARAM_CALLBACK_IRQ:
	case HVM_PARAM_VM86_TSS:
	case HVM_PARAM_VM86_TSS_SIZED:
	case HVM_PARAM_ACPI_IOPORTS_LOCATION:
	case HVM_PARAM_VM_GENERATION_ID_ADDR:
	case HVM_PARAM_X87_FIP_WIDTH:
		return true;
	default:
		return false;
	}
}

/* Parameters the guest may read. */
static bool guest_may_get(uint32_t index)
{
	switch (index) {
	case HVM_PARAM_CALLBACK_IRQ:
	case HVM_PARAM_STORE_PFN:
	case HVM_PARAM_STORE_EVTCHN:
	case HVM_PARAM_CONSOLE_PFN:
	case HVM_PARAM_CONSOLE_EVTCHN:
	case HVM_PARAM_TIMER_MODE:
	case HVM_PARAM_HPET_ENABLED:
	case HVM_PARAM_VIRIDIAN:
	case HVM_PARAM_VM86_TSS:
	case HVM_PARAM_VM86_TSS_SIZED:
	case HVM_PARAM_ACPI_IOPORTS_LOCATION:
	case HVM_PARAM_VM_GENERATION_ID_ADDR:
	case HVM_PARAM_X87_FIP_WIDTH:
	case HVM_PARAM_ALTP2M:
		return true;
	default:
		return false;
	}
}

static long param(struct hv_vcpu *v, bool set, uint64_t va)
{
	struct hv_domain *d = v->d;
	struct xen_hvm_param p;

	if (hv_copy_from_guest(v, &p, va, sizeof(p)))
		return -XEN_EFAULT;
	if (!hv_domain_is_self(d, p.domid))
		return -XEN_ESRCH;
	if (p.index >= HVM_NR_PARAMS)
		return -XEN_EINVAL;
	if (set ? !guest_may_set(p.index) : !guest_may_get(p.index))
		return -XEN_EPERM;
	pthread_mutex_lock(&d->lock);
	if (set)
		d->hvm_params[p.index] = p.value;
	else
		p.value = d->hvm_params[p.index];
	pthread_mutex_unlock(&d->lock);
	if (set) {
		log_debug("vcpu%u: HVM param %u = 0x%llx", v->id, p.index,
			  (unsigned long long)p.value);
		return 0;
	}
	return hv_copy_to_guest(v, va, &p, sizeof(p)) ? -XEN_EFAULT : 0;
}

static long pagetable_dying(struct hv_vcpu *v, uint64_t va)
{
	struct xen_hvm_pagetable_dying p;

	if (hv_copy_from_guest(v, &p, va, sizeof(p)))
		return -XEN_EFAULT;
	if (!hv_domain_is_self(v->d, p.domid))
		return -XEN_ESRCH;
	/* A hint for shadow paging; with hardware paging Xen has no use for it. */
	return -XEN_ENOSYS;
}

static long upcall_vector(struct hv_vcpu *v, uint64_t va)
{
	struct xen_hvm_evtchn_upcall_vector u;
	struct hv_vcpu *target;

	if (hv_copy_from_guest(v, &u, va, sizeof(u)))
		return -XEN_EFAULT;
	target = hv_domain_vcpu(v->d, u.vcpu);
	if (!target)
		return -XEN_ENOENT;
	if (u.vector < MIN_UPCALL_VECTOR)
		return -XEN_EINVAL;
	pthread_mutex_lock(&v->d->lock);
	target->upcall_vector = u.vector;
	pthread_mutex_unlock(&v->d->lock);
	log_info("vcpu%u: upcall vector 0x%x", target->id, u.vector);
	return 0;
}

static long get_time(struct hv_vcpu *v, uint64_t va)
{
	struct xen_hvm_get_time t = { .now = hv_domain_time_ns(v->d) };

	return hv_copy_to_guest(v, va, &t, sizeof(t)) ? -XEN_EFAULT : 0;
}

long hv_hc_hvm_op(struct hv_vcpu *v, const struct hv_hcall *c)
{
	switch (c->arg[0]) {
	case HVMOP_set_param:
		return param(v, true, c->arg[1]);
	case HVMOP_get_param:
		return param(v, false, c->arg[1]);
	case HVMOP_pagetable_dying:
		return pagetable_dying(v, c->arg[1]);
	case HVMOP_get_time:
		return get_time(v, c->arg[1]);
	case HVMOP_set_evtchn_upcall_vector:
		return upcall_vector(v, c->arg[1]);
	default:
		return hv_hcall_unknown(v, __HYPERVISOR_hvm_op, c->arg[0]);
	}
}
