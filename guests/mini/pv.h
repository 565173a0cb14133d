/*
 * Bringing up the paravirtual interfaces: per vCPU (local APIC, vcpu_info,
 * upcall vector) and, for the modes that use devices, all of them at once.
 */
#ifndef MINI_PV_H
#define MINI_PV_H

#include <stdint.h>

#include "xen_abi.h"

struct cpu;
struct kernel;

/*
 * On c's own vCPU, after shared_info is placed: enables the local APIC,
 * registers c's vcpu_info (unless done already) and asks for upcalls.
 * Returns 0 or a negative Xen errno (-XEN_ENODEV if the local APIC is
 * unusable).
 */
long pv_cpu_init(struct cpu *c);

/*
 * Finds a ring the hypervisor set up in a special page (the console's or
 * xenstore's): reads the HVM params that give its frame and event channel,
 * maps the page and handles the channel on vCPU 0.  Ring 0, on the BSP.
 * Returns 0 and the page's address and the port, or a negative Xen errno.
 */
long pv_find_ring(uint32_t pfn_param, uint32_t evtchn_param, void **page, evtchn_port_t *port);

/*
 * On the BSP, for modes other than selftest (which checks each step
 * itself): shared_info, the BSP's events and timer, the grant table, the
 * console ring and xenstore.  Prints what failed and crashes the domain if
 * anything does.
 */
void pv_init(struct kernel *k);

#endif
