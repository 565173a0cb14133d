/*
 * selftest: the Xen CPUID leaves and the xen_version, hvm_op, vcpu_op,
 * sched_op and console_io hypercalls.
 */
#include "xen_abi.h"

#include "hcall.h"
#include "kernel.h"
#include "lib.h"
#include "paging.h"
#include "selftest.h"
#include "shinfo.h"
#include "tsc.h"
#include "x86.h"

#define POLL_PORT 1
#define POLL_MAX_MS 1000

void st_xen_cpuid(struct selftest *t)
{
	struct cpuid_regs base = cpuid(XEN_CPUID_FIRST_LEAF, 0);
	struct cpuid_regs version = cpuid(XEN_CPUID_LEAF(1), 0);
	struct cpuid_regs pages = cpuid(XEN_CPUID_LEAF(2), 0);
	struct cpuid_regs hvm = cpuid(XEN_CPUID_LEAF(4), 0);
	uint32_t need = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
			XEN_HVM_CPUID_UPCALL_VECTOR;
	uint64_t hz = tsc_hz_cpuid();

	st_checkf(t, xen_detect() && base.eax >= XEN_CPUID_LEAF(4), "cpuid.signature",
		  "max leaf 0x%x", base.eax);
	st_checkf(t, version.eax == XEN_VERSION_EXPECTED, "cpuid.version", "0x%x", version.eax);
	st_checkf(t, pages.eax >= 1, "cpuid.hypercall_pages", "%u", pages.eax);
	st_checkf(t, (hvm.eax & need) == need, "cpuid.hvm_features", "eax 0x%x", hvm.eax);
	st_checkf(t, hvm.ebx == 0, "cpuid.vcpu_id", "%u on the BSP", hvm.ebx);
	st_checkf(t, hvm.ecx != 0, "cpuid.domid", "%u", hvm.ecx);
	st_checkf(t, hz != 0, "cpuid.tsc_frequency", "leaf 0x15 gives %lu Hz", hz);
}

static void check_version_strings(struct selftest *t)
{
	xen_extraversion_t extra;
	xen_capabilities_info_t caps;
	long rc;

	rc = hc_xen_version(XENVER_version, NULL);
	st_checkf(t, rc == XEN_VERSION_EXPECTED, "xen_version.version", "0x%lx", rc);
	memset(extra, 0xff, sizeof(extra));
	rc = hc_xen_version(XENVER_extraversion, extra);
	st_checkf(t, rc == 0 && strnlen(extra, sizeof(extra)) < sizeof(extra) && extra[0] == '.',
		  "xen_version.extraversion", "rc %ld, starts 0x%x", rc, (uint8_t)extra[0]);
	rc = hc_xen_version(XENVER_pagesize, NULL);
	st_expect(t, "xen_version.pagesize", rc, PAGE_SIZE);
	memset(caps, 0, sizeof(caps));
	rc = hc_xen_version(XENVER_capabilities, caps);
	caps[sizeof(caps) - 1] = '\0';
	st_checkf(t, rc == 0 && contains(caps, "hvm-3.0-x86_64"), "xen_version.capabilities",
		  "rc %ld, \"%s\"", rc, caps);
}

static void check_version_features(struct selftest *t)
{
	struct xen_feature_info fi = { .submap_idx = 0 };
	uint32_t need = 1u << XENFEAT_writable_page_tables | 1u << XENFEAT_auto_translated_physmap |
			1u << XENFEAT_hvm_callback_vector | 1u << XENFEAT_hvm_safe_pvclock;
	uint32_t refuse = 1u << XENFEAT_hvm_pirqs;
	long rc;

	rc = hc_xen_version(XENVER_get_features, &fi);
	st_checkf(t, rc == 0 && (fi.submap & need) == need && !(fi.submap & refuse),
		  "xen_version.get_features", "rc %ld, submap 0x%x", rc, fi.submap);
	fi = (struct xen_feature_info){ .submap_idx = 1, .submap = ~0u };
	rc = hc_xen_version(XENVER_get_features, &fi);
	st_checkf(t, rc == 0 && fi.submap == 0, "xen_version.get_features.1",
		  "rc %ld, submap 0x%x", rc, fi.submap);
}

void st_xen_version(struct selftest *t)
{
	check_version_strings(t);
	check_version_features(t);
}

void st_hvm_op(struct selftest *t)
{
	static const struct {
		uint32_t index;
		const char *name;
	} params[] = {
		{ HVM_PARAM_STORE_PFN, "hvm_op.get_param.store_pfn" },
		{ HVM_PARAM_STORE_EVTCHN, "hvm_op.get_param.store_evtchn" },
		{ HVM_PARAM_CONSOLE_PFN, "hvm_op.get_param.console_pfn" },
		{ HVM_PARAM_CONSOLE_EVTCHN, "hvm_op.get_param.console_evtchn" },
	};
	struct xen_hvm_param set = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ, .value = 1 };
	struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 0, .vector = UPCALL_VECTOR };
	struct xen_hvm_pagetable_dying dying = { .domid = DOMID_SELF, .gpa = paging_root() };
	uint64_t value;
	long rc, rc2;

	for (size_t i = 0; i < ARRAY_SIZE(params); i++)
		st_expect(t, params[i].name, hvm_get_param(params[i].index, &value), 0);
	rc = hc_hvm_op(HVMOP_set_param, &set);
	rc2 = hvm_get_param(HVM_PARAM_CALLBACK_IRQ, &value);
	st_checkf(t, rc == 0 && rc2 == 0 && value == 1, "hvm_op.set_param.callback_irq",
		  "set rc %ld, get rc %ld, value %lu", rc, rc2, value);
	st_expect(t, "hvm_op.set_evtchn_upcall_vector",
		  hc_hvm_op(HVMOP_set_evtchn_upcall_vector, &uv), 0);
	st_expect(t, "hvm_op.pagetable_dying", hc_hvm_op(HVMOP_pagetable_dying, &dying),
		  -XEN_ENOSYS);
}

void st_vcpu_op(struct selftest *t)
{
	st_expect(t, "vcpu_op.register_vcpu_info", shinfo_register_vcpu_info(t->k->bsp), 0);
	st_expect(t, "vcpu_op.is_up.bsp", hc_vcpu_op(VCPUOP_is_up, 0, NULL), 1);
	st_expect(t, "vcpu_op.is_up.beyond_last", hc_vcpu_op(VCPUOP_is_up, t->k->ncpu, NULL),
		  -XEN_ENOENT);
}

void st_sched_op(struct selftest *t)
{
	evtchn_port_t port = POLL_PORT;
	struct sched_poll poll = { .nr_ports = 1, .timeout = 1 };
	uint64_t hz = tsc_hz(t->k), start, ms;
	long rc;

	st_expect(t, "sched_op.yield", hc_sched_op(SCHEDOP_yield, NULL), 0);
	set_xen_guest_handle(poll.ports, &port);
	start = rdtsc();
	rc = hc_sched_op(SCHEDOP_poll, &poll);
	ms = (rdtsc() - start) * 1000 / hz;
	st_checkf(t, rc == 0 && ms < POLL_MAX_MS, "sched_op.poll", "rc %ld after %lu ms", rc, ms);
}

void st_console_io(struct selftest *t)
{
	char buf[16];
	long rc = hc_console_io(CONSOLEIO_read, sizeof(buf), buf);

	st_checkf(t, rc >= 0, "console_io.read", "rc %ld", rc);
}
