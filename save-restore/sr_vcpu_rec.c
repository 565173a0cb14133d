/*
 * Tern's vCPU sub-record (struct sr_vcpu_rec): what KVM and tern-hv keep
 * for a vCPU that Xen's HVM save records cannot hold.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "sr_int.h"

/* The event flags KVM defines (KVM_VCPUEVENT_VALID_*). */
#define EVENTS_FLAGS_KNOWN                                                                   \
	(KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR |               \
	 KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM | KVM_VCPUEVENT_VALID_PAYLOAD | \
	 KVM_VCPUEVENT_VALID_TRIPLE_FAULT)
#define MP_STATE_MAX KVM_MP_STATE_SUSPENDED

void sr__vcpu_rec_encode(const struct hv_vcpu_state *s, unsigned id, struct sr_vcpu_rec *r)
{
	const struct kvm_vcpu_events *e = &s->events;

	memset(r, 0, sizeof(*r));
	r->vcpu_id = htole32(id);
	r->mp_state = htole32(s->mp.mp_state);
	r->vcpu_info_gpa = htole64(s->vcpu_info_gpa);
	r->upcall_vector = s->upcall_vector;
	r->up = s->up;
	r->initialised = s->initialised;
	r->events_flags = htole32(e->flags);
	r->exc_injected = e->exception.injected;
	r->exc_nr = e->exception.nr;
	r->exc_has_error_code = e->exception.has_error_code;
	r->exc_pending = e->exception.pending;
	r->exc_error_code = htole32(e->exception.error_code);
	r->irq_injected = e->interrupt.injected;
	r->irq_nr = e->interrupt.nr;
	r->irq_soft = e->interrupt.soft;
	r->irq_shadow = e->interrupt.shadow;
	r->nmi_injected = e->nmi.injected;
	r->nmi_pending = e->nmi.pending;
	r->nmi_masked = e->nmi.masked;
	r->sipi_vector = htole32(e->sipi_vector);
	r->smi_smm = e->smi.smm;
	r->smi_pending = e->smi.pending;
	r->smi_inside_nmi = e->smi.smm_inside_nmi;
	r->smi_latched_init = e->smi.latched_init;
	r->triple_fault_pending = e->triple_fault.pending;
	r->exc_has_payload = e->exception_has_payload;
	r->exc_payload = htole64(e->exception_payload);
	for (unsigned i = 0; i < 4; i++)
		r->interrupt_bitmap[i] = htole64(s->sregs.interrupt_bitmap[i]);
}

/* Every flag byte is 0 or 1, every padding byte 0. */
static bool rec_well_formed(const struct sr_vcpu_rec *r)
{
	const uint8_t flags[] = {
		r->up, r->initialised, r->exc_injected, r->exc_has_error_code, r->exc_pending,
		r->irq_injected, r->irq_soft, r->nmi_injected, r->nmi_pending, r->nmi_masked,
		r->smi_smm, r->smi_pending, r->smi_inside_nmi, r->smi_latched_init,
		r->triple_fault_pending, r->exc_has_payload,
	};
	uint8_t pad = r->pad0 | r->pad1;

	for (unsigned i = 0; i < sizeof(flags); i++)
		if (flags[i] > 1)
			return false;
	for (unsigned i = 0; i < sizeof(r->pad2); i++)
		pad |= r->pad2[i];
	return pad == 0 && (le32toh(r->events_flags) & ~EVENTS_FLAGS_KNOWN) == 0 &&
	       le32toh(r->mp_state) <= MP_STATE_MAX && r->exc_nr < 32 && r->irq_shadow <= 3;
}

int sr__vcpu_rec_decode(struct sr_ctx *ctx, const struct sr_vcpu_rec *r, unsigned id, struct hv_vcpu_state *s)
{
	struct kvm_vcpu_events *e = &s->events;

	if (le32toh(r->vcpu_id) != id)
		return sr__fail(ctx, -EINVAL, "vCPU sub-record %u is for vCPU %u", id, le32toh(r->vcpu_id));
	if (!rec_well_formed(r))
		return sr__fail(ctx, -EINVAL, "vCPU sub-record %u has a bad field", id);
	memset(e, 0, sizeof(*e));
	s->mp.mp_state = le32toh(r->mp_state);
	s->vcpu_info_gpa = le64toh(r->vcpu_info_gpa);
	s->upcall_vector = r->upcall_vector;
	s->up = r->up;
	s->initialised = r->initialised;
	e->flags = le32toh(r->events_flags);
	e->exception.injected = r->exc_injected;
	e->exception.nr = r->exc_nr;
	e->exception.has_error_code = r->exc_has_error_code;
	e->exception.pending = r->exc_pending;
	e->exception.error_code = le32toh(r->exc_error_code);
	e->interrupt.injected = r->irq_injected;
	e->interrupt.nr = r->irq_nr;
	e->interrupt.soft = r->irq_soft;
	e->interrupt.shadow = r->irq_shadow;
	e->nmi.injected = r->nmi_injected;
	e->nmi.pending = r->nmi_pending;
	e->nmi.masked = r->nmi_masked;
	e->sipi_vector = le32toh(r->sipi_vector);
	e->smi.smm = r->smi_smm;
	e->smi.pending = r->smi_pending;
	e->smi.smm_inside_nmi = r->smi_inside_nmi;
	e->smi.latched_init = r->smi_latched_init;
	e->triple_fault.pending = r->triple_fault_pending;
	e->exception_has_payload = r->exc_has_payload;
	e->exception_payload = le64toh(r->exc_payload);
	for (unsigned i = 0; i < 4; i++)
		s->sregs.interrupt_bitmap[i] = le64toh(r->interrupt_bitmap[i]);
	return 0;
}
