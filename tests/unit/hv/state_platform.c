/*
 * Unit tests for the device-state records (hv/device.c's framework) and
 * the platform's record (hv/platform_state.c): a blob is taken whole or
 * not at all, only from a paused domain; shared_info in a hole, HVM
 * params, the guest's memory map and a vCPU's pending start come back;
 * bad bodies are refused before anything changes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <xen/hvm/hvm_op.h>
#include <xen/memory.h>
#include <xen/vcpu.h>

#include "device_state.h"
#include "e820.h"
#include "fake_guest.h"
#include "fake_state.h"
#include "hypercall.h"
#include "platform_state.h"

#define HOLE_GFN 0x2000ULL  /* above 16 MiB of RAM: a hole */
#define TABLE_GFN 0x2001ULL
#define MAP_GPA 0x3000ULL
#define CALLBACK (0x0200000000000000ULL | 0xf3) /* vector 0xf3 */

/* The platform body's layout. */
#define NR_PARAMS 8
#define NR_MEMMAP 12
#define NR_FRAMES 16
#define NR_VCPUS 20
#define HDR 24
#define PARAM 16
#define FRAME 8
#define VCPU 136

static struct fake_domain src, dst;
static struct hv_state_buf blob;
static vcpu_hvm_context_t ctx = {
	.mode = VCPU_HVM_MODE_32B,
	.cpu_regs.x86_32 = { .eip = 0x1234, .cr0 = 1, .cs_ar = 0xc9b, .tr_ar = 0x8b },
};
static const struct hv_e820 map[2] = {
	{ .addr = 0, .size = 0x9f000, .type = HV_E820_RAM },
	{ .addr = 0x100000, .size = 0xe00000, .type = HV_E820_RAM },
};

static long hvm_set(struct hv_vcpu *v, uint32_t index, uint64_t value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index, .value = value };

	return fake_guest_hypercall(v, __HYPERVISOR_hvm_op, HVMOP_set_param, &p, sizeof(p));
}

/* What a guest sets up: all of the platform's record. */
static void make_platform(void)
{
	struct hv_vcpu *v = &src.d.vcpus[0];
	struct xen_foreign_memory_map m = { .domid = DOMID_SELF, .map.nr_entries = 2 };

	assert_int_equal(fake_guest_map_shared_info(v, HOLE_GFN), 0);
	assert_int_equal(fake_guest_map_grant_frame(v, 0, TABLE_GFN), 0);
	assert_int_equal(hvm_set(v, HVM_PARAM_CALLBACK_IRQ, CALLBACK), 0);
	hv_gmem_write(&src.d.mem, MAP_GPA, map, sizeof(map));
	set_xen_guest_handle(m.map.buffer, (void *)(uintptr_t)MAP_GPA);
	assert_int_equal(fake_guest_hypercall(v, __HYPERVISOR_memory_op, XENMEM_set_memory_map,
					      &m, sizeof(m)), 0);
	assert_int_equal(fake_guest_vcpu_op(v, VCPUOP_initialise, 1, &ctx, sizeof(ctx)), 0);
	pthread_mutex_lock(&src.d.lock);
	src.d.vcpus[0].halt_pending = true;
	pthread_mutex_unlock(&src.d.lock);
}

static int setup(void **state)
{
	(void)state;
	blob = (struct hv_state_buf){ 0 };
	if (fake_domain_init(&src, 16, 2) || fake_domain_init(&dst, 16, 2))
		return -1;
	make_platform();
	return fake_state_save(&src, &blob, NULL);
}

/* RAM only: the frames in holes come back with the platform's record. */
static void copy_ram(void)
{
	memcpy(dst.d.mem.ram, src.d.mem.ram, src.d.mem.ram_size);
}

static int teardown(void **state)
{
	(void)state;
	fake_domain_destroy(&src);
	fake_domain_destroy(&dst);
	free(blob.data);
	return 0;
}

static void platform_comes_back(void **state)
{
	struct xen_memory_map m = { .nr_entries = 8 };
	struct hv_e820 got[2];

	(void)state;
	copy_ram();
	assert_false(hv_gmem_is_backed(&dst.d.mem, HOLE_GFN << 12));
	assert_int_equal(fake_state_restore(&dst, blob.data, blob.len), 0);
	assert_int_equal(dst.d.shared_info_gpa, HOLE_GFN << 12);
	assert_true(hv_gmem_is_backed(&dst.d.mem, TABLE_GFN << 12));
	assert_memory_equal(dst.d.hvm_params, src.d.hvm_params, sizeof(src.d.hvm_params));
	assert_int_equal(dst.d.hvm_params[HVM_PARAM_CALLBACK_IRQ], CALLBACK);
	set_xen_guest_handle(m.buffer, (void *)(uintptr_t)MAP_GPA);
	hv_gmem_fill(&dst.d.mem, MAP_GPA, 0, sizeof(got));
	assert_int_equal(fake_guest_hypercall(&dst.d.vcpus[0], __HYPERVISOR_memory_op,
					      XENMEM_memory_map, &m, sizeof(m)), 0);
	assert_int_equal(m.nr_entries, 2);
	hv_gmem_read(&dst.d.mem, MAP_GPA, got, sizeof(got));
	assert_memory_equal(got, map, sizeof(map));
	assert_memory_equal(&dst.d.vcpus[1].ctx, &ctx, sizeof(ctx));
	assert_false(dst.d.vcpus[1].start_pending);
	assert_true(dst.d.vcpus[0].halt_pending);
}

static void pending_start_comes_back(void **state)
{
	struct hv_state_buf b = { 0 };

	(void)state;
	assert_int_equal(fake_guest_vcpu_op(&src.d.vcpus[0], VCPUOP_up, 1, NULL, 0), 0);
	assert_int_equal(fake_state_save(&src, &b, NULL), 0);
	copy_ram();
	assert_int_equal(fake_state_restore(&dst, b.data, b.len), 0);
	assert_true(dst.d.vcpus[1].start_pending);
	assert_memory_equal(&dst.d.vcpus[1].ctx, &ctx, sizeof(ctx));
	free(b.data);
}

/* Expects blob b refused whole: dst keeps its own state. */
static void expect_refused(const struct hv_state_buf *b)
{
	assert_int_equal(fake_state_restore(&dst, b->data, b->len), -EINVAL);
	assert_int_equal(dst.d.shared_info_gpa, 0);
}

static void records_whole_or_not_at_all(void **state)
{
	struct hv_state_buf b = { 0 };
	struct hv_state_record r;

	(void)state;
	assert_int_equal(fake_state_copy_memory(&dst, &src), 0);
	assert_int_equal(hv_devices_save(&src.d, &b), -EBUSY);
	assert_int_equal(hv_devices_restore(&dst.d, blob.data, blob.len), -EBUSY);
	expect_refused(&(struct hv_state_buf){ .data = blob.data, .len = 0 }); /* none */
	/* The first record alone: the others are missing. */
	memcpy(&r, blob.data, sizeof(r));
	expect_refused(&(struct hv_state_buf){ .data = blob.data,
					       .len = sizeof(r) + ((r.len + 7) & ~7u) });
	expect_refused(&(struct hv_state_buf){ .data = blob.data, .len = blob.len - 1 });
	hv_state_put(&b, blob.data, blob.len);
	hv_state_put(&b, blob.data, sizeof(r) + ((r.len + 7) & ~7u)); /* twice */
	expect_refused(&b);
	b.len = 0;
	hv_state_put(&b, blob.data + sizeof(r) + ((r.len + 7) & ~7u),
		     blob.len - sizeof(r) - ((r.len + 7) & ~7u));
	hv_state_put(&b, blob.data, sizeof(r) + ((r.len + 7) & ~7u)); /* out of order */
	expect_refused(&b);
	memcpy(b.data, blob.data, blob.len);
	b.len = blob.len;
	b.data[12] = 1; /* reserved */
	expect_refused(&b);
	memcpy(b.data, blob.data, blob.len);
	b.data[0] = 0xee; /* no such device */
	expect_refused(&b);
	if (r.len % 8) {
		memcpy(b.data, blob.data, blob.len);
		b.data[sizeof(r) + r.len] = 1; /* padding */
		expect_refused(&b);
	}
	free(b.data);
}

static int restore_body(const uint8_t *body, size_t len, uint32_t version)
{
	return hv_platform_device.restore(&dst.d, version, body, len);
}

static uint32_t get32(const uint8_t *body, size_t off)
{
	uint32_t v;

	memcpy(&v, body + off, 4);
	return v;
}

/* Sets n bytes at off, expects the body refused, then undoes it. */
static void expect_bad(uint8_t *body, uint32_t len, size_t off, const void *value, size_t n)
{
	uint8_t old[VCPU];

	memcpy(old, body + off, n);
	memcpy(body + off, value, n);
	assert_int_equal(restore_body(body, len, 1), -EINVAL);
	memcpy(body + off, old, n);
}

static void bad_bodies(void **state)
{
	uint32_t len;
	uint8_t *body = fake_state_body(&blob, HV_STATE_PLATFORM, &len);
	size_t params = HDR, memmap = params + get32(body, NR_PARAMS) * PARAM;
	size_t frames = memmap + get32(body, NR_MEMMAP) * sizeof(struct hv_e820);
	size_t vcpus = frames + get32(body, NR_FRAMES) * FRAME;
	uint64_t v64;

	(void)state;
	copy_ram();
	assert_int_equal(get32(body, NR_MEMMAP), 2);
	assert_int_equal(restore_body(body, len, 0), -ENOTSUP);
	for (uint32_t n = 0; n < len; n++)
		assert_int_equal(restore_body(body, n, 1), -EINVAL);
	body[len] = 0;
	assert_int_equal(restore_body(body, len + 1, 1), -EINVAL);
	expect_bad(body, len, 0, &(uint64_t){ (HOLE_GFN << 12) + 8 }, 8);  /* not a page */
	expect_bad(body, len, 0, &(uint64_t){ 0x3000ULL << 12 }, 8);      /* in no frame */
	expect_bad(body, len, NR_PARAMS, &(uint32_t){ HVM_NR_PARAMS + 1 }, 4);
	expect_bad(body, len, NR_MEMMAP, &(uint32_t){ 129 }, 4);
	expect_bad(body, len, NR_FRAMES, &(uint32_t){ 65 }, 4);
	expect_bad(body, len, NR_VCPUS, &(uint32_t){ 1 }, 4);
	expect_bad(body, len, params, &(uint32_t){ HVM_NR_PARAMS }, 4);   /* no such param */
	expect_bad(body, len, params + 4, "x", 1);                         /* padding */
	expect_bad(body, len, params + 8, &(uint64_t){ 0 }, 8);            /* zero: not listed */
	memcpy(&v64, body + frames, 8);
	expect_bad(body, len, frames, &(uint64_t){ 0xfee00 }, 8);          /* the LAPIC */
	expect_bad(body, len, frames, &(uint64_t){ 0x100 }, 8);            /* RAM */
	expect_bad(body, len, frames + FRAME, &v64, 8);                    /* twice */
	expect_bad(body, len, frames, &(uint64_t){ 1ULL << 52 }, 8);       /* too far */
	expect_bad(body, len, vcpus + VCPU, &(uint8_t){ 8 }, 1);           /* flags */
	expect_bad(body, len, vcpus + VCPU, &(uint8_t){ 2 }, 1);           /* a start, no context */
	expect_bad(body, len, vcpus + VCPU + 8, &(uint32_t){ 7 }, 4);      /* no such mode */
	expect_bad(body, len, vcpus + 9, "x", 1);                          /* a context, no flag */
	expect_bad(body, len, vcpus + 1, "x", 1);                          /* padding */
	assert_int_equal(dst.d.shared_info_gpa, 0);
	assert_int_equal(restore_body(body, len, 1), 0);
	assert_int_equal(dst.d.shared_info_gpa, HOLE_GFN << 12);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(platform_comes_back, setup, teardown),
		cmocka_unit_test_setup_teardown(pending_start_comes_back, setup, teardown),
		cmocka_unit_test_setup_teardown(records_whole_or_not_at_all, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_bodies, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
