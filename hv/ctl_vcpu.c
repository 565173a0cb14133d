/*
 * A vCPU's state in the control protocol's wire form (struct hv_ctl_vcpu,
 * ctl_proto.h): every KVM field copied by name, so that the wire layout
 * never depends on how a compiler lays out the in-memory structs, and
 * every field checked on the way in.
 */
#include "ctl_proto.h"

#include <errno.h>
#include <string.h>

#include <xen/xen.h>

#define PAGE_SIZE 4096u
#define MIN_UPCALL_VECTOR 0x10
#define MAX_GPA (1ULL << 52)
#define EVENT_FLAGS                                                                          \
	(KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR |                 \
	 KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM | KVM_VCPUEVENT_VALID_PAYLOAD | \
	 KVM_VCPUEVENT_VALID_TRIPLE_FAULT)
#define SHADOW_FLAGS (KVM_X86_SHADOW_INT_MOV_SS | KVM_X86_SHADOW_INT_STI)

_Static_assert(sizeof(((struct kvm_lapic_state *)0)->regs) == 1024, "LAPIC page");
_Static_assert(sizeof(((struct kvm_xsave *)0)->region) == 4096, "XSAVE area");
_Static_assert(sizeof(((struct kvm_sregs *)0)->interrupt_bitmap) == 32, "interrupt bitmap");

/* The segment registers in wire order; the same list for both directions. */
#define SEGMENTS(s) \
	{ &(s)->cs, &(s)->ds, &(s)->es, &(s)->fs, &(s)->gs, &(s)->ss, &(s)->tr, &(s)->ldt }

static bool flag(uint8_t b)
{
	return b <= 1;
}

/* Encoding */

static void segment_out(const struct kvm_segment *k, struct hv_ctl_segment *w)
{
	*w = (struct hv_ctl_segment){
		.base = k->base, .limit = k->limit, .selector = k->selector, .type = k->type,
		.present = k->present, .dpl = k->dpl, .db = k->db, .s = k->s, .l = k->l,
		.g = k->g, .avl = k->avl, .unusable = k->unusable,
	};
}

static void regs_out(const struct kvm_regs *r, const struct kvm_sregs *s, struct hv_ctl_vcpu *w)
{
	const uint64_t gpr[16] = { r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi,
				   r->rsp, r->rbp, r->r8,  r->r9,  r->r10, r->r11,
				   r->r12, r->r13, r->r14, r->r15 };
	const struct kvm_segment *seg[8] = SEGMENTS(s);

	memcpy(w->gpr, gpr, sizeof(gpr));
	w->rip = r->rip;
	w->rflags = r->rflags;
	for (unsigned i = 0; i < 8; i++)
		segment_out(seg[i], &w->seg[i]);
	w->gdt = (struct hv_ctl_dtable){ .base = s->gdt.base, .limit = s->gdt.limit };
	w->idt = (struct hv_ctl_dtable){ .base = s->idt.base, .limit = s->idt.limit };
	w->cr0 = s->cr0;
	w->cr2 = s->cr2;
	w->cr3 = s->cr3;
	w->cr4 = s->cr4;
	w->cr8 = s->cr8;
	w->efer = s->efer;
	w->apic_base = s->apic_base;
	memcpy(w->interrupt_bitmap, s->interrupt_bitmap, sizeof(w->interrupt_bitmap));
}

static void events_out(const struct kvm_vcpu_events *e, struct hv_ctl_events *w)
{
	*w = (struct hv_ctl_events){
		.exc_injected = e->exception.injected,
		.exc_nr = e->exception.nr,
		.exc_has_error_code = e->exception.has_error_code,
		.exc_pending = e->exception.pending,
		.exc_error_code = e->exception.error_code,
		.irq_injected = e->interrupt.injected,
		.irq_nr = e->interrupt.nr,
		.irq_soft = e->interrupt.soft,
		.irq_shadow = e->interrupt.shadow,
		.nmi_injected = e->nmi.injected,
		.nmi_pending = e->nmi.pending,
		.nmi_masked = e->nmi.masked,
		.sipi_vector = e->sipi_vector,
		.flags = e->flags,
		.smi_smm = e->smi.smm,
		.smi_pending = e->smi.pending,
		.smi_inside_nmi = e->smi.smm_inside_nmi,
		.smi_latched_init = e->smi.latched_init,
		.triple_fault_pending = e->triple_fault.pending,
		.exc_has_payload = e->exception_has_payload,
		.exc_payload = e->exception_payload,
	};
}

int hv_ctl_vcpu_encode(const struct hv_vcpu_state *s, unsigned vcpu, struct hv_ctl_vcpu *w)
{
	if (s->nr_msrs > HV_VCPU_MAX_MSRS || s->xcrs.nr_xcrs > HV_CTL_MAX_XCRS)
		return -EINVAL;
	memset(w, 0, sizeof(*w));
	w->version = HV_CTL_VCPU_VERSION;
	w->vcpu = vcpu;
	regs_out(&s->regs, &s->sregs, w);
	events_out(&s->events, &w->events);
	w->mp_state = s->mp.mp_state;
	w->nr_xcrs = s->xcrs.nr_xcrs;
	w->xcr_flags = s->xcrs.flags;
	for (unsigned i = 0; i < s->xcrs.nr_xcrs; i++)
		w->xcrs[i] = (struct hv_ctl_msr){ .index = s->xcrs.xcrs[i].xcr,
						  .value = s->xcrs.xcrs[i].value };
	w->nr_msrs = s->nr_msrs;
	for (unsigned i = 0; i < s->nr_msrs; i++)
		w->msrs[i] = (struct hv_ctl_msr){ .index = s->msrs[i].index,
						  .value = s->msrs[i].data };
	w->vcpu_info_gpa = s->vcpu_info_gpa;
	w->upcall_vector = s->upcall_vector;
	w->up = s->up;
	w->initialised = s->initialised;
	memcpy(w->lapic, s->lapic.regs, sizeof(w->lapic));
	memcpy(w->xsave, s->xsave.region, sizeof(w->xsave));
	return 0;
}

/* Decoding */

static int segment_in(const struct hv_ctl_segment *w, struct kvm_segment *k)
{
	if (w->type > 15 || w->dpl > 3 || !flag(w->present) || !flag(w->db) || !flag(w->s) ||
	    !flag(w->l) || !flag(w->g) || !flag(w->avl) || !flag(w->unusable) || w->pad)
		return -EINVAL;
	*k = (struct kvm_segment){
		.base = w->base, .limit = w->limit, .selector = w->selector, .type = w->type,
		.present = w->present, .dpl = w->dpl, .db = w->db, .s = w->s, .l = w->l,
		.g = w->g, .avl = w->avl, .unusable = w->unusable,
	};
	return 0;
}

static int regs_in(const struct hv_ctl_vcpu *w, struct kvm_regs *r, struct kvm_sregs *s)
{
	const uint64_t *g = w->gpr;
	struct kvm_segment *seg[8] = SEGMENTS(s);

	*r = (struct kvm_regs){
		.rax = g[0], .rbx = g[1], .rcx = g[2], .rdx = g[3], .rsi = g[4], .rdi = g[5],
		.rsp = g[6], .rbp = g[7], .r8 = g[8], .r9 = g[9], .r10 = g[10], .r11 = g[11],
		.r12 = g[12], .r13 = g[13], .r14 = g[14], .r15 = g[15],
		.rip = w->rip, .rflags = w->rflags,
	};
	for (unsigned i = 0; i < 8; i++)
		if (segment_in(&w->seg[i], seg[i]))
			return -EINVAL;
	if (!hv__ctl_zero(w->gdt.pad, sizeof(w->gdt.pad)) ||
	    !hv__ctl_zero(w->idt.pad, sizeof(w->idt.pad)))
		return -EINVAL;
	s->gdt = (struct kvm_dtable){ .base = w->gdt.base, .limit = w->gdt.limit };
	s->idt = (struct kvm_dtable){ .base = w->idt.base, .limit = w->idt.limit };
	s->cr0 = w->cr0;
	s->cr2 = w->cr2;
	s->cr3 = w->cr3;
	s->cr4 = w->cr4;
	s->cr8 = w->cr8;
	s->efer = w->efer;
	s->apic_base = w->apic_base;
	memcpy(s->interrupt_bitmap, w->interrupt_bitmap, sizeof(s->interrupt_bitmap));
	return 0;
}

static bool events_valid(const struct hv_ctl_events *w)
{
	const uint8_t flags[] = { w->exc_injected, w->exc_has_error_code, w->exc_pending,
				  w->irq_injected, w->irq_soft, w->nmi_injected, w->nmi_pending,
				  w->nmi_masked, w->smi_smm, w->smi_pending, w->smi_inside_nmi,
				  w->smi_latched_init, w->triple_fault_pending,
				  w->exc_has_payload };

	for (size_t i = 0; i < sizeof(flags); i++)
		if (!flag(flags[i]))
			return false;
	return w->exc_nr < 32 && !(w->irq_shadow & ~SHADOW_FLAGS) && !(w->flags & ~EVENT_FLAGS) &&
	       !w->pad0 && !w->pad1[0] && !w->pad1[1];
}

static void events_in(const struct hv_ctl_events *w, struct kvm_vcpu_events *e)
{
	memset(e, 0, sizeof(*e));
	e->exception.injected = w->exc_injected;
	e->exception.nr = w->exc_nr;
	e->exception.has_error_code = w->exc_has_error_code;
	e->exception.pending = w->exc_pending;
	e->exception.error_code = w->exc_error_code;
	e->interrupt.injected = w->irq_injected;
	e->interrupt.nr = w->irq_nr;
	e->interrupt.soft = w->irq_soft;
	e->interrupt.shadow = w->irq_shadow;
	e->nmi.injected = w->nmi_injected;
	e->nmi.pending = w->nmi_pending;
	e->nmi.masked = w->nmi_masked;
	e->sipi_vector = w->sipi_vector;
	e->flags = w->flags;
	e->smi.smm = w->smi_smm;
	e->smi.pending = w->smi_pending;
	e->smi.smm_inside_nmi = w->smi_inside_nmi;
	e->smi.latched_init = w->smi_latched_init;
	e->triple_fault.pending = w->triple_fault_pending;
	e->exception_has_payload = w->exc_has_payload;
	e->exception_payload = w->exc_payload;
}

static bool saved_msr(uint32_t index)
{
	for (unsigned i = 0; i < hv_vcpu_nr_saved_msrs; i++)
		if (hv_vcpu_saved_msrs[i] == index)
			return true;
	return false;
}

static int msrs_in(const struct hv_ctl_vcpu *w, struct hv_vcpu_state *s)
{
	if (w->nr_msrs > HV_VCPU_MAX_MSRS ||
	    !hv__ctl_zero(&w->msrs[w->nr_msrs],
			  (HV_CTL_MAX_MSRS - w->nr_msrs) * sizeof(w->msrs[0])))
		return -EINVAL;
	for (uint32_t i = 0; i < w->nr_msrs; i++) {
		if (w->msrs[i].reserved || !saved_msr(w->msrs[i].index))
			return -EINVAL;
		for (uint32_t j = 0; j < i; j++)
			if (w->msrs[j].index == w->msrs[i].index)
				return -EINVAL;
		s->msrs[i] = (struct kvm_msr_entry){ .index = w->msrs[i].index,
						     .data = w->msrs[i].value };
	}
	s->nr_msrs = w->nr_msrs;
	return 0;
}

static int xcrs_in(const struct hv_ctl_vcpu *w, struct kvm_xcrs *x)
{
	if (w->nr_xcrs > HV_CTL_MAX_XCRS || w->xcr_flags ||
	    !hv__ctl_zero(&w->xcrs[w->nr_xcrs],
			  (HV_CTL_MAX_XCRS - w->nr_xcrs) * sizeof(w->xcrs[0])))
		return -EINVAL;
	memset(x, 0, sizeof(*x));
	for (uint32_t i = 0; i < w->nr_xcrs; i++) {
		if (w->xcrs[i].reserved)
			return -EINVAL;
		x->xcrs[i] = (struct kvm_xcr){ .xcr = w->xcrs[i].index, .value = w->xcrs[i].value };
	}
	x->nr_xcrs = w->nr_xcrs;
	return 0;
}

/* tern-hv's own fields: a vcpu_info within one page, a usable vector. */
static bool own_valid(const struct hv_ctl_vcpu *w)
{
	uint64_t vi = w->vcpu_info_gpa;

	if (vi && (vi >= MAX_GPA || vi % PAGE_SIZE > PAGE_SIZE - sizeof(struct vcpu_info)))
		return false;
	if (w->upcall_vector && w->upcall_vector < MIN_UPCALL_VECTOR)
		return false;
	return flag(w->up) && flag(w->initialised) && hv__ctl_zero(w->pad, sizeof(w->pad));
}

int hv_ctl_vcpu_decode(const struct hv_ctl_vcpu *w, struct hv_vcpu_state *s)
{
	struct hv_vcpu_state t;

	memset(&t, 0, sizeof(t));
	if (w->version != HV_CTL_VCPU_VERSION || w->mp_state > KVM_MP_STATE_SUSPENDED ||
	    !events_valid(&w->events) || !own_valid(w))
		return -EINVAL;
	if (regs_in(w, &t.regs, &t.sregs) || msrs_in(w, &t) || xcrs_in(w, &t.xcrs))
		return -EINVAL;
	events_in(&w->events, &t.events);
	t.mp.mp_state = w->mp_state;
	memcpy(t.lapic.regs, w->lapic, sizeof(t.lapic.regs));
	memcpy(t.xsave.region, w->xsave, sizeof(t.xsave.region));
	t.vcpu_info_gpa = w->vcpu_info_gpa;
	t.upcall_vector = w->upcall_vector;
	t.up = w->up;
	t.initialised = w->initialised;
	*s = t;
	return 0;
}
