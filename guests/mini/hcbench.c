/*
 * "hcbench[=N]": the cost of one hypercall round trip.  Makes N (default
 * 100000) XENVER_version calls in a row from ring 0, times them with the
 * TSC, prints the mean, and powers off.  On hosts where ring-0 guest code is
 * emulated, the loop and the stub are part of what is measured, as they are
 * for any real guest.
 */
#include "console.h"
#include "hcall.h"
#include "kernel.h"
#include "lib.h"
#include "modes.h"
#include "power.h"
#include "tsc.h"
#include "x86.h"

#define DEFAULT_CALLS 100000

void hcbench_main(struct kernel *k, const char *args)
{
	uint64_t n = DEFAULT_CALLS, hz = tsc_hz(k), start, cycles;

	if (!xen_present()) {
		kprintf("hcbench: no hypervisor\n");
		power_off();
	}
	if (*args && (!parse_u64(&args, &n) || *args || n == 0)) {
		kprintf("hcbench: bad call count\n");
		power_crash();
	}
	start = rdtsc();
	for (uint64_t i = 0; i < n; i++)
		if (hc_xen_version(XENVER_version, NULL) != XEN_VERSION_EXPECTED) {
			kprintf("hcbench: call %llu failed\n", (unsigned long long)i);
			power_crash();
		}
	cycles = rdtsc() - start;
	kprintf("hcbench: %llu hypercalls, %llu ns each\n", (unsigned long long)n,
		(unsigned long long)(cycles * 1000000000ULL / hz / n));
	power_off();
}
