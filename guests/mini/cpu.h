/*
 * Per-CPU state and the descriptor tables: one GDT shared by all vCPUs
 * (with a TSS descriptor per vCPU), one IDT, and a TSS per vCPU whose RSP0
 * user_run() points at the kernel stack before entering ring 3.
 */
#ifndef MINI_CPU_H
#define MINI_CPU_H

#include <stdint.h>

#include "xen_abi.h"

#include "layout.h"

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp0;
	uint64_t rsp1;
	uint64_t rsp2;
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss64) == 104, "x86-64 TSS layout");
_Static_assert(__builtin_offsetof(struct tss64, rsp0) == TSS_RSP0, "trap.S offsets");

/*
 * One vCPU.  %gs points at it on that vCPU, in ring 0 and in ring 3 (see
 * this_cpu()).
 */
struct cpu {
	struct cpu *self; /* %gs:0 */
	unsigned id;      /* Xen vCPU id, below MAX_CPUS */
	struct vcpu_info *vcpu_info; /* where the hypervisor keeps it; NULL until known */
	struct vcpu_info vcpu_info_area __attribute__((aligned(64))); /* registered there */
	struct tss64 tss;
	uint8_t user_stack[USER_STACK_SIZE] __attribute__((aligned(16)));
};

/* The calling vCPU's struct cpu (after cpu_init on it). */
static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/* Registers as trap.S saves them; see TRAP_FRAME_SIZE. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "trap.S frame layout");

/*
 * The GDT.  boot.S loads it before entering long mode; cpu_init() adds the
 * calling vCPU's TSS descriptor.
 */
extern uint64_t gdt[GDT_ENTRIES];

/*
 * Builds the IDT: exceptions (DPL 0), the system call gate (DPL 3), the
 * event-channel upcall and the local APIC's spurious vector.
 */
void idt_init(void);

/*
 * Sets up c (whose id must be set), points %gs at it and loads its TSS and
 * the IDT on the calling vCPU.  Interrupts stay disabled.
 */
void cpu_init(struct cpu *c);

/*
 * Halts the calling vCPU with interrupts enabled until an interrupt arrives
 * and has been handled, then disables them again.  Ring 0 or ring 3 (which
 * asks with SYS_IDLE).
 */
void cpu_idle(void);

/*
 * Called by trap.S for every trap and interrupt, with the saved frame.
 * Interrupts are handled wherever they arrive; faults in ring 0 are fatal
 * (printed, then the domain crashes).  Returns 0 to resume the trapping
 * code, non-zero to end the ring-3 job it belongs to (see user.h).
 */
int trap_dispatch(struct trap_frame *f);

#endif
