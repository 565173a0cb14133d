/*
 * Instruction assist (insn_assist.h): completes, against the vCPU's
 * registers and memory, the instructions kvm_pvm's emulator gives up on.
 * The registers come from the exit's sync area (kvm_valid_regs covers REGS
 * and SREGS), are changed there and written back by the next KVM_RUN.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "domain.h"
#include "hypercall.h"
#include "log.h"

#define EFER_LMA (1ULL << 10)
#define RFLAGS_CF (1ULL << 0)
#define RFLAGS_PF (1ULL << 2)
#define RFLAGS_AF (1ULL << 4)
#define RFLAGS_ZF (1ULL << 6)
#define RFLAGS_SF (1ULL << 7)
#define RFLAGS_OF (1ULL << 11)
#define RFLAGS_AC (1ULL << 18)
#define CR0_EM (1ULL << 2)
#define CR0_TS (1ULL << 3)
#define CR4_OSFXSR (1ULL << 9)
#define VECTOR_BP 3
#define VECTOR_UD 6
#define VECTOR_NM 7
#define VECTOR_GP 13
/* MXCSR bits a load may set; others raise #GP (MXCSR_MASK of SSE2 CPUs). */
#define MXCSR_VALID 0xffffu

void hv_insn_assist_init(struct hv_domain *d)
{
	d->insn_assist.on = access("/sys/module/kvm_pvm", F_OK) == 0;
	if (d->insn_assist.on)
		log_info("kvm_pvm host: instructions its emulator lacks are completed by "
			 "tern-hv (docs/insn-assist.md)");
}

void hv_insn_assist_report(struct hv_domain *d)
{
	char line[256];
	int n = 0;

	for (unsigned op = 0; op <= HV_INSN_STMXCSR && n < (int)sizeof(line); op++) {
		uint64_t c = atomic_load(&d->insn_assist.count[op]);

		if (c)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %s %llu",
				      hv_insn_name((enum hv_insn_op)op), (unsigned long long)c);
	}
	if (n)
		log_info("instructions completed for the guest:%s", line);
}

/* The kvm_regs field of encoding register r (0 rax .. 15 r15). */
static __u64 *gpr(struct kvm_regs *r, unsigned reg)
{
	__u64 *const order[16] = {
		&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
		&r->r8,  &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
	};

	return order[reg & 15];
}

/* Reads the bytes at the guest's RIP, stopping at the first unmapped page. */
static size_t fetch(struct hv_vcpu *v, uint64_t linear, uint8_t *buf)
{
	size_t first = 4096 - (linear & 4095);

	if (first > HV_INSN_MAX)
		first = HV_INSN_MAX;
	if (hv_copy_from_guest(v, buf, linear, first))
		return 0;
	if (first < HV_INSN_MAX &&
	    hv_copy_from_guest(v, buf + first, linear + first, HV_INSN_MAX - first) == 0)
		return HV_INSN_MAX;
	return first;
}

/* The linear address of i's memory operand. */
static uint64_t operand_address(struct hv_vcpu *v, const struct hv_insn *i, bool long64)
{
	struct kvm_regs *r = &v->run->s.regs.regs;
	const struct kvm_sregs *s = &v->run->s.regs.sregs;
	const struct kvm_segment *segs[] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs };
	uint64_t ea = (uint64_t)i->disp;

	if (i->base != HV_INSN_NOREG)
		ea += *gpr(r, i->base);
	if (i->index != HV_INSN_NOREG)
		ea += *gpr(r, i->index) * i->scale;
	if (i->rip_rel)
		ea += r->rip + i->len;
	if (i->addr_size == 4)
		ea = (uint32_t)ea;
	if (!long64 || i->seg == HV_SEG_FS || i->seg == HV_SEG_GS)
		ea += segs[i->seg]->base;
	return long64 ? ea : (uint32_t)ea;
}

/* Queues exception vector for delivery at the next entry. */
static int inject(struct hv_vcpu *v, uint8_t vector, bool has_error_code)
{
	struct kvm_vcpu_events e;

	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &e) < 0)
		return -errno;
	e.exception.injected = 1;
	e.exception.nr = vector;
	e.exception.has_error_code = has_error_code;
	e.exception.error_code = 0;
	e.flags = 0;
	return ioctl(v->fd, KVM_SET_VCPU_EVENTS, &e) < 0 ? -errno : 0;
}

static int popcnt(struct hv_vcpu *v, const struct hv_insn *i, bool long64)
{
	struct kvm_regs *r = &v->run->s.regs.regs;
	uint64_t src = 0;
	__u64 *dst = gpr(r, i->reg);
	unsigned bits = 8u * i->opsize;

	if (i->mem) {
		if (hv_copy_from_guest(v, &src, operand_address(v, i, long64), i->opsize))
			return -EFAULT;
	} else {
		src = *gpr(r, i->rm);
	}
	if (bits < 64)
		src &= (1ULL << bits) - 1;
	uint64_t n = (uint64_t)__builtin_popcountll(src);

	if (i->opsize == 2)
		*dst = (*dst & ~0xffffULL) | n;
	else
		*dst = n; /* a 32-bit result clears the upper half */
	r->rflags &= ~(RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF);
	if (!src)
		r->rflags |= RFLAGS_ZF;
	return 0;
}

/* Where MXCSR sits in the XSAVE (and FXSAVE) area, and XSTATE_BV. */
#define XSAVE_MXCSR_OFFSET 24
#define XSAVE_XSTATE_BV_OFFSET 512
#define XSTATE_SSE (1ULL << 1)

/* ldmxcsr/stmxcsr through the vCPU's XSAVE state. */
static int mxcsr(struct hv_vcpu *v, const struct hv_insn *i, bool long64, bool *fault)
{
	const struct kvm_sregs *s = &v->run->s.regs.sregs;
	uint64_t va = operand_address(v, i, long64);
	struct kvm_xsave xs;
	uint32_t val;

	if (!(s->cr4 & CR4_OSFXSR) || (s->cr0 & CR0_EM)) {
		*fault = true;
		return inject(v, VECTOR_UD, false);
	}
	if (s->cr0 & CR0_TS) {
		*fault = true;
		return inject(v, VECTOR_NM, false);
	}
	if (ioctl(v->fd, KVM_GET_XSAVE, &xs) < 0)
		return -errno;
	memcpy(&val, (uint8_t *)xs.region + XSAVE_MXCSR_OFFSET, sizeof(val));
	if (i->op == HV_INSN_STMXCSR)
		return hv_copy_to_guest(v, va, &val, sizeof(val)) ? -EFAULT : 0;
	if (hv_copy_from_guest(v, &val, va, sizeof(val)))
		return -EFAULT;
	if (val & ~MXCSR_VALID) {
		*fault = true;
		return inject(v, VECTOR_GP, true);
	}
	memcpy((uint8_t *)xs.region + XSAVE_MXCSR_OFFSET, &val, sizeof(val));
	/*
	 * KVM takes MXCSR from the area only when the SSE component is marked
	 * present; the XMM registers beside it are the ones KVM just gave us.
	 */
	uint64_t bv;

	memcpy(&bv, (uint8_t *)xs.region + XSAVE_XSTATE_BV_OFFSET, sizeof(bv));
	bv |= XSTATE_SSE;
	memcpy((uint8_t *)xs.region + XSAVE_XSTATE_BV_OFFSET, &bv, sizeof(bv));
	return ioctl(v->fd, KVM_SET_XSAVE, &xs) < 0 ? -errno : 0;
}

/* Carries out i; *fault when it raised an exception instead of retiring. */
static int execute(struct hv_vcpu *v, const struct hv_insn *i, bool long64, bool *fault)
{
	struct kvm_regs *r = &v->run->s.regs.regs;

	switch (i->op) {
	case HV_INSN_CLAC:
		r->rflags &= ~RFLAGS_AC;
		return 0;
	case HV_INSN_STAC:
		r->rflags |= RFLAGS_AC;
		return 0;
	case HV_INSN_FWAIT:
		return 0; /* x87 exceptions stay masked in the kernels that get here */
	case HV_INSN_INT3:
		/* A trap: the handler sees RIP after the int3, as on hardware. */
		r->rip += i->len;
		*fault = true;
		return inject(v, VECTOR_BP, false);
	case HV_INSN_POPCNT:
		return popcnt(v, i, long64);
	case HV_INSN_LDMXCSR:
	case HV_INSN_STMXCSR:
		return mxcsr(v, i, long64, fault);
	}
	return -EINVAL;
}

int hv_insn_assist(struct hv_vcpu *v)
{
	struct kvm_regs *r = &v->run->s.regs.regs;
	const struct kvm_sregs *s = &v->run->s.regs.sregs;
	bool long64 = (s->efer & EFER_LMA) && s->cs.l, fault = false;
	uint8_t buf[HV_INSN_MAX] = { 0 };
	struct hv_insn i;
	size_t n;
	int err;

	if (!v->d->insn_assist.on || v->run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION)
		return -ENOTSUP;
	if (!long64 && !s->cs.db)
		return -ENOTSUP; /* 16-bit code */
	n = fetch(v, (long64 ? 0 : s->cs.base) + r->rip, buf);
	err = n ? hv_insn_decode(buf, n, long64, &i) : -EFAULT;
	if (err) {
		log_warnx("vcpu%u: cannot complete the instruction at rip 0x%llx "
			  "(%02x %02x %02x %02x %02x %02x): %s",
			  v->id, (unsigned long long)r->rip, buf[0], buf[1], buf[2], buf[3],
			  buf[4], buf[5], strerror(-err));
		return err;
	}
	err = execute(v, &i, long64, &fault);
	if (err) {
		log_warnx("vcpu%u: completing %s at rip 0x%llx failed: %s", v->id,
			  hv_insn_name(i.op), (unsigned long long)r->rip, strerror(-err));
		return err;
	}
	if (!fault)
		r->rip += i.len;
	v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	if (atomic_fetch_add(&v->d->insn_assist.count[i.op], 1) == 0)
		log_info("vcpu%u: completing %s for the guest (first at rip 0x%llx)", v->id,
			 hv_insn_name(i.op), (unsigned long long)r->rip);
	return 0;
}
