/*
 * Constants shared by the assembly and C parts of mini: where the kernel
 * lives, the GDT layout and the sizes of stacks and trap frames.
 */
#ifndef MINI_LAYOUT_H
#define MINI_LAYOUT_H

#define KERNEL_PHYS     0x100000 /* linked and loaded at 1 MiB */
#define PAGE_SIZE       4096
#define LARGE_PAGE_SIZE 0x200000

/*
 * GDT: null, kernel code and data, user data and code, then one 16-byte
 * TSS descriptor per CPU.
 */
#define KERNEL_CS   0x08
#define KERNEL_DS   0x10
#define USER_DS     0x1b
#define USER_CS     0x23
#define GDT_TSS0    0x28
#define MAX_CPUS    16
#define GDT_ENTRIES (5 + 2 * MAX_CPUS)

#define BOOT_STACK_SIZE 16384
#define AP_STACK_SIZE   16384
#define USER_STACK_SIZE 16384

#define IDT_ENTRIES 256
#define NR_EXCEPTIONS 32

/*
 * Interrupt vectors.  The event-channel upcall uses 0xf3, as Linux asks for
 * (HVMOP_set_evtchn_upcall_vector); the local APIC's spurious vector is the
 * conventional 0xff.
 */
#define UPCALL_VECTOR 0xf3
#define SPURIOUS_VECTOR 0xff

/*
 * System calls from ring 3: "int $4" through a DPL 3 gate, number in rax,
 * arguments in rdi and rsi.  Not int $0x80: on kvm_pvm (these machines) a
 * ring-3 "int $0x80" raises #UD even with a DPL 3 gate (so do vectors 20
 * and 31; int3 and "int $4" are delivered), and the syscall instruction
 * arrives at LSTAR still in ring 3.  Vector 4 is otherwise unused in 64-bit
 * mode, where into is invalid.
 */
#define SYSCALL_VECTOR 4
#define SYS_EXIT  0 /* leave ring 3 with the value in rdi */
#define SYS_WRITE 1 /* print rsi bytes at rdi on the console */
/*
 * Two calls that trap.S serves without leaving assembly, because ring-0
 * code is emulated instruction by instruction on kvm_pvm hosts: SYS_IDLE
 * halts with interrupts enabled until one has been handled, and
 * SYS_HYPERCALL + nr makes hypercall nr with the arguments of the Xen
 * 64-bit ABI (rdi, rsi, rdx, r10, r8) already in place.  Ring 3 cannot make
 * hypercalls itself: the hypervisor refuses calls from CPL 3.
 */
#define SYS_IDLE 2
#define SYS_HYPERCALL 0x100

/* The hypercall page: one 32-byte stub per hypercall number. */
#define HYPERCALL_STUB_SHIFT 5
#define HYPERCALL_STUB_SIZE (1 << HYPERCALL_STUB_SHIFT)
#define NR_HYPERCALLS (PAGE_SIZE / HYPERCALL_STUB_SIZE)

/* Offset of RSP0 in the 64-bit TSS. */
#define TSS_RSP0 4

/* struct user_ctx: the fields user_enter reads. */
#define UCTX_FN     0
#define UCTX_ARG    8
#define UCTX_RSP    16
#define UCTX_RFLAGS 24

/* struct trap_frame: 15 saved registers, vector, error code, iret frame. */
#define TRAP_FRAME_SIZE ((15 + 2 + 5) * 8)

#endif
