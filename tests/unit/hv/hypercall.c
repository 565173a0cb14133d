/*
 * Unit tests for the hypercall layer (hv/hypercall.c, hv/hc_*.c,
 * hv/guest_va.c) on a domain without KVM: good and bad arguments in 64- and
 * 32-bit layouts, the CPL check, page walks in every paging mode.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <xen/features.h>
#include <xen/hvm/hvm_op.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>

#include "fake_domain.h"
#include "hypercall.h"

#define MIB (1ULL << 20)
#define CR0_PE 0x1ULL
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PSE (1ULL << 4)
#define CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

enum mode { FLAT32, LONG4, PAE, PSE32 };

static struct fake_domain f;
static struct hv_vcpu *v;

static int setup(void **state)
{
	(void)state;
	if (fake_domain_init(&f, 64, 2))
		return -1;
	v = &f.d.vcpus[0];
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_domain_destroy(&f);
	return 0;
}

static void set_mode(enum mode m, uint64_t cr3)
{
	struct kvm_sregs *s = &v->run->s.regs.sregs;

	memset(s, 0, sizeof(*s));
	s->cr0 = CR0_PE;
	s->cr3 = cr3;
	if (m == LONG4) {
		s->cr0 |= CR0_PG | CR0_WP;
		s->cr4 = CR4_PAE;
		s->efer = EFER_LME | EFER_LMA;
		s->cs.l = 1;
	} else if (m == PAE) {
		s->cr0 |= CR0_PG | CR0_WP;
		s->cr4 = CR4_PAE;
	} else if (m == PSE32) {
		s->cr0 |= CR0_PG | CR0_WP;
		s->cr4 = CR4_PSE;
	}
}

static long call(bool long_mode, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct hv_hcall c = { .nr = nr, .arg = { a0, a1, a2 }, .long_mode = long_mode };

	return hv_hypercall(v, &c);
}

static void put(uint64_t gpa, const void *p, size_t len)
{
	assert_int_equal(hv_gmem_write(&f.d.mem, gpa, p, len), 0);
}

static void get(uint64_t gpa, void *p, size_t len)
{
	assert_int_equal(hv_gmem_read(&f.d.mem, gpa, p, len), 0);
}

static void cpl_and_unknown(void **state)
{
	struct hv_hcall c = { .nr = __HYPERVISOR_xen_version, .cpl = 3, .long_mode = true };

	(void)state;
	set_mode(FLAT32, 0);
	assert_int_equal(hv_hypercall(v, &c), -XEN_EPERM);
	c.cpl = 0;
	assert_int_equal(hv_hypercall(v, &c), 0x00040011);
	assert_int_equal(call(true, 99, 0, 0, 0), -XEN_ENOSYS);
	assert_int_equal(call(true, 1ULL << 40, 0, 0, 0), -XEN_ENOSYS);
	assert_int_equal(call(true, __HYPERVISOR_xen_version, 999, 0, 0), -XEN_ENOSYS);
	/* A 32-bit caller's arguments are 32 bits: the high half is not seen. */
	assert_int_equal(call(false, __HYPERVISOR_xen_version, 1ULL << 32, 0, 0), 0x00040011);
}

static void xen_version(void **state)
{
	struct xen_feature_info fi = { .submap_idx = 0 };
	char extra[XEN_EXTRAVERSION_LEN];
	char caps[XEN_CAPABILITIES_INFO_LEN];

	(void)state;
	set_mode(FLAT32, 0);
	put(0x1000, &fi, sizeof(fi));
	assert_int_equal(call(false, __HYPERVISOR_xen_version, XENVER_get_features, 0x1000, 0), 0);
	get(0x1000, &fi, sizeof(fi));
	assert_true(fi.submap & (1u << XENFEAT_hvm_callback_vector));
	assert_true(fi.submap & (1u << XENFEAT_hvm_safe_pvclock));
	assert_false(fi.submap & (1u << XENFEAT_hvm_pirqs));
	assert_int_equal(call(false, __HYPERVISOR_xen_version, XENVER_extraversion, 0x2000, 0), 0);
	get(0x2000, extra, sizeof(extra));
	assert_int_equal(extra[0], '.');
	assert_non_null(memchr(extra, 0, sizeof(extra)));
	assert_int_equal(call(false, __HYPERVISOR_xen_version, XENVER_capabilities, 0x3000, 0), 0);
	get(0x3000, caps, sizeof(caps));
	assert_non_null(strstr(caps, "hvm-3.0-x86_64"));
	assert_int_equal(call(false, __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0), 4096);
	assert_int_equal(call(false, __HYPERVISOR_xen_version, XENVER_commandline, 0x3000, 0),
			 -XEN_EPERM);
	/* Beyond RAM, and straddling its end: nothing is written. */
	assert_int_equal(call(false, __HYPERVISOR_xen_version, XENVER_extraversion, 64 * MIB, 0),
			 -XEN_EFAULT);
	assert_int_equal(call(false, __HYPERVISOR_xen_version, XENVER_capabilities,
			      64 * MIB - 100, 0),
			 -XEN_EFAULT);
}

static void memory_map(void **state)
{
	struct { uint32_t nr; uint32_t pad; uint64_t buf; } m64 = { 100, 0, 0x2000 };
	struct { uint32_t nr; uint32_t buf; } m32 = { 2, 0x2000 };
	struct { uint16_t domid; uint16_t pad[3]; uint32_t nr; uint32_t pad2; uint64_t buf; }
		set64 = { DOMID_SELF, { 0 }, 1, 0, 0x3000 };
	struct hv_e820 e[HV_MAX_MEMMAP], one = { 0, 32 * MIB, 1 };

	(void)state;
	set_mode(FLAT32, 0);
	put(0x1000, &m64, sizeof(m64));
	assert_int_equal(call(true, __HYPERVISOR_memory_op, XENMEM_memory_map, 0x1000, 0), 0);
	get(0x1000, &m64, sizeof(m64));
	assert_int_equal(m64.nr, f.d.nr_memmap);
	get(0x2000, e, m64.nr * sizeof(e[0]));
	assert_memory_equal(e, f.d.memmap, m64.nr * sizeof(e[0]));
	/* 32-bit layout, room for two entries: two are written. */
	put(0x1000, &m32, sizeof(m32));
	assert_int_equal(call(false, __HYPERVISOR_memory_op, XENMEM_memory_map, 0x1000, 0), 0);
	get(0x1000, &m32, sizeof(m32));
	assert_int_equal(m32.nr, 2);
	/* The guest replaces its map, and gets it back. */
	put(0x3000, &one, sizeof(one));
	put(0x1000, &set64, sizeof(set64));
	assert_int_equal(call(true, __HYPERVISOR_memory_op, XENMEM_set_memory_map, 0x1000, 0), 0);
	assert_int_equal(f.d.nr_memmap, 1);
	assert_int_equal(f.d.memmap[0].size, 32 * MIB);
	set64.nr = HV_MAX_MEMMAP + 1;
	put(0x1000, &set64, sizeof(set64));
	assert_int_equal(call(true, __HYPERVISOR_memory_op, XENMEM_set_memory_map, 0x1000, 0),
			 -XEN_EINVAL);
	set64 = (typeof(set64)){ 7, { 0 }, 1, 0, 0x3000 };
	put(0x1000, &set64, sizeof(set64));
	assert_int_equal(call(true, __HYPERVISOR_memory_op, XENMEM_set_memory_map, 0x1000, 0),
			 -XEN_ESRCH);
	m64 = (typeof(m64)){ 4, 0, 1ULL << 40 };
	put(0x1000, &m64, sizeof(m64));
	assert_int_equal(call(true, __HYPERVISOR_memory_op, XENMEM_memory_map, 0x1000, 0),
			 -XEN_EFAULT);
	assert_int_equal(call(true, __HYPERVISOR_memory_op, 63, 0x1000, 0), -XEN_ENOSYS);
}

static void add_to_physmap(void **state)
{
	struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					.gpfn = 0x10 };
	struct { uint16_t domid, size; uint32_t space, idx, gpfn; } x32 = {
		DOMID_SELF, 0, XENMAPSPACE_shared_info, 0, 0xfeff0 };
	uint32_t marker = 0xfeedf00d, back;
	domid_t self = DOMID_SELF;

	(void)state;
	set_mode(FLAT32, 0);
	put(0x1000, &x, sizeof(x));
	assert_int_equal(call(true, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, 0x1000, 0), 0);
	assert_int_equal(f.d.shared_info_gpa, 0x10000);
	put(0x10000 + 3000, &marker, sizeof(marker));
	/* Moved into a hole by a 32-bit caller: backed, contents follow. */
	put(0x1000, &x32, sizeof(x32));
	assert_int_equal(call(false, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, 0x1000, 0), 0);
	assert_int_equal(f.d.shared_info_gpa, 0xfeff0000ULL);
	get(0xfeff0000ULL + 3000, &back, sizeof(back));
	assert_int_equal(back, marker);
	x.gpfn = 0xfee00; /* the local APIC */
	put(0x1000, &x, sizeof(x));
	assert_int_equal(call(true, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, 0x1000, 0),
			 -XEN_EINVAL);
	x = (struct xen_add_to_physmap){ .domid = DOMID_SELF, .space = 99, .gpfn = 0x10 };
	put(0x1000, &x, sizeof(x));
	assert_int_equal(call(true, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, 0x1000, 0),
			 -XEN_EINVAL);
	x.domid = 5;
	put(0x1000, &x, sizeof(x));
	assert_int_equal(call(true, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, 0x1000, 0),
			 -XEN_ESRCH);
	put(0x1000, &self, sizeof(self));
	assert_int_equal(call(true, __HYPERVISOR_memory_op, XENMEM_current_reservation, 0x1000, 0),
			 64 * MIB / 4096);
}

static void hvm_params(void **state)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
				   .value = 1 };
	struct xen_hvm_evtchn_upcall_vector u = { .vcpu = 1, .vector = 0xf3 };

	(void)state;
	set_mode(FLAT32, 0);
	put(0x1000, &p, sizeof(p));
	assert_int_equal(call(true, __HYPERVISOR_hvm_op, HVMOP_set_param, 0x1000, 0), 0);
	p.value = 0;
	put(0x1000, &p, sizeof(p));
	assert_int_equal(call(true, __HYPERVISOR_hvm_op, HVMOP_get_param, 0x1000, 0), 0);
	get(0x1000, &p, sizeof(p));
	assert_int_equal(p.value, 1);
	p.index = HVM_PARAM_STORE_PFN;
	put(0x1000, &p, sizeof(p));
	assert_int_equal(call(true, __HYPERVISOR_hvm_op, HVMOP_set_param, 0x1000, 0), -XEN_EPERM);
	assert_int_equal(call(true, __HYPERVISOR_hvm_op, HVMOP_get_param, 0x1000, 0), 0);
	p.index = HVM_PARAM_IDENT_PT;
	put(0x1000, &p, sizeof(p));
	assert_int_equal(call(true, __HYPERVISOR_hvm_op, HVMOP_get_param, 0x1000, 0), -XEN_EPERM);
	p.index = HVM_NR_PARAMS;
	put(0x1000, &p, sizeof(p));
	assert_int_equal(call(true, __HYPERVISOR_hvm_op, HVMOP_get_param, 0x1000, 0), -XEN_EINVAL);
	put(0x2000, &u, sizeof(u));
	assert_int_equal(call(true, __HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, 0x2000, 0),
			 0);
	assert_int_equal(f.d.vcpus[1].upcall_vector, 0xf3);
	u.vcpu = 2;
	put(0x2000, &u, sizeof(u));
	assert_int_equal(call(true, __HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, 0x2000, 0),
			 -XEN_ENOENT);
}

static void vcpu_ops(void **state)
{
	struct vcpu_register_vcpu_info r = { .mfn = 0x20, .offset = 64 };
	vcpu_hvm_context_t ctx = { .mode = VCPU_HVM_MODE_64B };

	(void)state;
	set_mode(FLAT32, 0);
	put(0x1000, &r, sizeof(r));
	assert_int_equal(call(true, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 1, 0x1000), 0);
	assert_int_equal(f.d.vcpus[1].vcpu_info_gpa, 0x20040);
	assert_int_equal(call(true, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 1, 0x1000),
			 -XEN_EINVAL);
	r.offset = 4090;
	put(0x1000, &r, sizeof(r));
	assert_int_equal(call(true, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, 0x1000),
			 -XEN_EINVAL);
	assert_int_equal(call(true, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 2, 0), -XEN_ENOENT);
	assert_int_equal(call(true, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), 0);
	assert_int_equal(call(true, __HYPERVISOR_vcpu_op, VCPUOP_up, 1, 0), -XEN_EINVAL);
	put(0x2000, &ctx, sizeof(ctx));
	assert_int_equal(call(true, __HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, 0x2000),
			 -XEN_EINVAL);
	ctx.cpu_regs.x86_64 = (struct vcpu_hvm_x86_64){
		.rip = 0x100000, .cr0 = CR0_PE | CR0_PG, .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA };
	put(0x2000, &ctx, sizeof(ctx));
	assert_int_equal(call(true, __HYPERVISOR_vcpu_op, VCPUOP_initialise, 0, 0x2000),
			 -XEN_EEXIST);
	assert_int_equal(call(true, __HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, 0x2000), 0);
	assert_int_equal(call(true, __HYPERVISOR_vcpu_op, VCPUOP_up, 1, 0), 0);
	assert_int_equal(call(true, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), 1);
	assert_true(f.d.vcpus[1].start_pending);
}

/* The runstate area says "running since now", in either layout. */
static void runstate(void **state)
{
	struct vcpu_runstate_info native;
	uint64_t area = 0x3000, compat[6];
	uint32_t state32;

	(void)state;
	set_mode(FLAT32, 0);
	put(0x1000, &area, sizeof(area));
	assert_int_equal(call(true, __HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area,
			      0, 0x1000), 0);
	get(area, &native, sizeof(native));
	assert_int_equal(native.state, RUNSTATE_running);
	assert_true(native.state_entry_time > 0);
	assert_int_equal(native.time[RUNSTATE_running], native.state_entry_time);
	assert_int_equal(native.time[RUNSTATE_blocked], 0);

	/* 32-bit: the 64-bit fields follow the 4-byte state directly. */
	area = 0xffffffff00004000ULL; /* only the low half is the pointer */
	put(0x1000, &area, sizeof(area));
	assert_int_equal(call(false, __HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area,
			      0, 0x1000), 0);
	get(0x4000, &state32, sizeof(state32));
	get(0x4004, compat, 5 * sizeof(uint64_t));
	assert_int_equal(state32, RUNSTATE_running);
	assert_true(compat[0] > 0);
	assert_int_equal(compat[1], compat[0]);
	assert_int_equal(compat[2] | compat[3] | compat[4], 0);

	area = 0; /* unregistering */
	put(0x1000, &area, sizeof(area));
	assert_int_equal(call(true, __HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area,
			      0, 0x1000), 0);
}

static void sched_ops(void **state)
{
	struct { uint64_t ports; uint32_t nr; uint32_t pad; uint64_t timeout; } p = {
		0x2000, 200, 0, 1 };
	uint32_t port = 5000, reason = 99;

	(void)state;
	set_mode(FLAT32, 0);
	put(0x1000, &p, sizeof(p));
	assert_int_equal(call(true, __HYPERVISOR_sched_op, SCHEDOP_poll, 0x1000, 0), -XEN_EINVAL);
	p.nr = 1;
	put(0x1000, &p, sizeof(p));
	put(0x2000, &port, sizeof(port));
	assert_int_equal(call(true, __HYPERVISOR_sched_op, SCHEDOP_poll, 0x1000, 0), -XEN_EINVAL);
	port = 1;
	put(0x2000, &port, sizeof(port));
	assert_int_equal(call(true, __HYPERVISOR_sched_op, SCHEDOP_poll, 0x1000, 0), 0);
	put(0x3000, &reason, sizeof(reason));
	assert_int_equal(call(true, __HYPERVISOR_sched_op, SCHEDOP_shutdown, 0x3000, 0),
			 -XEN_EINVAL);
	reason = SHUTDOWN_suspend;
	put(0x3000, &reason, sizeof(reason));
	assert_int_equal(call(true, __HYPERVISOR_sched_op, SCHEDOP_shutdown, 0x3000, 0),
			 -XEN_EOPNOTSUPP);
	assert_int_equal(f.d.stop, HV_STOP_NONE);
	reason = SHUTDOWN_crash;
	put(0x3000, &reason, sizeof(reason));
	assert_int_equal(call(true, __HYPERVISOR_sched_op, SCHEDOP_shutdown, 0x3000, 0), 0);
	assert_int_equal(f.d.stop, HV_STOP_CRASH);
	/* Once stopped, a poll with no timeout returns at once. */
	p.timeout = 0;
	put(0x1000, &p, sizeof(p));
	assert_int_equal(call(true, __HYPERVISOR_sched_op, SCHEDOP_poll, 0x1000, 0), 0);
	assert_int_equal(call(true, __HYPERVISOR_sched_op, 99, 0, 0), -XEN_ENOSYS);
}

/* Writes a page-table entry of width bytes. */
static void pte(uint64_t gpa, uint64_t value, unsigned width)
{
	put(gpa, &value, width);
}

static void page_walks(void **state)
{
	uint64_t gpa;

	(void)state;
	/* 4-level: VA 0xffff800000201234 → 4 KiB page at 0x7000. */
	pte(0x100000 + 256 * 8, 0x101003, 8);	   /* PML4[256] */
	pte(0x101000, 0x102003, 8);		   /* PDPT[0] */
	pte(0x102000 + 1 * 8, 0x103003, 8);	   /* PD[1] */
	pte(0x103000 + 1 * 8, 0x7001, 8);	   /* PT[1]: read-only */
	pte(0x102000 + 2 * 8, 0x600083, 8);	   /* PD[2]: 2 MiB page */
	set_mode(LONG4, 0x100000);
	assert_int_equal(hv_gva_to_gpa(v, 0xffff800000201234ULL, false, &gpa), 0);
	assert_int_equal(gpa, 0x7234);
	assert_int_equal(hv_gva_to_gpa(v, 0xffff800000201234ULL, true, &gpa), -EFAULT);
	assert_int_equal(hv_gva_to_gpa(v, 0xffff800000412345ULL, true, &gpa), 0);
	assert_int_equal(gpa, 0x612345);
	assert_int_equal(hv_gva_to_gpa(v, 0xffff800000800000ULL, false, &gpa), -EFAULT);
	assert_int_equal(hv_gva_to_gpa(v, 0x0000800000000000ULL, false, &gpa), -EFAULT);
	/* A pointer argument through those tables. */
	assert_int_equal(call(true, __HYPERVISOR_xen_version, XENVER_extraversion,
			      0xffff800000412345ULL, 0),
			 0);
	assert_int_equal(call(true, __HYPERVISOR_xen_version, XENVER_extraversion,
			      0xffff800000201234ULL, 0),
			 -XEN_EFAULT);

	/* PAE: PDPT at 0x104000, VA 0x40201000 → 0x9000; a 2 MiB page. */
	pte(0x104000 + 1 * 8, 0x105001, 8);
	pte(0x105000 + 1 * 8, 0x106003, 8);
	pte(0x106000 + 1 * 8, 0x9003, 8);
	pte(0x105000 + 2 * 8, 0xa00083, 8);
	set_mode(PAE, 0x104000);
	assert_int_equal(hv_gva_to_gpa(v, 0x40201010, true, &gpa), 0);
	assert_int_equal(gpa, 0x9010);
	assert_int_equal(hv_gva_to_gpa(v, 0x40412345, false, &gpa), 0);
	assert_int_equal(gpa, 0xa12345);
	assert_int_equal(hv_gva_to_gpa(v, 0x80000000, false, &gpa), -EFAULT);

	/* 32-bit with PSE: a 4 MiB page and a 4 KiB one. */
	pte(0x107000 + 2 * 4, 0xc00083, 4);
	pte(0x107000 + 3 * 4, 0x108003, 4);
	pte(0x108000 + 5 * 4, 0xb003, 4);
	set_mode(PSE32, 0x107000);
	assert_int_equal(hv_gva_to_gpa(v, 0x00812345, false, &gpa), 0);
	assert_int_equal(gpa, 0xc12345);
	assert_int_equal(hv_gva_to_gpa(v, 0x00c05678, false, &gpa), 0);
	assert_int_equal(gpa, 0xb678);
	assert_int_equal(hv_gva_to_gpa(v, 1ULL << 32, false, &gpa), -EFAULT);
}

static void hypercall_page(void **state)
{
	static const uint8_t stub17[8] = { 0xb8, 17, 0, 0, 0, 0xe7, 0xe4, 0xc3 };
	uint8_t got[8];

	(void)state;
	assert_int_equal(hv_hypercall_page(v, 0x5000), 0);
	get(0x5000 + 17 * 32, got, sizeof(got));
	assert_memory_equal(got, stub17, sizeof(got));
	assert_int_equal(hv_hypercall_page(v, 0x5001), -EINVAL);
	assert_int_equal(hv_hypercall_page(v, 64 * MIB), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(cpl_and_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(xen_version, setup, teardown),
		cmocka_unit_test_setup_teardown(memory_map, setup, teardown),
		cmocka_unit_test_setup_teardown(add_to_physmap, setup, teardown),
		cmocka_unit_test_setup_teardown(hvm_params, setup, teardown),
		cmocka_unit_test_setup_teardown(vcpu_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(runstate, setup, teardown),
		cmocka_unit_test_setup_teardown(sched_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(page_walks, setup, teardown),
		cmocka_unit_test_setup_teardown(hypercall_page, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
