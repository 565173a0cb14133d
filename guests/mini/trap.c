/*
 * Trap dispatch: ring-3 traps end or serve the running job; anything in
 * ring 0 is a bug and crashes the domain.
 */
#include "console.h"
#include "cpu.h"
#include "power.h"
#include "user.h"
#include "x86.h"

int trap_dispatch(struct trap_frame *f)
{
	if (f->cs & 3)
		return user_trap(f);
	kprintf("mini: exception %lu at rip 0x%lx error 0x%lx cr2 0x%lx rsp 0x%lx\n", f->vector,
		f->rip, f->error, read_cr2(), f->rsp);
	power_crash();
}
