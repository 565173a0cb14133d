/*
 * shared_info and vcpu_info placement.
 */
#include "cpu.h"
#include "hcall.h"
#include "shinfo.h"

/* Written on the BSP before any other vCPU uses it. */
static struct shared_info *shared;

long shinfo_map(uint64_t gfn)
{
	struct xen_add_to_physmap x = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_shared_info,
		.idx = 0,
		.gpfn = gfn,
	};
	long rc = hc_memory_op(XENMEM_add_to_physmap, &x);

	if (rc == 0)
		__atomic_store_n(&shared, (struct shared_info *)(uintptr_t)(gfn * PAGE_SIZE),
				 __ATOMIC_RELEASE);
	return rc;
}

struct shared_info *shinfo_get(void)
{
	return __atomic_load_n(&shared, __ATOMIC_ACQUIRE);
}

long shinfo_register_vcpu_info(struct cpu *c)
{
	uintptr_t va = (uintptr_t)&c->vcpu_info_area;
	struct vcpu_register_vcpu_info r = {
		.mfn = va / PAGE_SIZE,
		.offset = (uint32_t)(va % PAGE_SIZE),
	};
	long rc = hc_vcpu_op(VCPUOP_register_vcpu_info, c->id, &r);

	if (rc == 0)
		__atomic_store_n(&c->vcpu_info, &c->vcpu_info_area, __ATOMIC_RELEASE);
	return rc;
}

struct vcpu_info *vcpu_info_of(const struct cpu *c)
{
	struct vcpu_info *vi = __atomic_load_n(&c->vcpu_info, __ATOMIC_ACQUIRE);
	struct shared_info *s = shinfo_get();

	if (vi)
		return vi;
	return s && c->id < XEN_LEGACY_MAX_VCPUS ? &s->vcpu_info[c->id] : NULL;
}
