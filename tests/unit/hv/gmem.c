/* Unit tests for hv/gmem.c: bounds, region spans, frames outside RAM. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gmem.h"

#define MIB (1ULL << 20)

static int setup(void **state)
{
	static struct hv_gmem m;

	if (hv_gmem_init(&m, 16 * MIB))
		return -1;
	*state = &m;
	return 0;
}

static int teardown(void **state)
{
	hv_gmem_destroy(*state);
	return 0;
}

static void init_rejects_bad_sizes(void **state)
{
	struct hv_gmem m;

	(void)state;
	assert_int_equal(hv_gmem_init(&m, 0), -EINVAL);
	assert_int_equal(hv_gmem_init(&m, 4097), -EINVAL);
	assert_int_equal(hv_gmem_init(&m, 1ULL << 62), -EINVAL);
}

static void read_write_in_bounds(void **state)
{
	struct hv_gmem *m = *state;
	uint8_t in[100], out[100];

	memset(in, 0x5a, sizeof(in));
	assert_int_equal(hv_gmem_write(m, 16 * MIB - sizeof(in), in, sizeof(in)), 0);
	assert_int_equal(hv_gmem_read(m, 16 * MIB - sizeof(out), out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(hv_gmem_fill(m, 0, 0, 4096), 0);
}

static void out_of_bounds_touches_nothing(void **state)
{
	struct hv_gmem *m = *state;
	uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t back[4];

	assert_int_equal(hv_gmem_write(m, 0, "\0\0\0\0", 4), 0);
	assert_int_equal(hv_gmem_write(m, 16 * MIB - 4, buf, sizeof(buf)), -EFAULT);
	assert_int_equal(hv_gmem_read(m, 16 * MIB - 4, back, sizeof(back)), 0);
	assert_memory_not_equal(back, buf, sizeof(back)); /* nothing written */
	assert_int_equal(hv_gmem_read(m, UINT64_MAX - 2, buf, sizeof(buf)), -EFAULT);
	assert_int_equal(hv_gmem_read(m, 1ULL << 39, buf, 1), -EFAULT);
	assert_null(hv_gmem_map(m, 16 * MIB - 4, 8, false));
	assert_non_null(hv_gmem_map(m, 16 * MIB - 8, 8, true));
}

static void frames_outside_ram(void **state)
{
	struct hv_gmem *m = *state;
	uint64_t gfn = 0xfeff0;
	uint32_t v = 0xdeadbeef, back = 0;

	assert_false(hv_gmem_is_backed(m, gfn << HV_PAGE_SHIFT));
	assert_int_equal(hv_gmem_add_frame(m, gfn), 0);
	assert_int_equal(hv_gmem_add_frame(m, gfn), 0); /* already there */
	assert_true(hv_gmem_is_backed(m, gfn << HV_PAGE_SHIFT));
	assert_false(hv_gmem_is_ram(m, gfn << HV_PAGE_SHIFT));
	assert_int_equal(hv_gmem_write(m, (gfn << HV_PAGE_SHIFT) + 4092, &v, 4), 0);
	assert_int_equal(hv_gmem_read(m, (gfn << HV_PAGE_SHIFT) + 4092, &back, 4), 0);
	assert_int_equal(back, v);
	/* The next frame is not backed, so a straddling access fails. */
	assert_int_equal(hv_gmem_write(m, (gfn << HV_PAGE_SHIFT) + 4094, &v, 4), -EFAULT);
	assert_int_equal(hv_gmem_add_frame(m, 1ULL << 40), -EINVAL);
	assert_int_equal(hv_gmem_add_frame(m, 3), 0); /* RAM: nothing to do */
}

static void out_of_regions(void **state)
{
	struct hv_gmem m;
	int err = 0;

	(void)state;
	assert_int_equal(hv_gmem_init(&m, 4 * MIB), 0);
	for (uint64_t gfn = 0x100000; gfn < 0x100000 + HV_GMEM_MAX_REGIONS && !err; gfn++)
		err = hv_gmem_add_frame(&m, gfn);
	assert_int_equal(err, -ENOSPC);
	hv_gmem_destroy(&m);
}

static void highmem_split(void **state)
{
	struct hv_gmem m;
	uint8_t b = 7;

	(void)state;
	/* Only address space is reserved: the memfd is sparse. */
	assert_int_equal(hv_gmem_init(&m, HV_LOWMEM_LIMIT + 2 * MIB), 0);
	assert_int_equal(hv_gmem_ram_end(&m), HV_HIGHMEM_START + 2 * MIB);
	assert_true(hv_gmem_is_ram(&m, HV_HIGHMEM_START));
	assert_false(hv_gmem_is_backed(&m, HV_LOWMEM_LIMIT));
	assert_int_equal(hv_gmem_write(&m, HV_HIGHMEM_START + 2 * MIB - 1, &b, 1), 0);
	assert_int_equal(hv_gmem_write(&m, HV_HIGHMEM_START + 2 * MIB, &b, 1), -EFAULT);
	hv_gmem_destroy(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_rejects_bad_sizes),
		cmocka_unit_test_setup_teardown(read_write_in_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(out_of_bounds_touches_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(frames_outside_ram, setup, teardown),
		cmocka_unit_test(out_of_regions),
		cmocka_unit_test(highmem_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
