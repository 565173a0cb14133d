/*
 * Trap dispatch: interrupts are served wherever they arrive; ring-3 traps
 * end or serve the running job; any other trap in ring 0 is a bug and
 * crashes the domain.
 */
#include "console.h"
#include "cpu.h"
#include "evtchn.h"
#include "lapic.h"
#include "modes.h"
#include "power.h"
#include "user.h"
#include "x86.h"

int trap_dispatch(struct trap_frame *f)
{
	if (f->vector == UPCALL_VECTOR) {
		evtchn_upcall(this_cpu());
		lapic_eoi();
		return 0;
	}
	if (f->vector == SPURIOUS_VECTOR)
		return 0;
	if (f->cs & 3)
		return user_trap(f);
	if (f->vector == 3 && insntest_breakpoint(f->rip) == 0)
		return 0;
	console_emergency();
	kprintf("mini: exception %lu at rip 0x%lx error 0x%lx cr2 0x%lx rsp 0x%lx\n", f->vector,
		f->rip, f->error, read_cr2(), f->rsp);
	power_crash();
}
