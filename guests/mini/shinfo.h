/*
 * Where the hypervisor shares state with mini: the shared_info page
 * (event-channel bits, wall clock) and each vCPU's vcpu_info (upcall flags,
 * pvclock).
 */
#ifndef MINI_SHINFO_H
#define MINI_SHINFO_H

#include <stdint.h>

#include "xen_abi.h"

struct cpu;

/*
 * Places shared_info at guest frame gfn (XENMEM_add_to_physmap), which the
 * caller has mapped, and uses it from then on.  Ring 0, on the BSP, before
 * other vCPUs use events.  Returns 0 or a negative Xen errno.
 */
long shinfo_map(uint64_t gfn);

/* shared_info, or NULL before shinfo_map() succeeded. */
struct shared_info *shinfo_get(void);

/*
 * Moves c's vcpu_info into c itself (VCPUOP_register_vcpu_info; allowed
 * once per vCPU).  Returns 0 or a negative Xen errno.
 */
long shinfo_register_vcpu_info(struct cpu *c);

/*
 * c's vcpu_info: the registered one, else its slot in shared_info, else
 * NULL.
 */
struct vcpu_info *vcpu_info_of(const struct cpu *c);

#endif
