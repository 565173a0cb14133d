/*
 * selftest mode: the bookkeeping, the order of the checks, and the ring-3
 * checks.
 */
#include "console.h"
#include "hcall.h"
#include "kernel.h"
#include "lib.h"
#include "modes.h"
#include "power.h"
#include "selftest.h"
#include "user.h"
#include "x86.h"

#define MEMORY_CHECK_BYTES (4ULL << 20)
#define SQUARES_N 100000ULL
#define PORT_POST 0x80

/* Passing checks print no detail. */
static void report(struct selftest *t, bool ok, const char *name, const char *detail)
{
	if (ok) {
		t->passed++;
		kprintf("selftest: ok %s\n", name);
	} else {
		t->failed++;
		kprintf("selftest: FAIL %s (%s)\n", name, detail);
	}
}

void st_check(struct selftest *t, bool ok, const char *name)
{
	report(t, ok, name, "failed");
}

void st_checkf(struct selftest *t, bool ok, const char *name, const char *fmt, ...)
{
	char detail[200];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	report(t, ok, name, detail);
}

void st_expect(struct selftest *t, const char *name, long got, long want)
{
	if (got == want)
		st_check(t, true, name);
	else
		st_checkf(t, false, name, "returned %ld, expected %ld", got, want);
}

uint64_t st_squares_job(void *n)
{
	uint64_t sum = 0;

	for (uint64_t i = 1; i <= (uintptr_t)n; i++)
		sum += i * i;
	return sum;
}

uint64_t st_squares_expected(uint64_t n)
{
	return n * (n + 1) * (2 * n + 1) / 6;
}

/* Ring 3, IOPL 0: must fault. */
static uint64_t port_write(void *arg)
{
	(void)arg;
	__asm__ volatile("outb %%al, %0" : : "i"(PORT_POST), "a"(0));
	return 0;
}

/* Ring 3: writes then verifies an address-derived pattern; returns the mismatches. */
static uint64_t memory_pattern(void *arg)
{
	const struct extent *x = arg;
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)x->base;
	uint64_t n = x->size / sizeof(*p), bad = 0;

	for (uint64_t i = 0; i < n; i++)
		p[i] = (uintptr_t)&p[i] ^ 0x5a5aa5a5c3c33c3cULL;
	for (uint64_t i = 0; i < n; i++)
		bad += p[i] != ((uintptr_t)&p[i] ^ 0x5a5aa5a5c3c33c3cULL);
	return bad;
}

/* Ring 3: a hypercall through SYS_HYPERCALL; returns the version and this vCPU's id. */
static uint64_t user_hypercall(void *arg)
{
	(void)arg;
	return (uint64_t)hc_xen_version(XENVER_version, NULL) << 32 | this_cpu()->id;
}

static void st_ring3_xen(struct selftest *t)
{
	uint64_t got = user_call(t->k->bsp, user_hypercall, NULL);

	st_checkf(t, got == (uint64_t)XEN_VERSION_EXPECTED << 32, "ring3.hypercall",
		  "version 0x%lx on vCPU %lu", got >> 32, got & 0xffffffff);
}

static void st_ring3(struct selftest *t)
{
	struct cpu *c = t->k->bsp;
	struct user_ctx ctx;
	struct extent x;
	uint64_t want = st_squares_expected(SQUARES_N);

	user_run(c, st_squares_job, (void *)(uintptr_t)SQUARES_N, 0, &ctx);
	st_checkf(t, !ctx.faulted && ctx.value == want, "ring3.job",
		  "returned %lu, expected %lu%s, vector %lu at rip 0x%lx", ctx.value, want,
		  ctx.faulted ? ", faulted" : "", ctx.vector, ctx.rip);
	user_run(c, port_write, NULL, 0, &ctx);
	st_checkf(t, ctx.faulted && ctx.vector == X86_GP, "ring3.iopl0_out_faults",
		  "%s vector %lu at rip 0x%lx error 0x%lx", ctx.faulted ? "fault" : "no fault",
		  ctx.vector, ctx.rip, ctx.error);
	if (!ram_find_free(t->k, MEMORY_CHECK_BYTES, &x, 1)) {
		st_checkf(t, false, "memory.ring3", "no %llu MiB of free RAM", MEMORY_CHECK_BYTES >> 20);
		return;
	}
	user_run(c, memory_pattern, &x, 0, &ctx);
	st_checkf(t, !ctx.faulted && ctx.value == 0, "memory.ring3",
		  "%lu MiB at 0x%lx: %lu bad words%s", x.size >> 20, x.base, ctx.value,
		  ctx.faulted ? ", faulted" : "");
}

void selftest_main(struct kernel *k, const char *args)
{
	struct selftest t = { .k = k, .interactive = starts_with(args, "interactive") };

	st_bootinfo(&t);
	st_acpi(&t);
	if (xen_present()) {
		st_xen_cpuid(&t);
		st_xen_version(&t);
		st_memory_op(&t);
		st_hvm_op(&t);
		st_vcpu_op(&t);
		st_sched_op(&t);
		st_console_io(&t);
		st_evtchn(&t);
		st_time(&t);
		st_gnttab(&t);
		st_console_ring(&t);
		st_xenstore(&t);
		st_vbd(&t);
		st_smp(&t);
		st_vcpus(&t);
	} else {
		kprintf("selftest: no hypervisor, skipping the Xen checks\n");
	}
	st_ring3(&t);
	if (xen_present())
		st_ring3_xen(&t);
	kprintf("selftest: %u passed, %u failed\n", t.passed, t.failed);
	if (t.failed)
		power_crash();
	power_off();
}
