/*
 * Xen hypercalls through the hypercall page.
 *
 * The hypervisor fills the page with one 32-byte stub per hypercall number
 * when its physical address is written to the MSR that CPUID leaf
 * 0x40000002 names.  Arguments follow the Xen 64-bit ABI (rdi, rsi, rdx,
 * r10, r8); the result comes back in rax, a negative Xen errno on error.
 * The hypervisor may clobber the argument registers, so they are all
 * declared as outputs.  Ring-0 code calls the stubs itself; ring-3 code
 * asks ring 0 to (SYS_HYPERCALL), because the hypervisor refuses calls made
 * from CPL 3.
 */
#ifndef MINI_HCALL_H
#define MINI_HCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "xen_abi.h"

#include "layout.h"
#include "x86.h"

/* XENVER_version and CPUID leaf 0x40000001: Xen 4.17, whose ABI tern-hv follows. */
#define XEN_VERSION_EXPECTED 0x00040011

extern uint8_t hypercall_page[PAGE_SIZE];

/*
 * True if CPUID leaf 0x40000000 carries Xen's signature and leaves up to
 * 0x40000002 exist.
 */
bool xen_detect(void);

/*
 * Asks the hypervisor to fill hypercall_page.  Call once, after
 * xen_detect() returned true.  Returns false if CPUID says there are no
 * hypercall pages.
 */
bool xen_init(void);

/* True once xen_init() succeeded: hypercalls may be made. */
bool xen_present(void);

/* HVMOP_get_param for this domain.  Returns 0 or a negative Xen errno. */
long hvm_get_param(uint32_t index, uint64_t *value);

/*
 * Makes hypercall nr (below NR_HYPERCALLS) with up to five arguments by
 * calling its stub directly: ring 0 only (hostile mode also tries it from
 * ring 3, where the hypervisor must refuse it).
 */
static inline long hypercall_stub(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3,
				  uint64_t a4, uint64_t a5)
{
	register uint64_t r10 __asm__("r10") = a4;
	register uint64_t r8 __asm__("r8") = a5;
	long ret;

	__asm__ volatile("call *%[stub]"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 : [stub] "r"(hypercall_page + (uint64_t)nr * HYPERCALL_STUB_SIZE)
			 : "memory", "rcx", "r9", "r11");
	return ret;
}

/* The same from ring 3, through the SYS_HYPERCALL system call. */
static inline long hypercall_user(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3,
				  uint64_t a4, uint64_t a5)
{
	register uint64_t r10 __asm__("r10") = a4;
	register uint64_t r8 __asm__("r8") = a5;
	long ret = SYS_HYPERCALL + nr;

	__asm__ volatile("int %[vec]"
			 : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 : [vec] "i"(SYSCALL_VECTOR)
			 : "memory", "rcx", "r9", "r11");
	return ret;
}

/*
 * Makes hypercall nr (below NR_HYPERCALLS) with up to five arguments, from
 * ring 0 or ring 3.
 */
static inline long hypercall(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			     uint64_t a5)
{
	if (in_ring3())
		return hypercall_user(nr, a1, a2, a3, a4, a5);
	return hypercall_stub(nr, a1, a2, a3, a4, a5);
}

static inline long hc_xen_version(int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_xen_version, (uint64_t)cmd, (uintptr_t)arg, 0, 0, 0);
}

static inline long hc_console_io(int cmd, unsigned count, const void *buf)
{
	return hypercall(__HYPERVISOR_console_io, (uint64_t)cmd, count, (uintptr_t)buf, 0, 0);
}

static inline long hc_memory_op(unsigned cmd, void *arg)
{
	return hypercall(__HYPERVISOR_memory_op, cmd, (uintptr_t)arg, 0, 0, 0);
}

static inline long hc_hvm_op(unsigned cmd, void *arg)
{
	return hypercall(__HYPERVISOR_hvm_op, cmd, (uintptr_t)arg, 0, 0, 0);
}

static inline long hc_vcpu_op(int cmd, unsigned vcpu, void *arg)
{
	return hypercall(__HYPERVISOR_vcpu_op, (uint64_t)cmd, vcpu, (uintptr_t)arg, 0, 0);
}

static inline long hc_sched_op(int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_sched_op, (uint64_t)cmd, (uintptr_t)arg, 0, 0, 0);
}

static inline long hc_event_channel_op(int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_event_channel_op, (uint64_t)cmd, (uintptr_t)arg, 0, 0, 0);
}

static inline long hc_grant_table_op(unsigned cmd, void *arg, unsigned count)
{
	return hypercall(__HYPERVISOR_grant_table_op, cmd, (uintptr_t)arg, count, 0, 0);
}

#endif
