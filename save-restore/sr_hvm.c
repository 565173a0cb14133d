/*
 * One vCPU's state to and from Xen's HVM save records (see sr_hvm.h for
 * which side is authoritative where data sit twice).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sr_hvm.h"

/* Xen's event types in hvm_hw_cpu.pending_event (bits 8-10). */
#define EVTYPE_EXT_INTR 0u
#define EVTYPE_NMI 2u
#define EVTYPE_HW_EXCEPTION 3u
#define EVTYPE_SW_INTR 4u
#define PENDING_ERROR_VALID (1u << 11)
#define PENDING_VALID (1u << 31)

/* Xen's LAPIC "disabled" flags, and the registers they come from. */
#define VLAPIC_SW_DISABLED 0x1u
#define VLAPIC_HW_DISABLED 0x2u
#define APIC_BASE_ENABLE (1ULL << 11)
#define APIC_TPR 0x80
#define APIC_SVR 0xf0
#define APIC_SVR_ENABLE 0x100u
#define APIC_TDCR 0x3e0

/* The MSRs that Xen's records give a field of their own. */
static const struct {
	uint32_t index;
	size_t off;
	const char *name;
} msr_fields[] = {
	{ 0x00000010, offsetof(struct sr_hvm_vcpu, cpu.tsc), "TSC" },
	{ 0x0000001b, offsetof(struct sr_hvm_vcpu, lapic.apic_base_msr), "APIC_BASE" },
	{ 0x00000174, offsetof(struct sr_hvm_vcpu, cpu.sysenter_cs), "SYSENTER_CS" },
	{ 0x00000175, offsetof(struct sr_hvm_vcpu, cpu.sysenter_esp), "SYSENTER_ESP" },
	{ 0x00000176, offsetof(struct sr_hvm_vcpu, cpu.sysenter_eip), "SYSENTER_EIP" },
	{ 0x00000277, offsetof(struct sr_hvm_vcpu, mtrr.msr_pat_cr), "PAT" },
	{ 0x000006e0, offsetof(struct sr_hvm_vcpu, lapic.tdt_msr), "TSC_DEADLINE" },
	{ 0xc0000081, offsetof(struct sr_hvm_vcpu, cpu.msr_star), "STAR" },
	{ 0xc0000082, offsetof(struct sr_hvm_vcpu, cpu.msr_lstar), "LSTAR" },
	{ 0xc0000083, offsetof(struct sr_hvm_vcpu, cpu.msr_cstar), "CSTAR" },
	{ 0xc0000084, offsetof(struct sr_hvm_vcpu, cpu.msr_syscall_mask), "SFMASK" },
	{ 0xc0000102, offsetof(struct sr_hvm_vcpu, cpu.shadow_gs), "KERNEL_GS_BASE" },
	{ 0xc0000103, offsetof(struct sr_hvm_vcpu, cpu.msr_tsc_aux), "TSC_AUX" },
};
#define NR_MSR_FIELDS (sizeof(msr_fields) / sizeof(msr_fields[0]))

static uint64_t *msr_field(struct sr_hvm_vcpu *r, unsigned i)
{
	return (uint64_t *)((uint8_t *)r + msr_fields[i].off);
}

/* Xen's segment attributes: type, S, DPL, P, AVL, L, D/B, G in 12 bits. */
static uint32_t seg_attr(const struct kvm_segment *s)
{
	/* Like Xen, fold "unusable" into "not present". */
	bool p = s->present && !s->unusable;

	return (s->type & 0xfu) | (s->s & 1u) << 4 | (s->dpl & 3u) << 5 | (uint32_t)p << 7 |
	       (s->avl & 1u) << 8 | (s->l & 1u) << 9 | (s->db & 1u) << 10 | (s->g & 1u) << 11;
}

static int seg_load(uint32_t sel, uint32_t limit, uint64_t base, uint32_t attr, struct kvm_segment *s)
{
	if (sel > 0xffff || attr > 0xfff)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->selector = (uint16_t)sel;
	s->limit = limit;
	s->base = base;
	s->type = attr & 0xf;
	s->s = attr >> 4 & 1;
	s->dpl = attr >> 5 & 3;
	s->present = attr >> 7 & 1;
	s->avl = attr >> 8 & 1;
	s->l = attr >> 9 & 1;
	s->db = attr >> 10 & 1;
	s->g = attr >> 11 & 1;
	s->unusable = !s->present;
	return 0;
}

#define SEG_OUT(c, x, seg)                                 \
	do {                                               \
		(c)->x##_sel = (seg).selector;             \
		(c)->x##_limit = (seg).limit;              \
		(c)->x##_base = (seg).base;                \
		(c)->x##_arbytes = seg_attr(&(seg));       \
	} while (0)
#define SEG_IN(c, x, seg) seg_load((c)->x##_sel, (c)->x##_limit, (c)->x##_base, (c)->x##_arbytes, &(seg))

/* The injected event, as Xen's pending_event word says it. */
static void pending_encode(const struct kvm_vcpu_events *e, struct hvm_hw_cpu *c)
{
	uint32_t ev = 0;

	if (e->exception.injected) {
		ev = e->exception.nr | EVTYPE_HW_EXCEPTION << 8 | PENDING_VALID;
		if (e->exception.has_error_code) {
			ev |= PENDING_ERROR_VALID;
			c->error_code = e->exception.error_code;
		}
	} else if (e->interrupt.injected) {
		ev = e->interrupt.nr | (e->interrupt.soft ? EVTYPE_SW_INTR : EVTYPE_EXT_INTR) << 8 |
		     PENDING_VALID;
	} else if (e->nmi.injected) {
		ev = 2u | EVTYPE_NMI << 8 | PENDING_VALID;
	}
	c->pending_event = ev;
}

static void regs_encode(const struct kvm_regs *g, struct hvm_hw_cpu *c)
{
	c->rax = g->rax, c->rbx = g->rbx, c->rcx = g->rcx, c->rdx = g->rdx;
	c->rbp = g->rbp, c->rsi = g->rsi, c->rdi = g->rdi, c->rsp = g->rsp;
	c->r8 = g->r8, c->r9 = g->r9, c->r10 = g->r10, c->r11 = g->r11;
	c->r12 = g->r12, c->r13 = g->r13, c->r14 = g->r14, c->r15 = g->r15;
	c->rip = g->rip, c->rflags = g->rflags;
}

static void regs_decode(const struct hvm_hw_cpu *c, struct kvm_regs *g)
{
	g->rax = c->rax, g->rbx = c->rbx, g->rcx = c->rcx, g->rdx = c->rdx;
	g->rbp = c->rbp, g->rsi = c->rsi, g->rdi = c->rdi, g->rsp = c->rsp;
	g->r8 = c->r8, g->r9 = c->r9, g->r10 = c->r10, g->r11 = c->r11;
	g->r12 = c->r12, g->r13 = c->r13, g->r14 = c->r14, g->r15 = c->r15;
	g->rip = c->rip, g->rflags = c->rflags;
}

static uint32_t lapic_reg(const struct kvm_lapic_state *l, unsigned off)
{
	uint32_t v;

	memcpy(&v, l->regs + off, sizeof(v));
	return v;
}

void sr__hvm_vcpu_encode(const struct hv_vcpu_state *s, struct sr_hvm_vcpu *r)
{
	struct hvm_hw_cpu *c = &r->cpu;
	const struct kvm_sregs *sr = &s->sregs;
	uint32_t tdcr = lapic_reg(&s->lapic, APIC_TDCR);
	uint32_t div = (tdcr & 3) | (tdcr & 8) >> 1;

	memset(r, 0, sizeof(*r));
	memcpy(c->fpu_regs, s->xsave.region, sizeof(c->fpu_regs));
	regs_encode(&s->regs, c);
	c->cr0 = sr->cr0, c->cr2 = sr->cr2, c->cr3 = sr->cr3, c->cr4 = sr->cr4;
	SEG_OUT(c, cs, sr->cs);
	SEG_OUT(c, ds, sr->ds);
	SEG_OUT(c, es, sr->es);
	SEG_OUT(c, fs, sr->fs);
	SEG_OUT(c, gs, sr->gs);
	SEG_OUT(c, ss, sr->ss);
	SEG_OUT(c, tr, sr->tr);
	SEG_OUT(c, ldtr, sr->ldt);
	c->gdtr_limit = sr->gdt.limit, c->gdtr_base = sr->gdt.base;
	c->idtr_limit = sr->idt.limit, c->idtr_base = sr->idt.base;
	c->msr_efer = sr->efer;
	pending_encode(&s->events, c);
	c->flags = XEN_X86_FPU_INITIALISED;

	r->lapic.apic_base_msr = sr->apic_base;
	r->lapic.disabled = (sr->apic_base & APIC_BASE_ENABLE ? 0 : VLAPIC_HW_DISABLED) |
			    (lapic_reg(&s->lapic, APIC_SVR) & APIC_SVR_ENABLE ? 0 : VLAPIC_SW_DISABLED);
	r->lapic.timer_divisor = 1u << ((div + 1) & 7);
	for (unsigned i = 0; i < s->nr_msrs; i++)
		for (unsigned f = 0; f < NR_MSR_FIELDS; f++)
			if (msr_fields[f].index == s->msrs[i].index)
				*msr_field(r, f) = s->msrs[i].data;
}

/* Segments, descriptor tables and control registers into s->sregs. */
static int sregs_decode(const struct hvm_hw_cpu *c, struct kvm_sregs *sr)
{
	if (SEG_IN(c, cs, sr->cs) || SEG_IN(c, ds, sr->ds) || SEG_IN(c, es, sr->es) || SEG_IN(c, fs, sr->fs) ||
	    SEG_IN(c, gs, sr->gs) || SEG_IN(c, ss, sr->ss) || SEG_IN(c, tr, sr->tr) ||
	    SEG_IN(c, ldtr, sr->ldt) || c->gdtr_limit > 0xffff || c->idtr_limit > 0xffff)
		return -EINVAL;
	sr->gdt.limit = (uint16_t)c->gdtr_limit, sr->gdt.base = c->gdtr_base;
	sr->idt.limit = (uint16_t)c->idtr_limit, sr->idt.base = c->idtr_base;
	sr->cr0 = c->cr0, sr->cr2 = c->cr2, sr->cr3 = c->cr3, sr->cr4 = c->cr4;
	sr->efer = c->msr_efer;
	return 0;
}

/* The other copy of each datum must agree with the one restored. */
static int check_copies(struct sr_ctx *ctx, unsigned id, const struct sr_hvm_vcpu *r,
			const struct hv_vcpu_state *s)
{
	if (memcmp(r->cpu.fpu_regs, s->xsave.region, sizeof(r->cpu.fpu_regs)))
		return sr__fail(ctx, -EINVAL, "vCPU %u: the CPU record's FPU area differs from XSAVE's", id);
	for (unsigned i = 0; i < s->nr_msrs; i++) {
		for (unsigned f = 0; f < NR_MSR_FIELDS; f++) {
			if (msr_fields[f].index != s->msrs[i].index)
				continue;
			if (*msr_field((struct sr_hvm_vcpu *)r, f) != s->msrs[i].data)
				return sr__fail(ctx, -EINVAL, "vCPU %u: MSR %s differs between records", id,
						msr_fields[f].name);
		}
	}
	return 0;
}

int sr__hvm_vcpu_decode(struct sr_ctx *ctx, unsigned id, const struct sr_hvm_vcpu *r, struct hv_vcpu_state *s)
{
	const struct hvm_hw_mtrr *m = &r->mtrr;
	static const struct hvm_hw_mtrr no_mtrr;
	struct hvm_hw_mtrr mtrr = *m;

	if (r->cpu.pad0)
		return sr__fail(ctx, -EINVAL, "vCPU %u: reserved bits set in the CPU record", id);
	if (sregs_decode(&r->cpu, &s->sregs))
		return sr__fail(ctx, -EINVAL, "vCPU %u: bad segment or descriptor table", id);
	mtrr.msr_pat_cr = 0;
	if (memcmp(&mtrr, &no_mtrr, sizeof(mtrr)))
		return sr__fail(ctx, -ENOTSUP, "vCPU %u: MTRR settings are not supported", id);
	regs_decode(&r->cpu, &s->regs);
	s->sregs.apic_base = r->lapic.apic_base_msr;
	s->sregs.cr8 = (uint8_t)s->lapic.regs[APIC_TPR] >> 4;
	return check_copies(ctx, id, r, s);
}

int sr__hvm_xsave_encode(struct sr_ctx *ctx, const struct hv_vcpu_state *s, uint8_t *out)
{
	uint64_t words[3] = { 0, 0, 0 }; /* xfeature_mask (ignored), xcr0, xcr0_accum */

	if (s->xcrs.nr_xcrs > 1 || (s->xcrs.nr_xcrs == 1 && s->xcrs.xcrs[0].xcr != 0))
		return sr__fail(ctx, -ENOTSUP, "a vCPU has extended control registers beyond XCR0");
	if (s->xcrs.nr_xcrs == 1 && s->xcrs.xcrs[0].value == 0)
		return sr__fail(ctx, -ENOTSUP, "a vCPU has XCR0 = 0");
	if (s->xcrs.nr_xcrs == 1)
		words[1] = words[2] = s->xcrs.xcrs[0].value;
	memcpy(out, words, sizeof(words));
	memcpy(out + sizeof(words), s->xsave.region, sizeof(s->xsave.region));
	return 0;
}

void sr__hvm_xsave_decode(const uint8_t *body, struct hv_vcpu_state *s)
{
	uint64_t xcr0;

	memcpy(&xcr0, body + 8, sizeof(xcr0));
	memset(&s->xcrs, 0, sizeof(s->xcrs));
	if (xcr0) {
		s->xcrs.nr_xcrs = 1;
		s->xcrs.xcrs[0].value = xcr0;
	}
	memcpy(s->xsave.region, body + offsetof(struct hvm_hw_cpu_xsave, save_area), sizeof(s->xsave.region));
}

void sr__hvm_msrs_encode(const struct hv_vcpu_state *s, uint8_t *out)
{
	uint32_t count = s->nr_msrs;

	/* The count, then 4 bytes of padding before the entries. */
	memset(out, 0, SR_HVM_MSR_LEN(s->nr_msrs));
	memcpy(out, &count, sizeof(count));
	for (unsigned i = 0; i < s->nr_msrs; i++) {
		struct hvm_one_msr m = { .index = s->msrs[i].index, .val = s->msrs[i].data };

		memcpy(out + SR_HVM_MSR_LEN(i), &m, sizeof(m));
	}
}

int sr__hvm_msrs_decode(struct sr_ctx *ctx, unsigned id, const uint8_t *body, size_t len, struct hv_vcpu_state *s)
{
	struct hvm_msr h;

	if (len < sizeof(h))
		return sr__fail(ctx, -EINVAL, "vCPU %u: MSR record of %zu bytes", id, len);
	memcpy(&h, body, sizeof(h));
	if (h.count > HV_VCPU_MAX_MSRS || len != SR_HVM_MSR_LEN(h.count) || body[4] | body[5] | body[6] | body[7])
		return sr__fail(ctx, -EINVAL, "vCPU %u: bad MSR record (%u MSRs in %zu bytes)", id, h.count, len);
	s->nr_msrs = h.count;
	for (unsigned i = 0; i < h.count; i++) {
		struct hvm_one_msr m;

		memcpy(&m, body + SR_HVM_MSR_LEN(i), sizeof(m));
		if (m._rsvd)
			return sr__fail(ctx, -EINVAL, "vCPU %u: reserved bits set in MSR %u", id, i);
		for (unsigned j = 0; j < i; j++)
			if (s->msrs[j].index == m.index)
				return sr__fail(ctx, -EINVAL, "vCPU %u: MSR 0x%x twice", id, m.index);
		s->msrs[i] = (struct kvm_msr_entry){ .index = m.index, .data = m.val };
	}
	return 0;
}
