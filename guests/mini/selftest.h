/*
 * The selftest's bookkeeping, shared by the files that hold its checks.
 * Each check prints one line, "selftest: ok NAME" or
 * "selftest: FAIL NAME (detail)", and is counted.
 */
#ifndef MINI_SELFTEST_H
#define MINI_SELFTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "xen_abi.h"

struct kernel;

struct selftest {
	struct kernel *k;
	bool interactive; /* "selftest=interactive": checks may wait for console input */
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
 * Opens a loopback event channel on vCPU 0: *a unbound for this domain, *b
 * bound to it with EVTCHNOP_bind_interdomain, both handled (counted) on
 * vCPU 0.  Returns 0 or a negative Xen errno.
 */
long st_loopback(evtchn_port_t *a, evtchn_port_t *b);

/*
 * The nth frame (from 0) after the one where st_memory_op puts shared_info
 * in a memory-map hole below 4 GiB, mapped; 0 if it is not a hole.  Frame 0
 * holds shared_info once st_memory_op has run.
 */
uint64_t st_hole_frame(const struct kernel *k, unsigned nth);

/*
 * The groups of checks, in the order selftest_main() runs them; each
 * records its checks in t.  From st_xen_cpuid on they need Xen, and st_smp
 * and st_vcpus check nothing with a single vCPU.
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
void st_evtchn(struct selftest *t);
void st_time(struct selftest *t);
void st_gnttab(struct selftest *t);
void st_console_ring(struct selftest *t);
void st_xenstore(struct selftest *t);
void st_vbd(struct selftest *t);
void st_smp(struct selftest *t);
void st_vcpus(struct selftest *t);

#endif
