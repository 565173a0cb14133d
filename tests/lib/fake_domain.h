/*
 * A domain with guest memory and vCPUs but no KVM VM, for unit tests and
 * fuzzers of the hypercall layer.  Each vCPU has a kvm_run of its own whose
 * s.regs the test fills to choose the paging mode hypercalls see.
 */
#ifndef TESTS_FAKE_DOMAIN_H
#define TESTS_FAKE_DOMAIN_H

#include "domain.h"

/* The TSC rate a fake domain claims (KVM would measure it). */
#define FAKE_TSC_KHZ 2600000u

struct fake_domain {
	struct hv_config cfg;
	struct hv_domain d;
};

/*
 * Builds f with ram_mib MiB of RAM, nr_vcpus vCPUs (vCPU 0 up), the boot
 * memory map, stdout as the console, and the devices linked into the test
 * (those whose code it uses) brought up.  SIGUSR2 (the stop notice) is
 * blocked in the calling thread.  Returns 0 or -errno.
 */
int fake_domain_init(struct fake_domain *f, uint64_t ram_mib, unsigned nr_vcpus);

/* Releases everything fake_domain_init made. */
void fake_domain_destroy(struct fake_domain *f);

#endif
