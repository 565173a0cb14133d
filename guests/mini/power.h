/*
 * Ending the domain.  With Xen: SCHEDOP_shutdown.  Without: QEMU's
 * isa-debug-exit device at port 0xf4 (QEMU exits with status 1 for
 * power-off, 3 for a crash), the keyboard controller reset and a triple
 * fault for reboot.  If none of that works, the vCPU halts forever.
 */
#ifndef MINI_POWER_H
#define MINI_POWER_H

__attribute__((noreturn)) void power_off(void);
__attribute__((noreturn)) void power_crash(void);
__attribute__((noreturn)) void power_reboot(void);

#endif
