/*
 * Finding Xen and setting up the hypercall page.
 */
#include "xen_abi.h"

#include "hcall.h"
#include "x86.h"

uint8_t hypercall_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* Written once on the BSP before any other vCPU runs; read-only afterwards. */
static bool xen_ready;

bool xen_detect(void)
{
	struct cpuid_regs r = cpuid(XEN_CPUID_FIRST_LEAF, 0);

	return r.ebx == XEN_CPUID_SIGNATURE_EBX && r.ecx == XEN_CPUID_SIGNATURE_ECX &&
	       r.edx == XEN_CPUID_SIGNATURE_EDX && r.eax >= XEN_CPUID_LEAF(2);
}

bool xen_init(void)
{
	struct cpuid_regs r = cpuid(XEN_CPUID_LEAF(2), 0);

	if (r.eax < 1)
		return false;
	wrmsr(r.ebx, (uintptr_t)hypercall_page);
	xen_ready = true;
	return true;
}

bool xen_present(void)
{
	return xen_ready;
}

long hvm_get_param(uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
	long rc = hc_hvm_op(HVMOP_get_param, &p);

	*value = p.value;
	return rc;
}
