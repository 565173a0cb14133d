/*
 * Unit tests for hv/gnttab.c: GNTTABOP in both layouts, placing frames
 * with XENMEM_add_to_physmap, and the backend side against a table laid
 * out in guest memory: permit, readonly, domid, bad and revoked references,
 * the GTF_reading/GTF_writing transitions and their use counts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <xen/memory.h>

#include "evtchn.h"
#include "fake_domain.h"
#include "gnttab.h"
#include "hypercall.h"

#define ARG 0x1000ULL
#define LIST 0x2000ULL
#define RAM_MIB 16
#define HOLE_GFN 0x10000ULL  /* above the 16 MiB of RAM */
#define TABLE_GFN 0x20ULL    /* a RAM page */
#define DATA_GFN 0x30ULL     /* the page the tests grant */
#define DATA (DATA_GFN << 12)

static struct fake_domain f;
static struct hv_vcpu *v;

static int setup(void **state)
{
	(void)state;
	if (fake_domain_init(&f, RAM_MIB, 1))
		return -1;
	v = &f.d.vcpus[0];
	v->run->s.regs.sregs.cr0 = 1; /* protected mode, no paging: va = gpa */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_domain_destroy(&f);
	return 0;
}

static void put(uint64_t gpa, const void *p, size_t len)
{
	assert_int_equal(hv_gmem_write(&f.d.mem, gpa, p, len), 0);
}

static void get(uint64_t gpa, void *p, size_t len)
{
	assert_int_equal(hv_gmem_read(&f.d.mem, gpa, p, len), 0);
}

/* Runs GNTTABOP cmd on the struct at ARG, which holds *arg before and after. */
static long op(bool long_mode, uint64_t cmd, void *arg, size_t size, uint64_t count)
{
	struct hv_hcall c = { .nr = __HYPERVISOR_grant_table_op, .arg = { cmd, ARG, count },
			      .long_mode = long_mode };
	long ret;

	put(ARG, arg, size);
	ret = hv_hypercall(v, &c);
	get(ARG, arg, size);
	return ret;
}

static long add_frame(bool long_mode, uint64_t idx, uint64_t gfn)
{
	struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
					.idx = idx, .gpfn = gfn };
	struct { uint16_t domid, size; uint32_t space, idx, gpfn; } x32 = {
		DOMID_SELF, 0, XENMAPSPACE_grant_table, (uint32_t)idx, (uint32_t)gfn };
	struct hv_hcall c = { .nr = __HYPERVISOR_memory_op,
			      .arg = { XENMEM_add_to_physmap, ARG }, .long_mode = long_mode };

	if (long_mode)
		put(ARG, &x, sizeof(x));
	else
		put(ARG, &x32, sizeof(x32));
	return hv_hypercall(v, &c);
}

/* Writes entry ref of the table placed at TABLE_GFN (frame 0). */
static void grant(grant_ref_t ref, uint16_t flags, domid_t domid, uint32_t frame)
{
	grant_entry_v1_t e = { .flags = flags, .domid = domid, .frame = frame };

	put((TABLE_GFN << 12) + ref * sizeof(e), &e, sizeof(e));
}

static uint16_t flags(grant_ref_t ref)
{
	grant_entry_v1_t e;

	get((TABLE_GFN << 12) + ref * sizeof(e), &e, sizeof(e));
	return e.flags;
}

static void table_at_ram(void)
{
	uint8_t zero[4096] = { 0 };

	assert_int_equal(add_frame(true, 0, TABLE_GFN), 0);
	put(TABLE_GFN << 12, zero, sizeof(zero));
}

static void query_size(void **state)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };

	(void)state;
	assert_int_equal(op(true, GNTTABOP_query_size, &q, sizeof(q), 1), 0);
	assert_int_equal(q.status, GNTST_okay);
	assert_int_equal(q.nr_frames, 1);
	assert_int_equal(q.max_nr_frames, HV_GNTTAB_MAX_FRAMES);
	q = (struct gnttab_query_size){ .dom = 1 }; /* our own id */
	assert_int_equal(op(false, GNTTABOP_query_size, &q, sizeof(q), 1), 0);
	assert_int_equal(q.status, GNTST_okay);
	q = (struct gnttab_query_size){ .dom = 0 };
	assert_int_equal(op(true, GNTTABOP_query_size, &q, sizeof(q), 1), 0);
	assert_int_equal(q.status, GNTST_permission_denied);
	q = (struct gnttab_query_size){ .dom = 7 };
	assert_int_equal(op(true, GNTTABOP_query_size, &q, sizeof(q), 1), 0);
	assert_int_equal(q.status, GNTST_bad_domain);
	assert_int_equal(op(true, GNTTABOP_query_size, &q, sizeof(q), 2), -XEN_EINVAL);
	assert_int_equal(op(true, GNTTABOP_query_size, &q, sizeof(q), 0), -XEN_EINVAL);
	/* a bad pointer */
	assert_int_equal(hv_hypercall(v, &(struct hv_hcall){
		.nr = __HYPERVISOR_grant_table_op, .arg = { GNTTABOP_query_size, 1ULL << 40, 1 },
		.long_mode = true }), -XEN_EFAULT);
}

static void versions(void **state)
{
	struct gnttab_set_version s = { .version = 1 };
	struct gnttab_get_version g = { .dom = DOMID_SELF };
	struct gnttab_dump_table t = { .dom = DOMID_SELF, .status = 99 };

	(void)state;
	assert_int_equal(op(false, GNTTABOP_set_version, &s, sizeof(s), 1), 0);
	assert_int_equal(s.version, 1);
	s.version = 2;
	assert_int_equal(op(true, GNTTABOP_set_version, &s, sizeof(s), 1), -XEN_ENOSYS);
	assert_int_equal(s.version, 1); /* the version in force, as Xen writes back */
	s.version = 0;
	assert_int_equal(op(true, GNTTABOP_set_version, &s, sizeof(s), 1), -XEN_EINVAL);
	assert_int_equal(s.version, 1);
	assert_int_equal(op(true, GNTTABOP_get_version, &g, sizeof(g), 1), 0);
	assert_int_equal(g.version, 1);
	g.dom = 9;
	assert_int_equal(op(true, GNTTABOP_get_version, &g, sizeof(g), 1), -XEN_ESRCH);
	g.dom = 0;
	assert_int_equal(op(true, GNTTABOP_get_version, &g, sizeof(g), 1), -XEN_EPERM);
	assert_int_equal(op(false, GNTTABOP_dump_table, &t, sizeof(t), 1), 0);
	assert_int_equal(t.status, GNTST_okay);
}

static void bad_commands(void **state)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };

	(void)state;
	assert_int_equal(op(true, GNTTABOP_query_size | (1 << 12), &q, sizeof(q), 1),
			 -XEN_EINVAL);
	assert_int_equal(op(true, GNTTABOP_query_size, &q, sizeof(q), 0x80000000u), -XEN_EINVAL);
	assert_int_equal(op(true, GNTTABOP_map_grant_ref, &q, sizeof(q), 1), -XEN_ENOSYS);
	assert_int_equal(op(true, GNTTABOP_copy, &q, sizeof(q), 1), -XEN_ENOSYS);
	assert_int_equal(op(true, 4000, &q, sizeof(q), 1), -XEN_ENOSYS);
}

static void place_frames(void **state)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	uint8_t page[4096];

	(void)state;
	memset(page, 0xaa, sizeof(page));
	put(TABLE_GFN << 12, page, sizeof(page));
	/* over RAM: the frame replaces the page, empty */
	assert_int_equal(add_frame(true, 0, TABLE_GFN), 0);
	get(TABLE_GFN << 12, page, sizeof(page));
	for (size_t i = 0; i < sizeof(page); i++)
		assert_int_equal(page[i], 0);
	grant(3, GTF_permit_access, 0, DATA_GFN);
	/* moving it (a 32-bit guest, into a hole above RAM) takes its entries along */
	assert_false(hv_gmem_is_backed(&f.d.mem, HOLE_GFN << 12));
	assert_int_equal(add_frame(false, 0, HOLE_GFN), 0);
	assert_true(hv_gmem_is_backed(&f.d.mem, HOLE_GFN << 12));
	get((HOLE_GFN << 12) + 3 * 8, page, 8);
	assert_int_equal(((grant_entry_v1_t *)page)->frame, DATA_GFN);
	/* placing it again where it is changes nothing */
	assert_int_equal(add_frame(true, 0, HOLE_GFN), 0);
	get((HOLE_GFN << 12) + 3 * 8, page, 8);
	assert_int_equal(((grant_entry_v1_t *)page)->frame, DATA_GFN);
	/* frame 5 grows the table to 6 */
	assert_int_equal(add_frame(true, 5, HOLE_GFN + 5), 0);
	assert_int_equal(op(true, GNTTABOP_query_size, &q, sizeof(q), 1), 0);
	assert_int_equal(q.nr_frames, 6);
	/* refused: beyond the maximum, the local APIC and IOAPIC, beyond any address */
	assert_int_equal(add_frame(true, HV_GNTTAB_MAX_FRAMES, HOLE_GFN + 9), -XEN_EINVAL);
	assert_int_equal(add_frame(true, 1, 0xfee00), -XEN_EINVAL);
	assert_int_equal(add_frame(false, 1, 0xfec00), -XEN_EINVAL);
	assert_int_equal(add_frame(true, 1, 1ULL << 40), -XEN_EINVAL);
	assert_int_equal(op(true, GNTTABOP_query_size, &q, sizeof(q), 1), 0);
	assert_int_equal(q.nr_frames, 6);
}

/* A frame placed where another is displaces it: the other is unplaced. */
static void displace_frame(void **state)
{
	(void)state;
	assert_int_equal(add_frame(true, 0, TABLE_GFN), 0);
	grant(1, GTF_permit_access, 0, DATA_GFN);
	assert_int_equal(add_frame(true, 1, TABLE_GFN), 0);
	assert_int_equal(flags(1), 0); /* frame 1's page, empty */
	assert_int_equal(hv_gnttab_copy_from(&f.d, 1, 0, &(char){ 0 }, 1), -EINVAL);
	assert_int_equal(hv_gnttab_copy_from(&f.d, 512 + 1, 0, &(char){ 0 }, 1), -EINVAL);
	grant(1, GTF_permit_access, 0, DATA_GFN); /* now entry 513 */
	assert_int_equal(hv_gnttab_copy_from(&f.d, 512 + 1, 0, &(char){ 0 }, 1), 0);
}

static void setup_table(void **state)
{
	struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 3 };
	struct { uint16_t dom; uint32_t nr_frames; int16_t status; uint32_t list; } s32 = {
		DOMID_SELF, 2, 99, (uint32_t)LIST };
	uint64_t gfns[3];
	uint32_t gfns32[3] = { 0 };
	struct gnttab_query_size q = { .dom = DOMID_SELF };

	(void)state;
	assert_int_equal(add_frame(true, 0, HOLE_GFN), 0);
	set_xen_guest_handle(s.frame_list, (xen_pfn_t *)(uintptr_t)LIST);
	assert_int_equal(op(true, GNTTABOP_setup_table, &s, sizeof(s), 1), 0);
	assert_int_equal(s.status, GNTST_okay);
	get(LIST, gfns, sizeof(gfns));
	assert_int_equal(gfns[0], HOLE_GFN);
	assert_int_equal(gfns[1], ~0ULL); /* grown, not placed */
	assert_int_equal(gfns[2], ~0ULL);
	assert_int_equal(op(true, GNTTABOP_query_size, &q, sizeof(q), 1), 0);
	assert_int_equal(q.nr_frames, 3);

	/* GRUB's layout: 16 bytes, the list of 32-bit frames */
	put(LIST, gfns32, sizeof(gfns32));
	assert_int_equal(op(false, GNTTABOP_setup_table, &s32, sizeof(s32), 1), 0);
	assert_int_equal(s32.status, GNTST_okay);
	get(LIST, gfns32, sizeof(gfns32));
	assert_int_equal(gfns32[0], HOLE_GFN);
	assert_int_equal(gfns32[1], 0xffffffffu);
	assert_int_equal(gfns32[2], 0); /* not asked for: untouched */

	s.nr_frames = HV_GNTTAB_MAX_FRAMES + 1;
	assert_int_equal(op(true, GNTTABOP_setup_table, &s, sizeof(s), 1), 0);
	assert_int_equal(s.status, GNTST_general_error);
	s.nr_frames = 1;
	s.dom = 3;
	assert_int_equal(op(true, GNTTABOP_setup_table, &s, sizeof(s), 1), 0);
	assert_int_equal(s.status, GNTST_bad_domain);
	s.dom = DOMID_SELF;
	set_xen_guest_handle(s.frame_list, (xen_pfn_t *)(uintptr_t)(1ULL << 40));
	assert_int_equal(op(true, GNTTABOP_setup_table, &s, sizeof(s), 1), 0);
	assert_int_equal(s.status, GNTST_bad_virt_addr);
	assert_int_equal(op(true, GNTTABOP_setup_table, &s, sizeof(s), 2), -XEN_EINVAL);
}

static void copies(void **state)
{
	char buf[16] = "", hello[] = "hello, backend";

	(void)state;
	table_at_ram();
	put(DATA + 100, hello, sizeof(hello));
	grant(4, GTF_permit_access, 0, DATA_GFN);
	assert_int_equal(hv_gnttab_copy_from(&f.d, 4, 100, buf, sizeof(hello)), 0);
	assert_string_equal(buf, hello);
	assert_int_equal(flags(4), GTF_permit_access); /* flags cleared after the copy */
	assert_int_equal(hv_gnttab_copy_to(&f.d, 4, 4096 - 3, "xyz", 3), 0);
	get(DATA + 4093, buf, 3);
	assert_memory_equal(buf, "xyz", 3);
	assert_int_equal(flags(4), GTF_permit_access);
	/* ranges beyond the page */
	assert_int_equal(hv_gnttab_copy_to(&f.d, 4, 4096 - 2, "xyz", 3), -EINVAL);
	assert_int_equal(hv_gnttab_copy_from(&f.d, 4, 4097, buf, 0), -EINVAL);
	assert_int_equal(hv_gnttab_copy_from(&f.d, 4, 0, buf, 4097), -EINVAL);
	/* readonly: reads yes, writes -EPERM */
	grant(5, GTF_permit_access | GTF_readonly, 0, DATA_GFN);
	assert_int_equal(hv_gnttab_copy_from(&f.d, 5, 100, buf, 5), 0);
	assert_int_equal(hv_gnttab_copy_to(&f.d, 5, 0, "x", 1), -EPERM);
	assert_int_equal(flags(5), GTF_permit_access | GTF_readonly);
	/* a sub-page grant may be copied but not mapped, as in Xen */
	grant(6, GTF_permit_access | GTF_sub_page, 0, DATA_GFN);
	assert_int_equal(hv_gnttab_copy_from(&f.d, 6, 0, buf, 1), 0);
	assert_int_equal(hv_gnttab_map(&f.d, 6, false, &(struct hv_grant_map){ 0 }), -EINVAL);
}

static void bad_grants(void **state)
{
	char buf[8];

	(void)state;
	table_at_ram();
	grant(1, GTF_permit_access, 5, DATA_GFN); /* for another domain */
	grant(2, GTF_accept_transfer, 0, DATA_GFN);
	grant(3, GTF_transitive, 0, DATA_GFN);
	grant(4, GTF_invalid | GTF_readonly, 0, DATA_GFN);
	grant(7, GTF_permit_access, 0, 0xffffffffu); /* a frame beyond memory */
	for (grant_ref_t ref = 0; ref < 8; ref++) { /* 0, 5 and 6: never granted */
		assert_int_equal(hv_gnttab_copy_from(&f.d, ref, 0, buf, 1), -EINVAL);
		assert_int_equal(hv_gnttab_copy_to(&f.d, ref, 0, buf, 1), -EINVAL);
	}
	assert_int_equal(flags(7), GTF_permit_access); /* pinned, failed, unpinned */
	/* references beyond the placed frames, the table, any table */
	assert_int_equal(hv_gnttab_copy_from(&f.d, 512, 0, buf, 1), -EINVAL);
	assert_int_equal(hv_gnttab_copy_from(&f.d, HV_GNTTAB_MAX_FRAMES * 512, 0, buf, 1),
			 -EINVAL);
	assert_int_equal(hv_gnttab_copy_from(&f.d, 0xffffffffu, 0, buf, 1), -EINVAL);
	assert_int_equal(hv_gnttab_map(&f.d, 0xffffffffu, true, &(struct hv_grant_map){ 0 }),
			 -EINVAL);
}

/* Backends before any table exists: every reference is bad. */
static void no_table(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(hv_gnttab_copy_from(&f.d, 0, 0, buf, 1), -EINVAL);
	assert_int_equal(hv_gnttab_map(&f.d, 1, false, &(struct hv_grant_map){ 0 }), -EINVAL);
}

static void maps(void **state)
{
	struct hv_grant_map r1, r2, w;

	(void)state;
	table_at_ram();
	grant(9, GTF_permit_access, 0, DATA_GFN);
	assert_int_equal(hv_gnttab_map(&f.d, 9, false, &r1), 0);
	assert_int_equal(r1.gpa, DATA);
	assert_int_equal(flags(9), GTF_permit_access | GTF_reading);
	assert_ptr_equal(r1.host, hv_gmem_map(&f.d.mem, DATA, 4096, false));
	/* the same reference twice: the flags last until the last unmap */
	assert_int_equal(hv_gnttab_map(&f.d, 9, false, &r2), 0);
	assert_int_equal(hv_gnttab_map(&f.d, 9, true, &w), 0);
	assert_int_equal(flags(9), GTF_permit_access | GTF_reading | GTF_writing);
	hv_gnttab_unmap(&f.d, &w);
	assert_null(w.host);
	assert_int_equal(flags(9), GTF_permit_access | GTF_reading);
	hv_gnttab_unmap(&f.d, &w); /* twice: nothing */
	hv_gnttab_unmap(&f.d, &r1);
	assert_int_equal(flags(9), GTF_permit_access | GTF_reading);
	/* a copy while mapped keeps the flags of the mapping */
	assert_int_equal(hv_gnttab_copy_to(&f.d, 9, 0, "z", 1), 0);
	assert_int_equal(flags(9), GTF_permit_access | GTF_reading);
	hv_gnttab_unmap(&f.d, &r2);
	assert_int_equal(flags(9), GTF_permit_access);
	/* read-only grants map for reading only */
	grant(10, GTF_permit_access | GTF_readonly, 0, DATA_GFN);
	assert_int_equal(hv_gnttab_map(&f.d, 10, true, &w), -EPERM);
	assert_int_equal(hv_gnttab_map(&f.d, 10, false, &r1), 0);
	hv_gnttab_unmap(&f.d, &r1);
	assert_int_equal(flags(10), GTF_permit_access | GTF_readonly);
}

/*
 * A guest that revokes a mapped grant (which it must not do) loses the next
 * request that names it; the mapping stays until the backend unmaps it,
 * and unmapping does not resurrect the flags.
 */
static void revoke_while_mapped(void **state)
{
	struct hv_grant_map m;
	char buf[4];

	(void)state;
	table_at_ram();
	grant(11, GTF_permit_access, 0, DATA_GFN);
	assert_int_equal(hv_gnttab_map(&f.d, 11, true, &m), 0);
	grant(11, 0, 0, 0);
	assert_int_equal(hv_gnttab_copy_from(&f.d, 11, 0, buf, 1), -EINVAL);
	assert_int_equal(hv_gnttab_map(&f.d, 11, false, &(struct hv_grant_map){ 0 }), -EINVAL);
	memcpy(m.host, "ok", 2); /* still the guest's page */
	get(DATA, buf, 2);
	assert_memory_equal(buf, "ok", 2);
	hv_gnttab_unmap(&f.d, &m);
	assert_int_equal(flags(11), 0);
	/* made readonly while mapped for writing: the next write fails */
	grant(12, GTF_permit_access, 0, DATA_GFN);
	assert_int_equal(hv_gnttab_map(&f.d, 12, true, &m), 0);
	grant(12, GTF_permit_access | GTF_readonly | GTF_reading | GTF_writing, 0, DATA_GFN);
	assert_int_equal(hv_gnttab_copy_to(&f.d, 12, 0, "x", 1), -EPERM);
	assert_int_equal(hv_gnttab_copy_from(&f.d, 12, 0, buf, 1), 0);
	hv_gnttab_unmap(&f.d, &m);
	assert_int_equal(flags(12), GTF_permit_access | GTF_readonly);
}

/* A 32-bit guest's table is laid out as a 64-bit guest's (no handles in it). */
static void grub_sequence(void **state)
{
	struct gnttab_set_version s = { .version = 1 };
	struct { uint16_t dom; uint32_t nr_frames; int16_t status; uint32_t list; } s32 = {
		DOMID_SELF, 1, 99, (uint32_t)LIST };
	uint32_t gfn = 0;
	char buf[4];

	(void)state;
	assert_int_equal(add_frame(false, 0, 0xa0), 0); /* the legacy video hole */
	assert_int_equal(op(false, GNTTABOP_set_version, &s, sizeof(s), 1), 0);
	assert_int_equal(op(false, GNTTABOP_setup_table, &s32, sizeof(s32), 1), 0);
	assert_int_equal(s32.status, GNTST_okay);
	get(LIST, &gfn, sizeof(gfn));
	assert_int_equal(gfn, 0xa0);
	put((0xa0 << 12) + 8, &(grant_entry_v1_t){ .flags = GTF_permit_access, .frame = DATA_GFN },
	    8);
	assert_int_equal(hv_gnttab_copy_to(&f.d, 1, 0, "grub", 4), 0);
	get(DATA, buf, 4);
	assert_memory_equal(buf, "grub", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(query_size, setup, teardown),
		cmocka_unit_test_setup_teardown(versions, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(place_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(displace_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(setup_table, setup, teardown),
		cmocka_unit_test_setup_teardown(copies, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_grants, setup, teardown),
		cmocka_unit_test_setup_teardown(no_table, setup, teardown),
		cmocka_unit_test_setup_teardown(maps, setup, teardown),
		cmocka_unit_test_setup_teardown(revoke_while_mapped, setup, teardown),
		cmocka_unit_test_setup_teardown(grub_sequence, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
