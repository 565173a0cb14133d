/*
 * The sample domain (sr_mem_domain.h): one shape for the unit tests, the
 * streams handed to Xen's verifier, the fuzzer's seeds and the fuzzer.
 */
#include <string.h>

#include "device.h"
#include "sr_mem_domain.h"

static const struct sr_range sample_ranges[] = {
	{ 0, 512 },        /* low RAM */
	{ 0xfeff0, 2 },    /* frames backed in a hole (xenstore, console) */
	{ 0x100000, 64 },  /* RAM above 4 GiB */
};

static struct kvm_segment seg(uint16_t sel, uint8_t type, bool code, uint64_t base)
{
	return (struct kvm_segment){ .base = base, .limit = 0xffffffff, .selector = sel, .type = type,
				     .present = 1, .db = !code, .s = 1, .l = code, .g = 1 };
}

static void set_lapic(struct kvm_lapic_state *l, unsigned off, uint32_t v)
{
	memcpy(l->regs + off, &v, sizeof(v));
}

static void sample_sregs(struct kvm_sregs *s, unsigned seed, uint64_t k)
{
	s->cs = seg(0x10, 0xb, true, 0);
	s->ds = s->es = s->ss = seg(0x18, 0x3, false, 0);
	s->fs = seg(0, 0x3, false, 0x7f0000000000ULL + k);
	s->gs = seg(0, 0x3, false, 0xffff888000000000ULL + k);
	s->tr = (struct kvm_segment){ .base = 0xfffffe0000003000ULL + k, .limit = 0x67, .selector = 0x40,
				      .type = 0xb, .present = 1 };
	s->ldt = (struct kvm_segment){ .unusable = 1 };
	s->gdt = (struct kvm_dtable){ .base = 0xfffffe0000001000ULL + k, .limit = 0x7f };
	s->idt = (struct kvm_dtable){ .base = 0xfffffe0000000000ULL, .limit = 0xfff };
	s->cr0 = 0x80050033, s->cr2 = k, s->cr3 = 0x100000 + k, s->cr4 = 0x3406e0;
	s->cr8 = 2;
	s->efer = 0xd01;
	s->apic_base = 0xfee00800 | (seed == 0 ? 0x100 : 0);
}

void sr_mem_sample_vcpu(struct hv_vcpu_state *s, unsigned seed)
{
	const uint64_t k = 0x1000ULL * (seed + 1);
	const struct { uint32_t index; uint64_t value; } msrs[] = {
		{ 0x10, 0x123456789ULL + k }, { 0x1b, 0xfee00800 | (seed == 0 ? 0x100 : 0) },
		{ 0x174, 0x10 }, { 0x175, 0xfffffe0000004000ULL + k }, { 0x176, 0xffffffff81a00000ULL },
		{ 0x277, 0x0007040600070406ULL }, { 0x6e0, 0 }, { 0xc0000081, 0x0023001000000000ULL },
		{ 0xc0000082, 0xffffffff81c00000ULL }, { 0xc0000083, 0xffffffff81c01000ULL },
		{ 0xc0000084, 0x47700 }, { 0xc0000102, 0x7f1000000000ULL + k }, { 0xc0000103, seed },
		{ 0x1a0, 1 },
	};

	memset(s, 0, sizeof(*s));
	s->regs = (struct kvm_regs){ k + 1, k + 2, k + 3, k + 4, k + 5, k + 6, k + 7, k + 8,
				     k + 9, k + 10, k + 11, k + 12, k + 13, k + 14, k + 15, k + 16,
				     0xffffffff81000000ULL + seed, 0x246 };
	sample_sregs(&s->sregs, seed, k);
	s->xsave.region[0] = 0x037f;          /* FCW */
	s->xsave.region[6] = 0x1f80;          /* MXCSR */
	for (unsigned i = 40; i < 104; i++)   /* XMM registers */
		s->xsave.region[i] = (uint32_t)(i * 0x01010101u + seed);
	s->xsave.region[128] = 3;             /* XSTATE_BV: x87, SSE */
	s->xcrs.nr_xcrs = 1;
	s->xcrs.xcrs[0].value = 3;
	set_lapic(&s->lapic, 0x20, seed << 24);   /* ID */
	set_lapic(&s->lapic, 0x80, 0x20);         /* TPR: CR8 = 2 */
	set_lapic(&s->lapic, 0xf0, 0x1ff);        /* SVR: enabled */
	set_lapic(&s->lapic, 0x3e0, 0x3);         /* TDCR */
	set_lapic(&s->lapic, 0x320, 0x400ec);     /* LVT timer */
	s->events.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
	s->events.nmi.masked = seed & 1;
	s->events.interrupt.shadow = seed & 1;
	s->mp.mp_state = seed == 0 ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_HALTED;
	for (unsigned i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
		s->msrs[i] = (struct kvm_msr_entry){ .index = msrs[i].index, .data = msrs[i].value };
	s->nr_msrs = sizeof(msrs) / sizeof(msrs[0]);
	s->vcpu_info_gpa = 0x5000 + seed * 64;
	s->upcall_vector = 0xf3;
	s->up = true;
	s->initialised = true;
}

/* Some frames get a pattern, the others stay zero. */
static void fill_memory(struct sr_mem_domain *m, unsigned seed)
{
	for (unsigned r = 0; r < m->info.nr_ranges; r++) {
		for (uint64_t i = 0; i < m->info.ranges[r].count; i++) {
			uint64_t pfn = m->info.ranges[r].first + i;
			uint8_t *page = sr_mem_domain_page(m, pfn);

			if ((pfn * 7 + seed) % 5 > 1)
				continue;
			for (unsigned b = 0; b < 4096; b += 8)
				memcpy(page + b, &(uint64_t){ pfn << 20 | b | seed }, 8);
		}
	}
}

int sr_mem_sample_init(struct sr_mem_domain *m, unsigned nr_vcpus, bool fill, unsigned seed)
{
	struct {
		struct hv_state_record h;
		char body[8];
	} blob = { { 7, 1, 5, 0 }, "hello" };
	int err = sr_mem_domain_init(m, nr_vcpus, sample_ranges, sizeof(sample_ranges) / sizeof(sample_ranges[0]));

	if (err || !fill)
		return err;
	fill_memory(m, seed);
	for (unsigned i = 0; i < nr_vcpus; i++)
		sr_mem_sample_vcpu(&m->vcpus[i], i + seed);
	m->params[0] = (struct sr_param){ HVM_PARAM_STORE_PFN, 0xfeff0 };
	m->params[1] = (struct sr_param){ HVM_PARAM_STORE_EVTCHN, 1 };
	m->params[2] = (struct sr_param){ HVM_PARAM_CONSOLE_PFN, 0xfeff1 };
	m->params[3] = (struct sr_param){ HVM_PARAM_CONSOLE_EVTCHN, 2 };
	m->nr_params = 4;
	m->tsc = (struct sr_tsc){ 0, 2600000, 1000000000ULL * (seed + 3), seed };
	err = sr_mem_domain_set_devices(m, &blob, sizeof(blob));
	if (err)
		sr_mem_domain_destroy(m);
	return err;
}
