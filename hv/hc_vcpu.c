/* __HYPERVISOR_vcpu_op: vcpu_info placement and bringing vCPUs up. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <xen/vcpu.h>

#include "domain.h"
#include "evtchn.h"
#include "hypercall.h"
#include "log.h"
#include "guest_time.h"

/*
 * Moves target's vcpu_info to a guest page.  Its current contents (in
 * shared_info, for the first XEN_LEGACY_MAX_VCPUS vCPUs) move with it.
 */
static long register_vcpu_info(struct hv_vcpu *v, struct hv_vcpu *target, uint64_t va)
{
	struct hv_domain *d = v->d;
	struct vcpu_register_vcpu_info r;
	struct vcpu_info info;
	uint64_t gpa;
	long err = 0;

	if (hv_copy_from_guest(v, &r, va, sizeof(r)))
		return -XEN_EFAULT;
	if (r.offset > HV_PAGE_SIZE - sizeof(struct vcpu_info) || r.rsvd)
		return -XEN_EINVAL;
	if (r.mfn >= (1ULL << (64 - HV_PAGE_SHIFT)))
		return -XEN_EINVAL;
	gpa = (r.mfn << HV_PAGE_SHIFT) + r.offset;
	if (!hv_gmem_is_backed(&d->mem, gpa))
		return -XEN_EINVAL;
	memset(&info, 0, sizeof(info));
	pthread_mutex_lock(&d->lock);
	if (target->vcpu_info_gpa) {
		err = -XEN_EINVAL; /* Xen allows one registration per vCPU */
		goto out;
	}
	if (d->shared_info_gpa && target->id < XEN_LEGACY_MAX_VCPUS)
		hv_gmem_read(&d->mem,
			     d->shared_info_gpa + offsetof(struct shared_info, vcpu_info) +
				     target->id * sizeof(struct vcpu_info),
			     &info, sizeof(info));
	if (hv_gmem_write(&d->mem, gpa, &info, sizeof(info)))
		err = -XEN_EINVAL;
	else
		target->vcpu_info_gpa = gpa;
out:
	pthread_mutex_unlock(&d->lock);
	if (!err) {
		log_info("vcpu%u: vcpu_info at 0x%llx", target->id, (unsigned long long)gpa);
		hv_time_update_vcpu(d, target);
		hv_evtchn_kick_vcpu(d, target);
	}
	return err;
}

static long initialise(struct hv_vcpu *v, struct hv_vcpu *target, uint64_t va)
{
	vcpu_hvm_context_t ctx;
	long err = 0;

	if (hv_copy_from_guest(v, &ctx, va, sizeof(ctx)))
		return -XEN_EFAULT;
	pthread_mutex_lock(&v->d->lock);
	if (target->initialised) {
		err = -XEN_EEXIST; /* checked first, as Xen does */
	} else if (hv_vcpu_context_check(&ctx)) {
		err = -XEN_EINVAL;
	} else {
		target->ctx = ctx;
		target->initialised = true;
	}
	pthread_mutex_unlock(&v->d->lock);
	return err;
}

static long up(struct hv_vcpu *v, struct hv_vcpu *target)
{
	bool kick = false;
	long err = 0;

	pthread_mutex_lock(&v->d->lock);
	if (!target->initialised)
		err = -XEN_EINVAL;
	else if (!target->up)
		kick = target->up = target->start_pending = true;
	pthread_mutex_unlock(&v->d->lock);
	if (kick)
		hv_vcpu_kick(target);
	return err;
}

/*
 * VCPUOP_register_runstate_memory_area.  Xen rewrites the area at every
 * scheduling change of the vCPU; here the host schedules vCPU threads and
 * tern-hv has no runqueue to report, so the area is written once, as
 * "running since now", which Linux reads as no steal time (it panics if the
 * call fails).  A null address unregisters.  A 32-bit guest passes a 32-bit
 * pointer and gets the compat layout, where the 64-bit fields are 4-aligned.
 */
static long register_runstate(struct hv_vcpu *v, bool long_mode, uint64_t va)
{
	uint64_t now = hv_domain_time_ns(v->d);
	struct vcpu_runstate_info info = { .state = RUNSTATE_running, .state_entry_time = now,
					   .time = { [RUNSTATE_running] = now } };
	size_t times = sizeof(info) - offsetof(struct vcpu_runstate_info, state_entry_time);
	size_t off = long_mode ? offsetof(struct vcpu_runstate_info, state_entry_time)
			       : sizeof(info.state);
	struct vcpu_register_runstate_memory_area r;
	uint8_t out[sizeof(info)] = { 0 };

	if (hv_copy_from_guest(v, &r, va, sizeof(r)))
		return -XEN_EFAULT;
	if (!long_mode)
		r.addr.p = (uint32_t)r.addr.p;
	if (!r.addr.p)
		return 0;
	memcpy(out, &info.state, sizeof(info.state));
	memcpy(out + off, &info.state_entry_time, times);
	return hv_copy_to_guest(v, r.addr.p, out, off + times) ? -XEN_EFAULT : 0;
}

static long is_up(struct hv_vcpu *v, struct hv_vcpu *target)
{
	long ret;

	pthread_mutex_lock(&v->d->lock);
	ret = target->up;
	pthread_mutex_unlock(&v->d->lock);
	return ret;
}

long hv_hc_vcpu_op(struct hv_vcpu *v, const struct hv_hcall *c)
{
	struct hv_vcpu *target = hv_domain_vcpu(v->d, (uint32_t)c->arg[1]);

	if (!target)
		return -XEN_ENOENT;
	switch ((uint32_t)c->arg[0]) {
	case VCPUOP_initialise:
		return initialise(v, target, c->arg[2]);
	case VCPUOP_up:
		return up(v, target);
	case VCPUOP_is_up:
		return is_up(v, target);
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(v, target, c->arg[2]);
	case VCPUOP_register_runstate_memory_area:
		return register_runstate(v, c->long_mode, c->arg[2]);
	case VCPUOP_set_singleshot_timer:
	case VCPUOP_stop_singleshot_timer:
	case VCPUOP_set_periodic_timer:
	case VCPUOP_stop_periodic_timer:
		return hv_time_vcpu_op(v, target, (uint32_t)c->arg[0], c->arg[2]);
	default:
		return hv_hcall_unknown(v, __HYPERVISOR_vcpu_op, (uint32_t)c->arg[0]);
	}
}
