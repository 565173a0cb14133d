/*
 * "insntest": runs, in ring 0, each instruction that tern-hv's instruction
 * assist completes on kvm_pvm hosts (hv/insn_assist.c) and checks its
 * architectural result: popcnt in each operand size and with a memory
 * operand, stac/clac, fwait, ldmxcsr/stmxcsr (with CR4.OSFXSR set for the
 * test) and int3, whose #BP must reach our handler with RIP just past it.
 * On other hosts the CPU runs them itself and the same checks hold.
 * Prints "insntest: N checks, M failed" and powers off (crashes on failure).
 */
#include <stdint.h>

#include "console.h"
#include "kernel.h"
#include "modes.h"
#include "power.h"
#include "x86.h"

#define RFLAGS_ZF (1ULL << 6)
#define RFLAGS_AC (1ULL << 18)
#define CR4_OSFXSR (1ULL << 9)

struct tally {
	unsigned checks, failed;
};

/* Where int3's #BP handler saw RIP; 0 until it runs. */
static volatile uint64_t breakpoint_rip;

int insntest_breakpoint(uint64_t rip)
{
	if (breakpoint_rip)
		return -1;
	breakpoint_rip = rip;
	return 0;
}

static void check(struct tally *t, int ok, const char *what, uint64_t got, uint64_t want)
{
	t->checks++;
	if (ok)
		return;
	t->failed++;
	kprintf("insntest: FAIL %s: got 0x%llx, want 0x%llx\n", what, (unsigned long long)got,
		(unsigned long long)want);
}

static uint64_t rflags(void)
{
	uint64_t f;

	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

static void popcnt_checks(struct tally *t)
{
	uint64_t src = 0xf0f0f0f0f0f0f0f1ULL, dst = 0, flags;
	uint64_t mem = 0x8000000000000001ULL;

	__asm__ volatile("popcnt %2, %0; pushfq; popq %1" : "=r"(dst), "=r"(flags) : "r"(src)
			 : "cc");
	check(t, dst == 33 && !(flags & RFLAGS_ZF), "popcnt r64", dst, 33);
	src = 0;
	__asm__ volatile("popcnt %2, %0; pushfq; popq %1" : "=r"(dst), "=r"(flags) : "r"(src)
			 : "cc");
	check(t, dst == 0 && (flags & RFLAGS_ZF), "popcnt of zero sets ZF", flags & RFLAGS_ZF,
	      RFLAGS_ZF);
	dst = ~0ULL;
	__asm__ volatile("popcntl %k1, %k0" : "+r"(dst) : "r"(0x700000ffu) : "cc");
	check(t, dst == 11, "popcnt r32 clears the upper half", dst, 11);
	dst = 0x1234567800000000ULL;
	__asm__ volatile("popcntw %w1, %w0" : "+r"(dst) : "r"(0xffffu) : "cc");
	check(t, dst == 0x1234567800000010ULL, "popcnt r16 keeps the upper bits", dst,
	      0x1234567800000010ULL);
	__asm__ volatile("popcntq %1, %0" : "=r"(dst) : "m"(mem) : "cc");
	check(t, dst == 2, "popcnt m64", dst, 2);
}

static void flag_checks(struct tally *t)
{
	__asm__ volatile("stac" ::: "cc");
	check(t, (rflags() & RFLAGS_AC) != 0, "stac sets AC", rflags(), RFLAGS_AC);
	__asm__ volatile("clac" ::: "cc");
	check(t, (rflags() & RFLAGS_AC) == 0, "clac clears AC", rflags(), 0);
	__asm__ volatile("fwait");
	check(t, 1, "fwait retires", 0, 0);
}

static void mxcsr_checks(struct tally *t)
{
	uint32_t saved = 0, want = 0x7f80, got = 0;
	uint64_t cr4 = read_cr4();

	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | CR4_OSFXSR));
	__asm__ volatile("stmxcsr %0" : "=m"(saved));
	__asm__ volatile("ldmxcsr %0" ::"m"(want));
	__asm__ volatile("stmxcsr %0" : "=m"(got));
	__asm__ volatile("ldmxcsr %0" ::"m"(saved));
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
	check(t, got == want, "ldmxcsr then stmxcsr", got, want);
}

static void int3_check(struct tally *t)
{
	uint64_t after;

	__asm__ volatile("int3\n1: lea 1b(%%rip), %0" : "=r"(after));
	check(t, breakpoint_rip == after, "int3 traps with RIP after it", breakpoint_rip, after);
}

void insntest_main(struct kernel *k, const char *args)
{
	struct tally t = { 0, 0 };

	(void)k;
	(void)args;
	popcnt_checks(&t);
	flag_checks(&t);
	mxcsr_checks(&t);
	int3_check(&t);
	kprintf("insntest: %u checks, %u failed\n", t.checks, t.failed);
	if (t.failed)
		power_crash();
	power_off();
}
