/*
 * Power-off, crash and reboot.
 */
#include "xen_abi.h"

#include "console.h"
#include "hcall.h"
#include "power.h"
#include "x86.h"

#define DEBUG_EXIT_PORT 0xf4
#define KBC_COMMAND_PORT 0x64
#define KBC_PULSE_RESET 0xfe

/* Returns only without Xen. */
static void xen_shutdown(unsigned reason)
{
	struct sched_shutdown s = { .reason = reason };

	if (!xen_present())
		return;
	console_flush();
	hc_sched_op(SCHEDOP_shutdown, &s);
	halt_forever();
}

void power_off(void)
{
	xen_shutdown(SHUTDOWN_poweroff);
	outb(DEBUG_EXIT_PORT, 0);
	halt_forever();
}

void power_crash(void)
{
	xen_shutdown(SHUTDOWN_crash);
	outb(DEBUG_EXIT_PORT, 1);
	halt_forever();
}

void power_reboot(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	xen_shutdown(SHUTDOWN_reboot);
	outb(KBC_COMMAND_PORT, KBC_PULSE_RESET);
	/* With an empty IDT, the breakpoint becomes a triple fault. */
	__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	halt_forever();
}
