/*
 * Entering ring 3 and the system calls that bring it back.
 */
#include "console.h"
#include "lib.h"
#include "power.h"
#include "user.h"
#include "x86.h"

/*
 * trap.S: enters ring 3 as ctx says, with tss's RSP0 pointing just below
 * the registers it saves; returns when the job has ended.
 */
void user_enter(struct user_ctx *ctx, struct tss64 *tss);

void user_run(struct cpu *c, user_fn fn, void *arg, unsigned iopl, struct user_ctx *ctx)
{
	*ctx = (struct user_ctx){
		.fn = (uintptr_t)fn,
		.arg = (uintptr_t)arg,
		.rsp = (uintptr_t)(c->user_stack + sizeof(c->user_stack)),
		.rflags = RFLAGS_RESERVED | (uint64_t)iopl << RFLAGS_IOPL_SHIFT,
	};
	user_enter(ctx, &c->tss);
}

uint64_t user_call(struct cpu *c, user_fn fn, void *arg)
{
	struct user_ctx ctx;

	user_run(c, fn, arg, 0, &ctx);
	if (ctx.faulted) {
		kprintf("mini: ring-3 exception %lu at rip 0x%lx error 0x%lx cr2 0x%lx (vcpu %u)\n",
			ctx.vector, ctx.rip, ctx.error, ctx.cr2, c->id);
		power_crash();
	}
	return ctx.value;
}

static int handle_syscall(struct user_ctx *ctx, struct trap_frame *f)
{
	switch (f->rax) {
	case SYS_EXIT:
		ctx->value = f->rdi;
		return 1;
	case SYS_WRITE:
		console_write((const char *)f->rdi, f->rsi);
		f->rax = 0;
		return 0;
	default:
		f->rax = (uint64_t)-1;
		return 0;
	}
}

int user_trap(struct trap_frame *f)
{
	/* user_enter() left the pointer to its ctx right above the frame. */
	struct user_ctx *ctx = *(struct user_ctx **)(f + 1);

	if (f->vector == SYSCALL_VECTOR)
		return handle_syscall(ctx, f);
	ctx->faulted = true;
	ctx->vector = f->vector;
	ctx->error = f->error;
	ctx->rip = f->rip;
	ctx->cr2 = read_cr2();
	return 1;
}
