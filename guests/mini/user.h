/*
 * Ring-3 jobs.  Workloads run in ring 3, where kvm_pvm runs guest code at
 * native speed, in the kernel's own identity-mapped address space (all
 * pages are user-accessible).  A job is a C function; it ends by returning
 * (its result travels through SYS_EXIT) or by faulting.
 */
#ifndef MINI_USER_H
#define MINI_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "layout.h"

typedef uint64_t (*user_fn)(void *arg);

/*
 * One ring-3 run.  The first four fields are read by user_enter (trap.S);
 * the rest say how the job ended.  It lives on the kernel stack of the
 * caller of user_run() for the duration of the run.
 */
struct user_ctx {
	uint64_t fn;
	uint64_t arg;
	uint64_t rsp;
	uint64_t rflags;
	bool faulted;     /* false: the job returned value */
	uint64_t value;
	uint64_t vector;  /* when faulted: the exception, */
	uint64_t error;   /* its error code, */
	uint64_t rip;     /* where it happened */
	uint64_t cr2;     /* and, for #PF, the address */
};

_Static_assert(__builtin_offsetof(struct user_ctx, fn) == UCTX_FN, "trap.S offsets");
_Static_assert(__builtin_offsetof(struct user_ctx, arg) == UCTX_ARG, "trap.S offsets");
_Static_assert(__builtin_offsetof(struct user_ctx, rsp) == UCTX_RSP, "trap.S offsets");
_Static_assert(__builtin_offsetof(struct user_ctx, rflags) == UCTX_RFLAGS, "trap.S offsets");

/*
 * Runs fn(arg) in ring 3 on c's user stack, with interrupts disabled and
 * the given IOPL (0 or 3), and returns when it ends; ctx says how.  Must be
 * called on the vCPU that c describes.
 */
void user_run(struct cpu *c, user_fn fn, void *arg, unsigned iopl, struct user_ctx *ctx);

/*
 * Runs fn(arg) in ring 3 with IOPL 0 and returns its result.  A fault is
 * printed and crashes the domain.
 */
uint64_t user_call(struct cpu *c, user_fn fn, void *arg);

/* Called by trap_dispatch() for a trap from ring 3; same return value. */
int user_trap(struct trap_frame *f);

#endif
