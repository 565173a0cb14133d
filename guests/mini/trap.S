/*
 * Trap entry and the ring-0/ring-3 crossing.
 *
 * Every vector pushes the same frame (struct trap_frame): a dummy error code
 * where the CPU gives none, the vector, then all general registers.
 * trap_dispatch() returns 0 to resume the interrupted code, or non-zero to
 * end the ring-3 job the trap came from: user_enter() then returns to its
 * caller.  This works because user_enter() points TSS.RSP0 just below its
 * saved registers, so a trap from ring 3 builds its frame right under them.
 */
#define __ASSEMBLY__
#include <xen/errno.h>
#include "layout.h"

/* The exceptions for which the CPU pushes an error code. */
#define HAS_ERROR_CODE(v) \
	((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.text

	.macro TRAP_STUB vec, label
	.balign 16
\label:
	.if HAS_ERROR_CODE(\vec) == 0
	pushq $0
	.endif
	pushq $\vec
	jmp trap_common
	.endm

	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	TRAP_STUB \vec, trap_stub_\vec
	.endr
	TRAP_STUB UPCALL_VECTOR, upcall_entry
	TRAP_STUB SPURIOUS_VECTOR, spurious_entry

	/*
	 * The system-call gate (vector 4, DPL 3; an interrupt gate, so IF is
	 * clear).  The two calls that need no C are served here, a few
	 * instructions each; the rest take the common path as vector 4.
	 */
	.balign 16
	.globl syscall_entry
syscall_entry:
	cmp $SYS_HYPERCALL, %rax
	jae 1f
	cmp $SYS_IDLE, %rax
	jne trap_stub_4
	/*
	 * sti holds interrupts off for one more instruction, so one pending
	 * already wakes the hlt.  (kvm_pvm's emulator of ring 0 injects
	 * interrupts only at exits such as hlt: "sti; nop" would not do.)
	 */
	sti
	hlt
	iretq
1:	sub $SYS_HYPERCALL, %rax
	cmp $NR_HYPERCALLS, %rax
	jae 2f
	shl $HYPERCALL_STUB_SHIFT, %rax
	add $hypercall_page, %rax
	call *%rax
	iretq
2:	mov $-XEN_ENOSYS, %rax
	iretq

trap_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	cld
	mov %rsp, %rdi
	call trap_dispatch
	test %eax, %eax
	jnz leave_user
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp
	iretq

leave_user:
	add $(TRAP_FRAME_SIZE + 8), %rsp
	jmp restore_callee_saved

	/* void user_enter(struct user_ctx *ctx, struct tss64 *tss) */
	.globl user_enter
user_enter:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi
	mov %rsp, TSS_RSP0(%rsi)
	pushq $USER_DS
	pushq UCTX_RSP(%rdi)
	pushq UCTX_RFLAGS(%rdi)
	pushq $USER_CS
	pushq $user_trampoline
	mov UCTX_FN(%rdi), %rsi
	mov UCTX_ARG(%rdi), %rdi
	xor %eax, %eax
	xor %ebx, %ebx
	xor %ecx, %ecx
	xor %edx, %edx
	xor %ebp, %ebp
	iretq

restore_callee_saved:
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

	/* Runs in ring 3: call the job, then hand its result to SYS_EXIT. */
user_trampoline:
	call *%rsi
	mov %rax, %rdi
	mov $SYS_EXIT, %eax
	int $SYSCALL_VECTOR
	ud2

	.section .rodata
	.balign 8
	.globl trap_stubs
trap_stubs:
	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad trap_stub_\vec
	.endr
	.globl upcall_stub, spurious_stub
upcall_stub:
	.quad upcall_entry
spurious_stub:
	.quad spurious_entry
