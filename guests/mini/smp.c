/*
 * selftest: secondary vCPUs.  Each is started in 64-bit mode with
 * VCPUOP_initialise, loads its own GDT, IDT and TSS, sets up its events
 * (local APIC, vcpu_info, upcall vector), checks its vCPU id, runs a ring-3
 * job, checks in with an atomic increment and then idles with interrupts
 * enabled, serving the event channels bound to it.
 */
#include "xen_abi.h"

#include "console.h"
#include "hcall.h"
#include "kernel.h"
#include "lib.h"
#include "paging.h"
#include "pv.h"
#include "selftest.h"
#include "smp.h"
#include "tsc.h"
#include "user.h"
#include "x86.h"

#define AP_WAIT_SECONDS 10
#define AP_JOB_N 1000 /* vCPU n sums the squares of 1..n * AP_JOB_N */

struct ap {
	struct cpu cpu;
	uint32_t cpuid_vcpu; /* EBX of CPUID leaf 0x40000004, as the AP saw it */
	long pv_rc;          /* what pv_cpu_init() returned */
	uint64_t job_result; /* what its ring-3 job returned */
	uint8_t stack[AP_STACK_SIZE] __attribute__((aligned(16)));
};

/* boot.S */
extern char ap_entry[];

/* vCPU n uses aps[n - 1]; each AP writes only its own entry. */
static struct ap aps[MAX_CPUS - 1];

/* APs that have done their work; they add to it with lock xadd. */
static unsigned checked_in;

/*
 * Runs on each AP, called by ap_entry in boot.S with the AP's own entry of
 * aps[] and on its stack.  Never returns.
 */
__attribute__((noreturn)) void ap_main(struct ap *ap);

void ap_main(struct ap *ap)
{
	unsigned one = 1;

	cpu_init(&ap->cpu);
	ap->pv_rc = pv_cpu_init(&ap->cpu);
	ap->cpuid_vcpu = cpuid(XEN_CPUID_LEAF(4), 0).ebx;
	ap->job_result = user_call(&ap->cpu, st_squares_job,
				   (void *)(uintptr_t)(AP_JOB_N * ap->cpu.id));
	__asm__ volatile("lock xaddl %0, %1" : "+r"(one), "+m"(checked_in) : : "memory");
	for (;;)
		cpu_idle();
}

void smp_vcpu_context(vcpu_hvm_context_t *ctx, uint64_t rip, uint64_t rsp)
{
	*ctx = (vcpu_hvm_context_t){ .mode = VCPU_HVM_MODE_64B };
	ctx->cpu_regs.x86_64 = (struct vcpu_hvm_x86_64){
		.rip = rip,
		.rsp = rsp,
		.rflags = RFLAGS_RESERVED,
		.cr0 = read_cr0(),
		.cr3 = paging_root(),
		.cr4 = read_cr4(),
		.efer = rdmsr(MSR_EFER),
	};
}

/* Starts vCPU id at ap_entry; returns true if it is up. */
static bool start_ap(struct selftest *t, unsigned id)
{
	struct ap *ap = &aps[id - 1];
	uint64_t *top = (uint64_t *)(ap->stack + sizeof(ap->stack));
	vcpu_hvm_context_t ctx;
	long init, up, is_up;
	char name[32];

	ap->cpu.id = id;
	top[-2] = (uintptr_t)ap; /* read by ap_entry */
	smp_vcpu_context(&ctx, (uintptr_t)ap_entry, (uintptr_t)&top[-2]);
	init = hc_vcpu_op(VCPUOP_initialise, id, &ctx);
	up = init ? 0 : hc_vcpu_op(VCPUOP_up, id, NULL);
	is_up = hc_vcpu_op(VCPUOP_is_up, id, NULL);
	fmt_snprintf(name, sizeof(name), "smp.vcpu%u.start", id);
	st_checkf(t, init == 0 && up == 0 && is_up == 1, name, "initialise %ld, up %ld, is_up %ld",
		  init, up, is_up);
	return init == 0 && up == 0;
}

/* Waits, yielding, until n APs have checked in or time runs out; returns how many did. */
static unsigned wait_for_aps(struct kernel *k, unsigned n)
{
	uint64_t deadline = rdtsc() + AP_WAIT_SECONDS * tsc_hz(k);
	unsigned seen;

	while ((seen = __atomic_load_n(&checked_in, __ATOMIC_ACQUIRE)) < n && rdtsc() < deadline)
		hc_sched_op(SCHEDOP_yield, NULL);
	return seen;
}

static void check_ap(struct selftest *t, unsigned id)
{
	const struct ap *ap = &aps[id - 1];
	uint64_t want = st_squares_expected(AP_JOB_N * id);
	char name[32];

	fmt_snprintf(name, sizeof(name), "smp.vcpu%u.work", id);
	st_checkf(t, ap->cpuid_vcpu == id && ap->job_result == want, name,
		  "CPUID vCPU id %u, ring-3 job returned %lu, expected %lu", ap->cpuid_vcpu,
		  ap->job_result, want);
	fmt_snprintf(name, sizeof(name), "smp.vcpu%u.events", id);
	st_checkf(t, ap->pv_rc == 0, name, "local APIC, vcpu_info and upcall vector: %ld",
		  ap->pv_rc);
}

struct cpu *smp_cpu(unsigned id)
{
	return id && id < MAX_CPUS ? &aps[id - 1].cpu : NULL;
}

void st_smp(struct selftest *t)
{
	struct kernel *k = t->k;
	unsigned started = 0, arrived;

	if (k->ncpu < 2) {
		kprintf("selftest: one vCPU, skipping the SMP checks\n");
		return;
	}
	for (unsigned id = 1; id < k->ncpu; id++)
		started += start_ap(t, id);
	arrived = wait_for_aps(k, started);
	for (unsigned id = 1; id < k->ncpu; id++)
		check_ap(t, id);
	st_checkf(t, arrived == k->ncpu - 1, "smp.all_up", "%u of %u secondary vCPUs checked in",
		  arrived, k->ncpu - 1);
	if (arrived == k->ncpu - 1)
		kprintf("smp: all %u vCPUs up\n", k->ncpu);
}
