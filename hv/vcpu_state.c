#include "vcpu_state.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "domain.h"
#include "log.h"

const uint32_t hv_vcpu_saved_msrs[] = {
	0x00000010, /* TSC */
	0x0000001b, /* APIC base (also in sregs; KVM wants it set first) */
	0x00000174, /* SYSENTER_CS */
	0x00000175, /* SYSENTER_ESP */
	0x00000176, /* SYSENTER_EIP */
	0x00000277, /* PAT */
	0x000006e0, /* TSC_DEADLINE */
	0xc0000081, /* STAR */
	0xc0000082, /* LSTAR */
	0xc0000083, /* CSTAR */
	0xc0000084, /* SFMASK */
	0xc0000102, /* KERNEL_GS_BASE */
	0xc0000103, /* TSC_AUX */
	0x000001a0, /* MISC_ENABLE */
};
const unsigned hv_vcpu_nr_saved_msrs = sizeof(hv_vcpu_saved_msrs) / sizeof(hv_vcpu_saved_msrs[0]);

_Static_assert(sizeof(hv_vcpu_saved_msrs) / sizeof(hv_vcpu_saved_msrs[0]) <= HV_VCPU_MAX_MSRS,
	       "room for the saved MSRs");

/* KVM_GET/SET_MSRS take a header followed by the entries. */
struct msr_buf {
	uint64_t space[(sizeof(struct kvm_msrs) + HV_VCPU_MAX_MSRS * sizeof(struct kvm_msr_entry)) /
		       8];
};

static struct kvm_msrs *msr_hdr(struct msr_buf *b)
{
	return (struct kvm_msrs *)b->space;
}

/* Reads each listed MSR on its own, keeping those this host's KVM has. */
static int get_msrs(struct hv_vcpu *v, struct hv_vcpu_state *s)
{
	struct msr_buf b;

	s->nr_msrs = 0;
	for (unsigned i = 0; i < hv_vcpu_nr_saved_msrs; i++) {
		memset(&b, 0, sizeof(b));
		msr_hdr(&b)->nmsrs = 1;
		msr_hdr(&b)->entries[0].index = hv_vcpu_saved_msrs[i];
		if (ioctl(v->fd, KVM_GET_MSRS, msr_hdr(&b)) == 1)
			s->msrs[s->nr_msrs++] = msr_hdr(&b)->entries[0];
	}
	return 0;
}

static int set_msrs(struct hv_vcpu *v, const struct hv_vcpu_state *s)
{
	struct msr_buf b;
	int n;

	if (s->nr_msrs > HV_VCPU_MAX_MSRS)
		return -EINVAL;
	memset(&b, 0, sizeof(b));
	msr_hdr(&b)->nmsrs = s->nr_msrs;
	memcpy(msr_hdr(&b)->entries, s->msrs, s->nr_msrs * sizeof(s->msrs[0]));
	n = ioctl(v->fd, KVM_SET_MSRS, msr_hdr(&b));
	if (n < 0)
		return -errno;
	return (unsigned)n == s->nr_msrs ? 0 : -EINVAL;
}

int hv_vcpu_state_get(struct hv_vcpu *v, struct hv_vcpu_state *s)
{
	struct hv_domain *d = v->d;
	int err = 0;

	memset(s, 0, sizeof(*s));
	if (ioctl(v->fd, KVM_GET_REGS, &s->regs) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s->sregs) < 0 ||
	    ioctl(v->fd, KVM_GET_XSAVE, &s->xsave) < 0 || ioctl(v->fd, KVM_GET_XCRS, &s->xcrs) < 0 ||
	    ioctl(v->fd, KVM_GET_LAPIC, &s->lapic) < 0 ||
	    ioctl(v->fd, KVM_GET_VCPU_EVENTS, &s->events) < 0 ||
	    ioctl(v->fd, KVM_GET_MP_STATE, &s->mp) < 0)
		err = -errno;
	if (!err)
		err = get_msrs(v, s);
	if (err) {
		log_warnx("vcpu%u: cannot read its state: %s", v->id, strerror(-err));
		return err;
	}
	pthread_mutex_lock(&d->lock);
	s->vcpu_info_gpa = v->vcpu_info_gpa;
	s->upcall_vector = v->upcall_vector;
	s->up = v->up;
	s->initialised = v->initialised;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int hv_vcpu_state_set(struct hv_vcpu *v, const struct hv_vcpu_state *s)
{
	struct hv_domain *d = v->d;
	struct hv_vcpu_state copy = *s;
	int err = 0;

	/* sregs before MSRs and the LAPIC: they carry EFER and the APIC base. */
	if (ioctl(v->fd, KVM_SET_SREGS, &copy.sregs) < 0 ||
	    ioctl(v->fd, KVM_SET_REGS, &copy.regs) < 0 ||
	    ioctl(v->fd, KVM_SET_XCRS, &copy.xcrs) < 0 ||
	    ioctl(v->fd, KVM_SET_XSAVE, &copy.xsave) < 0)
		err = -errno;
	if (!err)
		err = set_msrs(v, &copy);
	if (!err && (ioctl(v->fd, KVM_SET_LAPIC, &copy.lapic) < 0 ||
		     ioctl(v->fd, KVM_SET_VCPU_EVENTS, &copy.events) < 0 ||
		     ioctl(v->fd, KVM_SET_MP_STATE, &copy.mp) < 0))
		err = -errno;
	if (err) {
		log_warnx("vcpu%u: cannot load its state: %s", v->id, strerror(-err));
		return err;
	}
	pthread_mutex_lock(&d->lock);
	v->vcpu_info_gpa = s->vcpu_info_gpa;
	v->upcall_vector = s->upcall_vector;
	v->up = s->up;
	v->initialised = s->initialised;
	pthread_mutex_unlock(&d->lock);
	return 0;
}
