/*
 * Unit tests for the block backend's pause and state (hv/blkback_state.c):
 * a disk connected through its ring, saved while the guest has requests
 * queued, answers every request exactly once between the two domains and
 * goes on serving the ring after the restore; a restore onto another disk
 * and bad bodies are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "blkback.h"
#include "checks.h"
#include "device_state.h"
#include "fake_blkfront.h"
#include "fake_guest.h"
#include "fake_state.h"

#define SHINFO_GFN 0x10
#define DEVID 51712 /* xvda */
#define NR_QUEUED 24
#define DISK 8      /* the disk's wire entry, after the body's header */

static struct fake_domain src, dst;
static struct fake_blkfront fe;
static char dir[64], image[96];

static int set_disk(struct fake_domain *f, const char *access)
{
	char spec[160];

	snprintf(spec, sizeof(spec), "vdev=xvda, access=%s, target=%s", access, image);
	return fake_blkfront_set_disk(f, spec);
}

static int setup_with(const char *dst_access)
{
	int fd;

	strcpy(dir, "/tmp/tern-state-blk.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(image, sizeof(image), "%s/disk.img", dir);
	fd = open(image, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, 1 << 20) || close(fd))
		return -1;
	if (fake_domain_init(&src, 16, 1) || fake_domain_init(&dst, 16, 1) ||
	    set_disk(&src, "rw") || set_disk(&dst, dst_access) ||
	    fake_guest_map_shared_info(&src.d.vcpus[0], SHINFO_GFN))
		return -1;
	return fake_blkfront_connect(&src.d, &fe, DEVID);
}

static int setup(void **state)
{
	(void)state;
	return setup_with("rw");
}

static int setup_ro(void **state)
{
	(void)state;
	return setup_with("ro");
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	fake_domain_destroy(&src);
	fake_domain_destroy(&dst);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void expect_response(struct fake_domain *f, uint64_t want)
{
	uint64_t id = 0;
	int16_t status = -1;

	assert_int_equal(fake_blkfront_response(&f->d, &fe, &id, &status), 0);
	assert_int_equal(id, want);
	assert_int_equal(status, BLKIF_RSP_OKAY);
}

/* The guest queues requests and the domain is saved among them. */
static void every_request_once(void **state)
{
	uint8_t seen[NR_QUEUED] = { 0 }, page[4096], disk[4096];
	int fd = open(image, O_RDONLY | O_CLOEXEC);
	struct hv_state_buf b = { 0 };
	uint32_t len, req_cons;
	size_t off;

	(void)state;
	hv_gmem_fill(&src.d.mem, FAKE_BLK_DATA_GFN << 12, 0x5a, 4096);
	fake_blkfront_submit(&src.d, &fe, BLKIF_OP_WRITE, 0, 1, true);
	expect_response(&src, 1);
	/* Half while it runs (some in flight at the pause), half while it is paused. */
	for (unsigned i = 0; i < NR_QUEUED; i++) {
		if (i == NR_QUEUED / 2)
			hv_domain_pause(&src.d); /* never unpaused: it is the domain saved */
		fake_blkfront_submit(&src.d, &fe, BLKIF_OP_WRITE, 8 + i * 8, 100 + i, true);
	}
	assert_int_equal(hv_devices_save(&src.d, &b), 0);
	assert_int_equal(fake_state_find(b.data, b.len, HV_STATE_BLKBACK, &off, &len), 0);
	memcpy(&req_cons, b.data + off + DISK + 36, 4);
	assert_true(req_cons <= fe.req_prod - NR_QUEUED / 2);
	assert_int_equal(fake_state_copy_memory(&dst, &src), 0);
	assert_int_equal(fake_state_restore(&dst, b.data, b.len), 0);
	free(b.data);
	for (unsigned i = 0; i < NR_QUEUED; i++) {
		uint64_t id = 0;
		int16_t status = -1;

		assert_int_equal(fake_blkfront_response(&dst.d, &fe, &id, &status), 0);
		assert_int_equal(status, BLKIF_RSP_OKAY);
		assert_true(id >= 100 && id < 100 + NR_QUEUED && !seen[id - 100]);
		seen[id - 100] = 1;
	}
	usleep(20000);
	assert_int_equal(*(RING_IDX *)hv_gmem_map(&dst.d.mem, (FAKE_BLK_RING_GFN << 12) +
							  offsetof(struct blkif_sring, rsp_prod),
						  4, false),
			 fe.req_prod); /* no more responses */
	/* The ring goes on: a read through it. */
	hv_gmem_fill(&dst.d.mem, FAKE_BLK_DATA_GFN << 12, 0, 4096);
	fake_blkfront_submit(&dst.d, &fe, BLKIF_OP_READ, 8 + (NR_QUEUED - 1) * 8, 7, true);
	expect_response(&dst, 7);
	hv_gmem_read(&dst.d.mem, FAKE_BLK_DATA_GFN << 12, page, sizeof(page));
	assert_int_equal(pread(fd, disk, sizeof(disk), (8 + (NR_QUEUED - 1) * 8) * 512), 4096);
	assert_memory_equal(page, disk, sizeof(page));
	assert_int_equal(page[0], 0x5a);
	close(fd);
}

static void another_disk_is_refused(void **state)
{
	struct hv_state_buf b = { 0 };

	(void)state;
	assert_int_equal(fake_state_save(&src, &b, &dst), 0);
	assert_int_equal(fake_state_restore(&dst, b.data, b.len), -EINVAL);
	assert_false(dst.d.disks.v[0]->connected);
	free(b.data);
}

static void bad_bodies(void **state)
{
	struct check_body c;
	uint32_t other = fe.port == 1 ? 2 : 1, zero = 0;

	(void)state;
	check_body_start(&c, &src, &dst, HV_STATE_BLKBACK);
	check_body_refused(&c, -8, &(uint32_t){ 2 }, 4);   /* two disks */
	check_body_refused(&c, -4, "x", 1);                /* padding */
	check_body_refused(&c, 0, &(uint32_t){ 51728 }, 4); /* xvdb */
	check_body_refused(&c, 4, &(uint32_t){ 9 }, 4);    /* no such xenbus state */
	check_body_refused(&c, 8, &(uint64_t){ 4096 }, 8); /* another size */
	check_body_refused(&c, 16, "\1", 1);               /* read-only */
	check_body_refused(&c, 17, "\2", 1);               /* connected twice */
	check_body_refused(&c, 18, "\2", 1);               /* no such layout */
	check_body_refused(&c, 19, "x", 1);                /* padding */
	check_body_refused(&c, 20, &(uint32_t){ 4096 }, 4); /* ring-ref outside the table */
	check_body_refused(&c, 24, &(uint64_t){ 0x3000ULL << 12 }, 8); /* ring not in memory */
	check_body_refused(&c, 32, &zero, 4);              /* no port */
	check_body_refused(&c, 32, &other, 4);             /* another's port */
	check_body_refused(&c, 36, &(uint32_t){ 5 }, 4);   /* a request in flight */
	check_body_refused(&c, 44, "x", 1);                /* padding */
	check_body_refused(&c, 52, "x", 1);                /* another image */
	check_body_refused(&c, 48, &(uint32_t){ 1000 }, 4); /* a path without its NUL */
	check_body_end(&c, dst.d.disks.v[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_request_once, setup, teardown),
		cmocka_unit_test_setup_teardown(another_disk_is_refused, setup_ro, teardown),
		cmocka_unit_test_setup_teardown(bad_bodies, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
