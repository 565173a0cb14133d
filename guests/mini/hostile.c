/*
 * hostile mode: invalid hypercalls, each of which must get exactly the
 * error Xen gives.  The domain powers off if every one did, else crashes.
 */
#include "xen_abi.h"

#include "console.h"
#include "hcall.h"
#include "kernel.h"
#include "lib.h"
#include "modes.h"
#include "paging.h"
#include "power.h"
#include "smp.h"
#include "user.h"
#include "x86.h"

#define NON_CANONICAL 0xdead000000000000ULL
#define UNMAPPED 0x00007f0000000000ULL /* canonical, never mapped */
#define STRADDLE_MAPPED_BYTES 512
#define HUGE_COUNT 0x7fffffffu
#define BAD_DOMID 5
#define BAD_VCPU 1000
#define FAULTED INT64_MIN

/*
 * One case: run(k, a) makes the call, with a[] as the table gives it, and
 * returns what the hypervisor answered.
 */
struct hostile_case {
	const char *name;
	long (*run)(struct kernel *k, const uint64_t *a);
	uint64_t a[4];
	long expected;
};

/* The frame the cases name where a frame is needed; none may succeed in using it. */
static uint8_t target_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* a[0] = hypercall number, a[1..3] = its first arguments. */
static long raw(struct kernel *k, const uint64_t *a)
{
	(void)k;
	return hypercall((unsigned)a[0], a[1], a[2], a[3], 0, 0);
}

/* 1024 bytes that start in the last mapped 2 MiB page above the kernel. */
static long capabilities_straddling(struct kernel *k, const uint64_t *a)
{
	uint64_t end = paging_mapped_end((uintptr_t)_kernel_start);

	(void)k;
	(void)a;
	return hypercall(__HYPERVISOR_xen_version, XENVER_capabilities,
			 end - STRADDLE_MAPPED_BYTES, 0, 0, 0);
}

/*
 * HUGE_COUNT bytes from the kernel's start, or from the last mapped page
 * when the RAM above the kernel is larger than that: the range must run
 * past mapped memory.
 */
static long console_write_huge(struct kernel *k, const uint64_t *a)
{
	uint64_t start = (uintptr_t)_kernel_start;
	uint64_t end = paging_mapped_end(start);

	(void)k;
	(void)a;
	if (end - start > HUGE_COUNT)
		start = end - PAGE_SIZE;
	return hc_console_io(CONSOLEIO_write, HUGE_COUNT, (const void *)(uintptr_t)start);
}

static long memory_map_wild_buffer(struct kernel *k, const uint64_t *a)
{
	struct xen_memory_map mm = { .nr_entries = 4 };

	(void)k;
	(void)a;
	set_xen_guest_handle(mm.buffer, (void *)(uintptr_t)UNMAPPED);
	return hc_memory_op(XENMEM_memory_map, &mm);
}

/* a[] = domid, space, idx, gpfn (0: target_page). */
static long add_to_physmap(struct kernel *k, const uint64_t *a)
{
	struct xen_add_to_physmap x = {
		.domid = (domid_t)a[0],
		.space = (unsigned)a[1],
		.idx = a[2],
		.gpfn = a[3] ? a[3] : (uintptr_t)target_page / PAGE_SIZE,
	};

	(void)k;
	return hc_memory_op(XENMEM_add_to_physmap, &x);
}

/* a[] = HVMOP_get_param or HVMOP_set_param, domid, index. */
static long hvm_param(struct kernel *k, const uint64_t *a)
{
	struct xen_hvm_param p = { .domid = (domid_t)a[1], .index = (uint32_t)a[2] };

	(void)k;
	return hc_hvm_op((unsigned)a[0], &p);
}

/* a[] = vcpu, vector. */
static long upcall_vector(struct kernel *k, const uint64_t *a)
{
	struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = (uint32_t)a[0], .vector = (uint8_t)a[1] };

	(void)k;
	return hc_hvm_op(HVMOP_set_evtchn_upcall_vector, &uv);
}

/* a[] = vcpu, mfn (0: target_page), offset. */
static long register_vcpu_info(struct kernel *k, const uint64_t *a)
{
	struct vcpu_register_vcpu_info r = {
		.mfn = a[1] ? a[1] : (uintptr_t)target_page / PAGE_SIZE,
		.offset = (uint32_t)a[2],
	};

	(void)k;
	return hc_vcpu_op(VCPUOP_register_vcpu_info, (unsigned)a[0], &r);
}

/* A valid context, so that only "already running" is wrong with the call. */
static long initialise_running_vcpu(struct kernel *k, const uint64_t *a)
{
	vcpu_hvm_context_t ctx;

	(void)a;
	smp_vcpu_context(&ctx, (uintptr_t)halt_forever, (uintptr_t)(k->bsp->user_stack));
	return hc_vcpu_op(VCPUOP_initialise, 0, &ctx);
}

static long up_missing_vcpu(struct kernel *k, const uint64_t *a)
{
	(void)a;
	return hc_vcpu_op(VCPUOP_up, k->ncpu, NULL);
}

/* a[0] = reason. */
static long shutdown(struct kernel *k, const uint64_t *a)
{
	struct sched_shutdown s = { .reason = (unsigned)a[0] };

	(void)k;
	return hc_sched_op(SCHEDOP_shutdown, &s);
}

/* a[] = nr_ports, port. */
static long poll(struct kernel *k, const uint64_t *a)
{
	evtchn_port_t port = (evtchn_port_t)a[1];
	struct sched_poll p = { .nr_ports = (unsigned)a[0], .timeout = 1 };

	(void)k;
	set_xen_guest_handle(p.ports, &port);
	return hc_sched_op(SCHEDOP_poll, &p);
}

/* Ring 3: calls the hypercall page itself, not through SYS_HYPERCALL. */
static uint64_t user_xen_version(void *arg)
{
	(void)arg;
	return (uint64_t)hypercall_stub(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
}

/*
 * With IOPL 3 the stub's out reaches the hypervisor, which must see CPL 3
 * and refuse.  kvm_pvm (these machines) ignores IOPL in ring 3 and raises
 * #GP instead, so the call never leaves the guest: that refusal counts as
 * -EPERM, and says so.
 */
static long ring3_xen_version(struct kernel *k, const uint64_t *a)
{
	struct user_ctx ctx;

	(void)a;
	user_run(k->bsp, user_xen_version, NULL, 3, &ctx);
	if (!ctx.faulted)
		return (long)ctx.value;
	kprintf("hostile: note: the ring-3 hypercall raised exception %lu at rip 0x%lx "
		"before reaching the hypervisor\n", ctx.vector, ctx.rip);
	return ctx.vector == X86_GP ? -XEN_EPERM : FAULTED;
}

#define SELF DOMID_SELF
#define SHINFO XENMAPSPACE_shared_info

static const struct hostile_case cases[] = {
	{ "hypercall_99", raw, { 99 }, -XEN_ENOSYS },
	{ "hypercall_127", raw, { NR_HYPERCALLS - 1 }, -XEN_ENOSYS },
	{ "xen_version_999", raw, { __HYPERVISOR_xen_version, 999 }, -XEN_ENOSYS },
	{ "extraversion_non_canonical", raw,
	  { __HYPERVISOR_xen_version, XENVER_extraversion, NON_CANONICAL }, -XEN_EFAULT },
	{ "extraversion_unmapped", raw, { __HYPERVISOR_xen_version, XENVER_extraversion, UNMAPPED },
	  -XEN_EFAULT },
	{ "capabilities_straddling", capabilities_straddling, { 0 }, -XEN_EFAULT },
	{ "console_write_huge", console_write_huge, { 0 }, -XEN_EFAULT },
	{ "console_io_77", raw, { __HYPERVISOR_console_io, 77 }, -XEN_ENOSYS },
	{ "memory_map_wild", raw, { __HYPERVISOR_memory_op, XENMEM_memory_map, UNMAPPED },
	  -XEN_EFAULT },
	{ "memory_map_wild_buffer", memory_map_wild_buffer, { 0 }, -XEN_EFAULT },
	{ "memory_op_63", raw, { __HYPERVISOR_memory_op, 63 }, -XEN_ENOSYS },
	{ "add_to_physmap_idx_1", add_to_physmap, { SELF, SHINFO, 1, 0 }, -XEN_EINVAL },
	{ "add_to_physmap_domid_5", add_to_physmap, { BAD_DOMID, SHINFO, 0, 0 }, -XEN_ESRCH },
	{ "add_to_physmap_space_99", add_to_physmap, { SELF, 99, 0, 0 }, -XEN_EINVAL },
	{ "add_to_physmap_gpfn_2^40", add_to_physmap, { SELF, SHINFO, 0, 1ULL << 40 }, -XEN_EINVAL },
	{ "get_param_1000", hvm_param, { HVMOP_get_param, SELF, 1000 }, -XEN_EINVAL },
	{ "set_param_store_pfn", hvm_param, { HVMOP_set_param, SELF, HVM_PARAM_STORE_PFN },
	  -XEN_EPERM },
	{ "get_param_domid_5", hvm_param, { HVMOP_get_param, BAD_DOMID, HVM_PARAM_STORE_PFN },
	  -XEN_ESRCH },
	{ "upcall_vector_5", upcall_vector, { 0, 5 }, -XEN_EINVAL },
	{ "upcall_vector_vcpu_1000", upcall_vector, { BAD_VCPU, UPCALL_VECTOR }, -XEN_ENOENT },
	{ "hvm_op_200", raw, { __HYPERVISOR_hvm_op, 200 }, -XEN_ENOSYS },
	{ "register_vcpu_info_vcpu_1000", register_vcpu_info, { BAD_VCPU, 0, 0 }, -XEN_ENOENT },
	{ "register_vcpu_info_offset_4090", register_vcpu_info, { 0, 0, 4090 }, -XEN_EINVAL },
	{ "register_vcpu_info_mfn_0xfffffffff", register_vcpu_info, { 0, 0xfffffffffULL, 0 },
	  -XEN_EINVAL },
	{ "vcpu_op_99", raw, { __HYPERVISOR_vcpu_op, 99, 0 }, -XEN_ENOSYS },
	{ "initialise_running_vcpu", initialise_running_vcpu, { 0 }, -XEN_EEXIST },
	{ "up_missing_vcpu", up_missing_vcpu, { 0 }, -XEN_ENOENT },
	{ "shutdown_reason_99", shutdown, { 99 }, -XEN_EINVAL },
	{ "sched_op_99", raw, { __HYPERVISOR_sched_op, 99 }, -XEN_ENOSYS },
	{ "poll_1000_ports", poll, { 1000, 1 }, -XEN_EINVAL },
	{ "poll_port_5000", poll, { 1, 5000 }, -XEN_EINVAL },
	{ "ring3_iopl3_xen_version", ring3_xen_version, { 0 }, -XEN_EPERM },
};

static bool judge(const char *name, long got, long want)
{
	if (got != want)
		kprintf("hostile: WRONG case %s returned %ld expected %ld\n", name, got, want);
	return got == want;
}

void hostile_main(struct kernel *k, const char *args)
{
	unsigned rejected = 0, wrong = 0;

	(void)args;
	if (!xen_present()) {
		kprintf("hostile: no hypervisor\n");
		power_off();
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct hostile_case *c = &cases[i];

		if (judge(c->name, c->run(k, c->a), c->expected))
			rejected++;
		else
			wrong++;
	}
	if (!judge("final_valid_xen_version", hc_xen_version(XENVER_version, NULL),
		   XEN_VERSION_EXPECTED))
		wrong++;
	kprintf("hostile: %u rejected, %u accepted-wrongly\n", rejected, wrong);
	if (wrong)
		power_crash();
	power_off();
}
