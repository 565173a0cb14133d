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

/* Ring 3: makes system call nr. */
static long syscall2(uint64_t nr, uint64_t a1, uint64_t a2)
{
	long ret;

	__asm__ volatile("int %[vec]"
			 : "=a"(ret)
			 : [vec] "i"(SYSCALL_VECTOR), "a"(nr), "D"(a1), "S"(a2)
			 : "memory");
	return ret;
}

/* Ring 3: prints n bytes of s on the console. */
static void sys_write(const char *s, size_t n)
{
	syscall2(SYS_WRITE, (uintptr_t)s, n);
}

void uprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vprint(sys_write, fmt, ap);
	va_end(ap);
}
