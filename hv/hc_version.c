/* __HYPERVISOR_xen_version: who we are and what we offer. */
#include <stdint.h>
#include <string.h>

#include <xen/features.h>
#include <xen/version.h>

#include "domain.h"
#include "hypercall.h"

/*
 * Features every guest sees (XENVER_get_features submap 0).  hvm_safe_pvclock
 * tells Linux that vcpu_time_info and the VCPUOP timers are there: it then
 * takes the TSC rate from pvclock (on AMD hosts it ignores CPUID 0x15 and
 * has no other reference) and uses the Xen clock event device.
 */
#define FEATURES                                                                       \
	((1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) | \
	 (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock))

/*
 * __HYPERVISOR_VIRT_START_PAE of xen-x86_32.h, which cannot be included
 * beside the 64-bit arch header: what a 32-bit guest is told.
 */
#define COMPAT_VIRT_START 0xF5800000u

#define EXTRAVERSION ".0-tern"
#define CAPABILITIES "hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64"

/* Copies a NUL-padded string of a fixed-size Xen type to the guest. */
static long put_string(struct hv_vcpu *v, uint64_t va, const char *s, size_t size)
{
	char buf[XEN_CAPABILITIES_INFO_LEN];

	memset(buf, 0, size);
	strncpy(buf, s, size - 1);
	return hv_copy_to_guest(v, va, buf, size) ? -XEN_EFAULT : 0;
}

static long compile_info(struct hv_vcpu *v, uint64_t va)
{
	struct xen_compile_info ci;

	memset(&ci, 0, sizeof(ci));
	strncpy(ci.compiler, "tern", sizeof(ci.compiler) - 1);
	strncpy(ci.compile_by, "tern", sizeof(ci.compile_by) - 1);
	strncpy(ci.compile_domain, "tern", sizeof(ci.compile_domain) - 1);
	strncpy(ci.compile_date, __DATE__, sizeof(ci.compile_date) - 1);
	return hv_copy_to_guest(v, va, &ci, sizeof(ci)) ? -XEN_EFAULT : 0;
}

static long get_features(struct hv_vcpu *v, uint64_t va)
{
	struct xen_feature_info fi;

	if (hv_copy_from_guest(v, &fi, va, sizeof(fi)))
		return -XEN_EFAULT;
	fi.submap = fi.submap_idx == 0 ? FEATURES : 0;
	return hv_copy_to_guest(v, va, &fi, sizeof(fi)) ? -XEN_EFAULT : 0;
}

/* xen_platform_parameters holds one xen_ulong_t: 4 bytes for 32-bit guests. */
static long platform_parameters(struct hv_vcpu *v, const struct hv_hcall *c)
{
	uint64_t virt_start = HYPERVISOR_VIRT_START;
	uint32_t virt_start32 = COMPAT_VIRT_START;

	if (c->long_mode)
		return hv_copy_to_guest(v, c->arg[1], &virt_start, 8) ? -XEN_EFAULT : 0;
	return hv_copy_to_guest(v, c->arg[1], &virt_start32, 4) ? -XEN_EFAULT : 0;
}

long hv_hc_xen_version(struct hv_vcpu *v, const struct hv_hcall *c)
{
	const uint64_t *a = c->arg;
	xen_domain_handle_t handle = { 0 };

	switch (a[0]) {
	case XENVER_version:
		return HV_XEN_VERSION;
	case XENVER_extraversion:
		return put_string(v, a[1], EXTRAVERSION, sizeof(xen_extraversion_t));
	case XENVER_compile_info:
		return compile_info(v, a[1]);
	case XENVER_capabilities:
		return put_string(v, a[1], CAPABILITIES, sizeof(xen_capabilities_info_t));
	case XENVER_changeset:
		return put_string(v, a[1], "tern", sizeof(xen_changeset_info_t));
	case XENVER_platform_parameters:
		return platform_parameters(v, c);
	case XENVER_get_features:
		return get_features(v, a[1]);
	case XENVER_pagesize:
		return HV_PAGE_SIZE;
	case XENVER_guest_handle:
		return hv_copy_to_guest(v, a[1], handle, sizeof(handle)) ? -XEN_EFAULT : 0;
	case XENVER_commandline:
	case XENVER_build_id:
		return -XEN_EPERM; /* the host's secrets are not a guest's business */
	default:
		return hv_hcall_unknown(v, __HYPERVISOR_xen_version, a[0]);
	}
}
