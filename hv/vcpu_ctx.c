/*
 * Xen's HVM vCPU start context (vcpu_hvm_context_t) onto KVM registers.
 * Used for the boot vCPU's PVH entry state and for VCPUOP_initialise.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "domain.h"
#include "log.h"

#define CR0_PE (1ULL << 0)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define RFLAGS_FIXED 0x2ULL

/* Attribute words in Xen's (VMX-like) layout. */
#define AR_CODE64 0xa9b
#define AR_DATA 0xc93
#define AR_TSS_BUSY 0x8b
#define AR_P (1u << 7)
#define AR_S (1u << 4)
#define AR_CODE (1u << 3)

/* Selectors for the flat segments, as a conventional GDT would have them. */
#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_TSS 0x18

static struct kvm_segment seg(uint16_t sel, uint64_t base, uint32_t limit, uint16_t ar)
{
	return (struct kvm_segment){
		.base = base,
		.limit = limit,
		.selector = sel,
		.type = ar & 0xf,
		.s = (ar >> 4) & 1,
		.dpl = (ar >> 5) & 3,
		.present = (ar >> 7) & 1,
		.avl = (ar >> 8) & 1,
		.l = (ar >> 9) & 1,
		.db = (ar >> 10) & 1,
		.g = (ar >> 11) & 1,
		.unusable = !((ar >> 7) & 1),
	};
}

static bool canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

int hv_vcpu_context_check(const vcpu_hvm_context_t *ctx)
{
	if (ctx->mode == VCPU_HVM_MODE_64B) {
		const struct vcpu_hvm_x86_64 *r = &ctx->cpu_regs.x86_64;
		bool long_mode = (r->efer & EFER_LME) && (r->efer & EFER_LMA) &&
				 (r->cr0 & CR0_PG) && (r->cr0 & CR0_PE) && (r->cr4 & CR4_PAE);

		return long_mode && canonical(r->rip) ? 0 : -EINVAL;
	}
	if (ctx->mode == VCPU_HVM_MODE_32B) {
		const struct vcpu_hvm_x86_32 *r = &ctx->cpu_regs.x86_32;
		bool cs_ok = (r->cs_ar & (AR_P | AR_S | AR_CODE)) == (AR_P | AR_S | AR_CODE);
		bool tr_ok = (r->tr_ar & 0xf) == 0xb && (r->tr_ar & AR_P);

		return cs_ok && tr_ok && (r->cr0 & CR0_PE) ? 0 : -EINVAL;
	}
	return -EINVAL;
}

static void from_64(const struct vcpu_hvm_x86_64 *r, struct kvm_regs *regs,
		    struct kvm_sregs *s)
{
	*regs = (struct kvm_regs){ .rax = r->rax, .rcx = r->rcx, .rdx = r->rdx, .rbx = r->rbx,
				   .rsp = r->rsp, .rbp = r->rbp, .rsi = r->rsi, .rdi = r->rdi,
				   .rip = r->rip, .rflags = r->rflags | RFLAGS_FIXED };
	s->cs = seg(SEL_CODE, 0, 0xffffffff, AR_CODE64);
	s->ds = s->es = s->fs = s->gs = s->ss = seg(SEL_DATA, 0, 0xffffffff, AR_DATA);
	s->tr = seg(SEL_TSS, 0, 0x67, AR_TSS_BUSY);
	s->cr0 = r->cr0;
	s->cr3 = r->cr3;
	s->cr4 = r->cr4;
	s->efer = r->efer;
}

static void from_32(const struct vcpu_hvm_x86_32 *r, struct kvm_regs *regs,
		    struct kvm_sregs *s)
{
	*regs = (struct kvm_regs){ .rax = r->eax, .rcx = r->ecx, .rdx = r->edx, .rbx = r->ebx,
				   .rsp = r->esp, .rbp = r->ebp, .rsi = r->esi, .rdi = r->edi,
				   .rip = r->eip, .rflags = r->eflags | RFLAGS_FIXED };
	s->cs = seg(SEL_CODE, r->cs_base, r->cs_limit, r->cs_ar);
	s->ds = s->fs = s->gs = seg(SEL_DATA, r->ds_base, r->ds_limit, r->ds_ar);
	s->es = seg(SEL_DATA, r->es_base, r->es_limit, r->es_ar);
	s->ss = seg(SEL_DATA, r->ss_base, r->ss_limit, r->ss_ar);
	s->tr = seg(SEL_TSS, r->tr_base, r->tr_limit, r->tr_ar);
	s->cr0 = r->cr0;
	s->cr3 = r->cr3;
	s->cr4 = r->cr4;
	s->efer = r->efer;
}

int hv_vcpu_apply_context(struct hv_vcpu *v, const vcpu_hvm_context_t *ctx)
{
	struct kvm_mp_state runnable = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_regs regs;
	struct kvm_sregs s;

	if (hv_vcpu_context_check(ctx))
		return -EINVAL;
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	if (ctx->mode == VCPU_HVM_MODE_64B)
		from_64(&ctx->cpu_regs.x86_64, &regs, &s);
	else
		from_32(&ctx->cpu_regs.x86_32, &regs, &s);
	s.ldt = seg(0, 0, 0, 0x82);
	s.ldt.unusable = 1;
	s.gdt = (struct kvm_dtable){ 0 };
	s.idt = (struct kvm_dtable){ 0 };
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0 || ioctl(v->fd, KVM_SET_REGS, &regs) < 0 ||
	    ioctl(v->fd, KVM_SET_MP_STATE, &runnable) < 0) {
		log_warn("vcpu%u: cannot set the start context", v->id);
		return -errno;
	}
	return 0;
}

int hv_vcpu_set_pvh_entry(struct hv_vcpu *v, uint32_t entry, uint32_t start_info)
{
	vcpu_hvm_context_t ctx;
	struct vcpu_hvm_x86_32 *r = &ctx.cpu_regs.x86_32;

	memset(&ctx, 0, sizeof(ctx));
	ctx.mode = VCPU_HVM_MODE_32B;
	r->eip = entry;
	r->ebx = start_info;
	r->cr0 = CR0_PE | 0x10; /* PE and ET */
	r->cs_limit = r->ds_limit = r->ss_limit = r->es_limit = 0xffffffff;
	r->cs_ar = 0xc9b; /* 32-bit code, read/execute, accessed */
	r->ds_ar = r->ss_ar = r->es_ar = AR_DATA;
	r->tr_limit = 0x67;
	r->tr_ar = AR_TSS_BUSY;
	return hv_vcpu_apply_context(v, &ctx);
}
