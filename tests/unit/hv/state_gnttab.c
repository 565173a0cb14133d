/*
 * Unit tests for the grant table's state (hv/gnttab.c): the table's size
 * and where its frames are (in RAM and in a hole) come back, its entries
 * come with the memory, a backend takes its mapping back with
 * hv_gnttab_adopt and releases it as it would have; bad bodies and bad
 * adoptions are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "device_state.h"
#include "fake_guest.h"
#include "fake_state.h"
#include "gnttab.h"

#define RAM_GFN 0x20ULL     /* table frame 0 */
#define HOLE_GFN 0x2000ULL  /* table frame 1, above 16 MiB of RAM */
#define PAGE_GFN 0x30ULL    /* the granted page */
#define LIST_GPA 0x3000ULL
#define REF 1
#define HOLE_REF 513        /* in frame 1 */

static struct fake_domain src, dst;
static struct hv_grant_map held;

static long setup_table(struct fake_domain *f, uint32_t n, uint64_t *gfns)
{
	struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = n };
	long err;

	set_xen_guest_handle(s.frame_list, (xen_pfn_t *)(uintptr_t)LIST_GPA);
	err = fake_guest_hypercall(&f->d.vcpus[0], __HYPERVISOR_grant_table_op,
				   GNTTABOP_setup_table, &s, sizeof(s));
	hv_gmem_read(&f->d.mem, LIST_GPA, gfns, n * sizeof(*gfns));
	return err ? err : s.status;
}

static int setup(void **state)
{
	struct hv_vcpu *v;
	uint64_t gfns[4];

	(void)state;
	if (fake_domain_init(&src, 16, 1) || fake_domain_init(&dst, 16, 1))
		return -1;
	v = &src.d.vcpus[0];
	if (fake_guest_map_grant_frame(v, 0, RAM_GFN) || fake_guest_map_grant_frame(v, 1, HOLE_GFN) ||
	    setup_table(&src, 4, gfns))
		return -1;
	fake_guest_grant(&src.d, RAM_GFN, REF, GTF_permit_access, PAGE_GFN);
	fake_guest_grant(&src.d, HOLE_GFN, HOLE_REF % 512, GTF_permit_access, PAGE_GFN);
	hv_gmem_write(&src.d.mem, PAGE_GFN << 12, "granted", 8);
	/* A backend holds REF mapped for writing, as a ring. */
	return hv_gnttab_map(&src.d, REF, true, &held);
}

static int teardown(void **state)
{
	(void)state;
	hv_gnttab_unmap(&src.d, &held);
	fake_domain_destroy(&src);
	fake_domain_destroy(&dst);
	return 0;
}

static void table_and_mapping_come_back(void **state)
{
	uint64_t gfns[4];
	struct hv_grant_map m;
	char buf[8];

	(void)state;
	assert_int_equal(fake_state_transfer(&dst, &src), 0);
	assert_int_equal(setup_table(&dst, 4, gfns), GNTST_okay);
	assert_int_equal(gfns[0], RAM_GFN);
	assert_int_equal(gfns[1], HOLE_GFN);
	assert_int_equal(gfns[2], ~0ULL);
	/* The entries in the hole's frame came with the memory. */
	assert_int_equal(hv_gnttab_copy_from(&dst.d, HOLE_REF, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "granted");
	/* The backend takes its mapping back, and lets go as it would have. */
	assert_int_equal(fake_guest_grant_flags(&dst.d, RAM_GFN, REF) & GTF_writing, GTF_writing);
	assert_int_equal(hv_gnttab_adopt(&dst.d, REF, true, held.gpa, &m), 0);
	assert_memory_equal(m.host, "granted", 8);
	hv_gnttab_unmap(&dst.d, &m);
	assert_int_equal(fake_guest_grant_flags(&dst.d, RAM_GFN, REF), GTF_permit_access);
}

static void bad_adoptions(void **state)
{
	struct hv_grant_map m;

	(void)state;
	assert_int_equal(fake_state_transfer(&dst, &src), 0);
	assert_int_equal(hv_gnttab_adopt(&dst.d, 4 * 512, true, held.gpa, &m), -EINVAL);
	assert_int_equal(hv_gnttab_adopt(&dst.d, 2 * 512, true, held.gpa, &m), -EINVAL);
	assert_int_equal(hv_gnttab_adopt(&dst.d, REF, true, held.gpa + 8, &m), -EINVAL);
	assert_int_equal(hv_gnttab_adopt(&dst.d, REF, true, 0x3000ULL << 12, &m), -EINVAL);
	assert_int_equal(fake_guest_grant_flags(&dst.d, RAM_GFN, REF), GTF_permit_access |
			 GTF_reading | GTF_writing); /* as saved, nothing taken */
}

static void bad_bodies(void **state)
{
	const struct hv_device *dev = fake_state_device(&dst, HV_STATE_GNTTAB);
	struct hv_state_buf b = { 0 };
	uint8_t body[8 + 4 * 8 + 1];
	uint64_t gfns[4];
	uint32_t len;
	size_t off;

	(void)state;
	assert_int_equal(fake_state_save(&src, &b, &dst), 0);
	hv_domain_pause(&dst.d);
	assert_int_equal(fake_state_restore_before(&dst, b.data, b.len, HV_STATE_GNTTAB), 0);
	assert_int_equal(fake_state_find(b.data, b.len, HV_STATE_GNTTAB, &off, &len), 0);
	assert_int_equal(len, 8 + 4 * 8);
	memcpy(body, b.data + off, len);
	assert_int_equal(dev->restore(&dst.d, 0, body, len), -ENOTSUP);
	for (uint32_t n = 0; n <= len + 1; n++)
		if (n != len)
			assert_int_equal(dev->restore(&dst.d, 1, body, n), -EINVAL);
	body[0] = 2; /* grant table version 2 */
	assert_int_equal(dev->restore(&dst.d, 1, body, len), -EINVAL);
	body[0] = 1;
	memcpy(body + 4, &(uint32_t){ 0 }, 4);
	assert_int_equal(dev->restore(&dst.d, 1, body, 8), -EINVAL);
	memcpy(body + 4, &(uint32_t){ 65 }, 4);
	assert_int_equal(dev->restore(&dst.d, 1, body, len), -EINVAL);
	memcpy(body + 4, &(uint32_t){ 4 }, 4);
	memcpy(body + 16, &(uint64_t){ 0x3000 }, 8); /* a hole nobody backed */
	assert_int_equal(dev->restore(&dst.d, 1, body, len), -EINVAL);
	memcpy(body + 16, &(uint64_t){ RAM_GFN }, 8); /* two frames at one place */
	assert_int_equal(dev->restore(&dst.d, 1, body, len), -EINVAL);
	memcpy(body + 16, &(uint64_t){ 1ULL << 52 }, 8);
	assert_int_equal(dev->restore(&dst.d, 1, body, len), -EINVAL);
	assert_int_equal(setup_table(&dst, 1, gfns), GNTST_okay);
	assert_int_equal(gfns[0], ~0ULL); /* the table is still the fresh one */
	memcpy(body + 16, &(uint64_t){ HOLE_GFN }, 8);
	assert_int_equal(dev->restore(&dst.d, 1, body, len), 0);
	assert_int_equal(setup_table(&dst, 2, gfns), GNTST_okay);
	assert_int_equal(gfns[1], HOLE_GFN);
	hv_domain_unpause(&dst.d);
	free(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(table_and_mapping_come_back, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_adoptions, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_bodies, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
