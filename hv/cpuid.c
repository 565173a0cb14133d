/*
 * The CPUID table each vCPU sees: what KVM supports on this host, KVM's own
 * paravirtual leaves replaced by Xen's, the TSC frequency in leaf 0x15, and
 * the operator's masks (cpuid= in the config) applied last.
 */
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <xen/arch-x86/cpuid.h>

#include "domain.h"
#include "log.h"

#define HV_LEAF_FIRST 0x40000000u
#define HV_LEAF_LAST 0x4fffffffu
#define LEAF_TSC 0x15u
/* Entries we may add to the host's table. */
#define EXTRA_ENTRIES 16

static int host_cpuid(struct hv_domain *d)
{
	for (unsigned n = 128; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			return -ENOMEM;
		c->nent = n;
		if (ioctl(d->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			d->host_cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG) {
			log_warn("KVM_GET_SUPPORTED_CPUID");
			return -errno;
		}
	}
	return -E2BIG;
}

/*
 * Of the leaves added here only Xen's leaf 3 has subleaves; the others must
 * answer whatever ECX holds (GRUB asks for leaf 2 with ECX left at 12).
 */
static struct kvm_cpuid_entry2 *add(struct kvm_cpuid2 *c, uint32_t leaf, uint32_t subleaf)
{
	struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];

	memset(e, 0, sizeof(*e));
	e->function = leaf;
	e->index = subleaf;
	if (leaf == XEN_CPUID_LEAF(3))
		e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	return e;
}

static struct kvm_cpuid_entry2 *find(struct kvm_cpuid2 *c, uint32_t leaf)
{
	for (unsigned i = 0; i < c->nent; i++)
		if (c->entries[i].function == leaf)
			return &c->entries[i];
	return NULL;
}

/* Leaf 0x15: TSC = crystal * ebx / eax, with the crystal at the TSC rate. */
static void tsc_leaf(struct hv_domain *d, struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e = find(c, LEAF_TSC);
	uint64_t hz = (uint64_t)d->tsc_khz * 1000;
	uint32_t div = 1;

	if (!e)
		e = add(c, LEAF_TSC, 0);
	while (hz / div > UINT32_MAX)
		div++;
	e->eax = 1;
	e->ebx = div;
	e->ecx = (uint32_t)(hz / div);
	e->edx = 0;
}

static void xen_leaves(struct hv_domain *d, struct hv_vcpu *v, struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e;

	e = add(c, XEN_CPUID_LEAF(0), 0);
	e->eax = XEN_CPUID_LEAF(4);
	e->ebx = XEN_CPUID_SIGNATURE_EBX;
	e->ecx = XEN_CPUID_SIGNATURE_ECX;
	e->edx = XEN_CPUID_SIGNATURE_EDX;
	add(c, XEN_CPUID_LEAF(1), 0)->eax = HV_XEN_VERSION;
	e = add(c, XEN_CPUID_LEAF(2), 0);
	e->eax = 1; /* one hypercall page */
	e->ebx = HV_HYPERCALL_MSR;
	e = add(c, XEN_CPUID_LEAF(3), 0);
	e->ecx = d->tsc_khz; /* guest TSC kHz; native TSC mode */
	add(c, XEN_CPUID_LEAF(3), 1);
	add(c, XEN_CPUID_LEAF(3), 2)->eax = d->tsc_khz;
	e = add(c, XEN_CPUID_LEAF(4), 0);
	e->eax = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
		 XEN_HVM_CPUID_UPCALL_VECTOR;
	e->ebx = v->id;
	e->ecx = d->domid;
}

/* The vCPU's identity in the standard leaves. */
static void identity(struct hv_vcpu *v, struct kvm_cpuid2 *c)
{
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 0:
			if (e->eax < LEAF_TSC)
				e->eax = LEAF_TSC;
			break;
		case 1:
			e->ebx = (e->ebx & 0x00ffffff) | (v->id << 24);
			e->ecx |= 1u << 31; /* running on a hypervisor */
			break;
		case 0xb:
		case 0x1f:
			e->edx = v->id;
			break;
		}
	}
}

int hv_cpuid_setup(struct hv_domain *d, struct hv_vcpu *v)
{
	struct kvm_cpuid2 *c;
	int err;

	if (!d->host_cpuid && (err = host_cpuid(d)))
		return err;
	if (!d->tsc_khz) {
		int khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);

		if (khz <= 0) {
			log_warn("KVM_GET_TSC_KHZ");
			return -EIO;
		}
		d->tsc_khz = (uint32_t)khz;
	}
	c = calloc(1, sizeof(*c) + (d->host_cpuid->nent + EXTRA_ENTRIES) * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;
	for (unsigned i = 0; i < d->host_cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &d->host_cpuid->entries[i];

		if (e->function < HV_LEAF_FIRST || e->function > HV_LEAF_LAST)
			c->entries[c->nent++] = *e;
	}
	identity(v, c);
	tsc_leaf(d, c);
	xen_leaves(d, v, c);
	hv_cpuid_policy_apply(&d->cpuid_policy, c->entries, c->nent);
	err = ioctl(v->fd, KVM_SET_CPUID2, c) < 0 ? -errno : 0;
	if (err)
		log_warnx("vcpu%u: KVM_SET_CPUID2: %s", v->id, strerror(-err));
	free(c);
	return err;
}
