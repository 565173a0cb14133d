/*
 * The selftest's bookkeeping, shared by the files that hold its checks.
 * Each check prints one line, "selftest: ok NAME" or
 * "selftest: FAIL NAME (detail)", and is counted.
 */
#ifndef MINI_SELFTEST_H
#define MINI_SELFTEST_H

#include <stdbool.h>
#include <stdint.h>

struct kernel;

struct selftest {
	struct kernel *k;
	unsigned passed;
	unsigned failed;
};

/* Records a check without detail. */
void st_check(struct selftest *t, bool ok, const char *name);

/* Records a check; the detail is printed in parentheses if it failed. */
__attribute__((format(printf, 4, 5))) void st_checkf(struct selftest *t, bool ok,
						     const char *name, const char *fmt, ...);

/* Records that a call returned want; prints what it returned otherwise. */
void st_expect(struct selftest *t, const char *name, long got, long want);

/* Ring-3 job: returns the sum of the squares of 1..n, n being the argument. */
uint64_t st_squares_job(void *n);

/* What st_squares_job returns for n, computed without a loop. */
uint64_t st_squares_expected(uint64_t n);

/*
 * The groups of checks, in the order selftest_main() runs them; each
 * records its checks in t.  From st_xen_cpuid on they need Xen, and st_smp
 * checks nothing with a single vCPU.
 */
void st_bootinfo(struct selftest *t);
void st_acpi(struct selftest *t);
void st_xen_cpuid(struct selftest *t);
void st_xen_version(struct selftest *t);
void st_memory_op(struct selftest *t);
void st_hvm_op(struct selftest *t);
void st_vcpu_op(struct selftest *t);
void st_sched_op(struct selftest *t);
void st_console_io(struct selftest *t);
void st_smp(struct selftest *t);

#endif
