/*
 * Unit tests for the block backend (hv/blkback*.c) on a fake domain whose
 * frontend is this file: it grants pages in a table laid out in guest
 * memory, allocates the event channel, sets up the ring and drives the
 * xenbus states through xenstore, then reads and writes a temporary image
 * and checks the file from the host.  Also: bad requests and grants, a
 * read-only disk, the 32-bit layout, closing and reconnecting, a broken
 * ring, failed connections, and configurations the device refuses.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <xen/memory.h>

#include "blkback.h"
#include "checks.h"
#include "evtchn.h"
#include "fake_domain.h"
#include "hypercall.h"
#include "xenstore.h"

#define SHINFO_GFN 0x10ULL
#define ARG 0x1000ULL
#define TABLE_GFN 0x20ULL
#define RING_GFN 0x21ULL
#define DATA_GFN 0x30ULL      /* 11 pages, granted as refs 2..12 */
#define DATA (DATA_GFN << 12)
#define RING_REF 1
#define DATA_REF 2
#define RO_REF 13             /* DATA's first page, read-only */
#define IMAGE_SECTORS 2048ULL /* 1 MiB */
#define FE "/local/domain/1/device/vbd/51712"
#define BE "/local/domain/0/backend/vbd/1/51712"

struct ctx {
	struct fake_domain f;
	char dir[64], image[96];
	int img;
	evtchn_port_t port;
	enum hv_blkif_abi abi;
	RING_IDX req_prod, rsp_cons;
};

static struct ctx x;

static void put(uint64_t gpa, const void *p, size_t len)
{
	assert_int_equal(hv_gmem_write(&x.f.d.mem, gpa, p, len), 0);
}

static void get(uint64_t gpa, void *p, size_t len)
{
	assert_int_equal(hv_gmem_read(&x.f.d.mem, gpa, p, len), 0);
}

static long hypercall(uint64_t nr, uint64_t cmd, const void *arg, size_t size)
{
	struct hv_hcall c = { .nr = nr, .arg = { cmd, ARG, 1 }, .long_mode = true };

	put(ARG, arg, size);
	return hv_hypercall(&x.f.d.vcpus[0], &c);
}

static void grant(grant_ref_t ref, uint16_t flags, uint64_t gfn)
{
	grant_entry_v1_t e = { .flags = flags, .domid = 0, .frame = (uint32_t)gfn };

	put((TABLE_GFN << 12) + ref * sizeof(e), &e, sizeof(e));
}

static uint16_t grant_flags(grant_ref_t ref)
{
	grant_entry_v1_t e;

	get((TABLE_GFN << 12) + ref * sizeof(e), &e, sizeof(e));
	return e.flags;
}

/* The byte at offset off of the image as the tests first write it. */
static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + off / 512);
}

static void make_image(void)
{
	static uint8_t buf[IMAGE_SECTORS * 512];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(i);
	x.img = open(x.image, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(x.img >= 0);
	assert_int_equal(pwrite(x.img, buf, sizeof(buf), 0), sizeof(buf));
}

/* Restarts the device with these disks (NULL-terminated). */
static int set_disks(const char *const *specs)
{
	struct hv_strlist *l = &x.f.cfg.disks;

	hv_blkback_device.exit(&x.f.d);
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
	for (; *specs; specs++) {
		l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = strdup(*specs);
	}
	return hv_blkback_device.init(&x.f.d);
}

static int setup_with(const char *access)
{
	struct xen_add_to_physmap a = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					.gpfn = SHINFO_GFN };
	char spec[256];
	const char *specs[] = { spec, NULL };

	memset(&x, 0, sizeof(x));
	strcpy(x.dir, "/tmp/tern-blkback.XXXXXX");
	if (!mkdtemp(x.dir) || fake_domain_init(&x.f, 16, 1))
		return -1;
	x.f.d.vcpus[0].run->s.regs.sregs.cr0 = 1;
	snprintf(x.image, sizeof(x.image), "%s/disk.img", x.dir);
	make_image();
	assert_int_equal(hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, &a, sizeof(a)),
			 0);
	assert_int_equal(hv_gnttab_add_frame(&x.f.d, 0, TABLE_GFN), 0);
	grant(RING_REF, GTF_permit_access, RING_GFN);
	for (unsigned i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		grant(DATA_REF + i, GTF_permit_access, DATA_GFN + i);
	grant(RO_REF, GTF_permit_access | GTF_readonly, DATA_GFN);
	snprintf(spec, sizeof(spec), "vdev=xvda, access=%s, target=%s", access, x.image);
	return set_disks(specs);
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
	fake_domain_destroy(&x.f);
	close(x.img);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", x.dir);
	return system(cmd);
}

static RING_IDX *ring_idx(size_t off)
{
	return hv_gmem_map(&x.f.d.mem, (RING_GFN << 12) + off, sizeof(RING_IDX), true);
}

static void send_event(void)
{
	struct evtchn_send s = { .port = x.port };

	assert_int_equal(hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_send, &s, sizeof(s)),
			 0);
}

/* What a frontend does to connect: port, ring, nodes, Initialised. */
static void connect_as(const char *protocol, grant_ref_t ring_ref)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 0 };
	uint8_t zero[4096] = { 0 };
	char num[16];

	assert_int_equal(hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &a,
				   sizeof(a)), 0);
	get(ARG, &a, sizeof(a));
	x.port = a.port;
	put(RING_GFN << 12, zero, sizeof(zero));
	*ring_idx(offsetof(struct blkif_sring, req_event)) = 1;
	*ring_idx(offsetof(struct blkif_sring, rsp_event)) = 1;
	x.req_prod = x.rsp_cons = 0;
	x.abi = protocol && !strcmp(protocol, "x86_32-abi") ? HV_BLKIF_ABI_32 : HV_BLKIF_ABI_64;
	snprintf(num, sizeof(num), "%u", ring_ref);
	check_xs_write(&x.f.d, FE, "ring-ref", num);
	snprintf(num, sizeof(num), "%u", x.port);
	check_xs_write(&x.f.d, FE, "event-channel", num);
	if (protocol)
		check_xs_write(&x.f.d, FE, "protocol", protocol);
	else
		assert_int_equal(hv_xs_rm(&x.f.d, FE "/protocol"), 0);
	check_xs_write(&x.f.d, FE, "state", "3");
}

static void connect(void)
{
	connect_as("x86_64-abi", RING_REF);
	check_xs_becomes(&x.f.d, BE "/state", "4");
	check_xs_write(&x.f.d, FE, "state", "4");
}

/* Puts req on the ring in the connection's layout and notifies. */
static void submit(const blkif_request_t *req)
{
	uint8_t slot[112];
	size_t size = x.abi == HV_BLKIF_ABI_32 ? 108 : 112;

	if (x.abi == HV_BLKIF_ABI_32) {
		memcpy(slot, req, 4);
		memcpy(slot + 4, &req->id, 8);
		memcpy(slot + 12, &req->sector_number, 8);
		memcpy(slot + 20, req->seg, sizeof(req->seg));
	} else {
		memcpy(slot, req, size);
	}
	put((RING_GFN << 12) + 64 + (x.req_prod % 32) * size, slot, size);
	__atomic_store_n(ring_idx(offsetof(struct blkif_sring, req_prod)), ++x.req_prod,
			 __ATOMIC_RELEASE);
	send_event();
}

/* Waits for the next response; checks its id and operation, returns its status. */
static int16_t response(uint64_t id, uint8_t op)
{
	struct timespec tick = { 0, 1000000 };
	size_t size = x.abi == HV_BLKIF_ABI_32 ? 108 : 112;
	uint8_t slot[12];
	uint64_t got;
	int16_t status;

	for (int i = 0; i < 5000; i++) {
		if (__atomic_load_n(ring_idx(offsetof(struct blkif_sring, rsp_prod)),
				    __ATOMIC_ACQUIRE) != x.rsp_cons)
			break;
		nanosleep(&tick, NULL);
	}
	assert_int_not_equal(*ring_idx(offsetof(struct blkif_sring, rsp_prod)), x.rsp_cons);
	get((RING_GFN << 12) + 64 + (x.rsp_cons++ % 32) * size, slot, sizeof(slot));
	memcpy(&got, slot, 8);
	memcpy(&status, slot + 10, 2);
	assert_int_equal(got, id);
	assert_int_equal(slot[8], op);
	return status;
}

static int16_t run(const blkif_request_t *req)
{
	submit(req);
	return response(req->id, req->operation);
}

static blkif_request_t rw(uint8_t op, uint64_t sector, unsigned nr_pages)
{
	blkif_request_t r = { .operation = op, .nr_segments = (uint8_t)nr_pages,
			      .id = 0x1000 + sector, .sector_number = sector };

	for (unsigned i = 0; i < nr_pages; i++)
		r.seg[i] = (struct blkif_request_segment){ DATA_REF + i, 0, 7 };
	return r;
}

static void expect_guest_pattern(uint64_t gpa, uint64_t image_off, size_t len)
{
	static uint8_t buf[11 * 4096];

	get(gpa, buf, len);
	for (size_t i = 0; i < len; i++)
		if (buf[i] != pattern(image_off + i))
			fail_msg("guest byte %zu is %u, the image's %u", i, buf[i],
				 pattern(image_off + i));
}

static void nodes(void **state)
{
	(void)state;
	assert_string_equal(check_xs_value(&x.f.d, FE "/backend"), BE);
	assert_string_equal(check_xs_value(&x.f.d, FE "/backend-id"), "0");
	assert_string_equal(check_xs_value(&x.f.d, FE "/virtual-device"), "51712");
	assert_string_equal(check_xs_value(&x.f.d, FE "/device-type"), "disk");
	assert_string_equal(check_xs_value(&x.f.d, FE "/state"), "1");
	assert_string_equal(check_xs_value(&x.f.d, BE "/frontend"), FE);
	assert_string_equal(check_xs_value(&x.f.d, BE "/frontend-id"), "1");
	assert_string_equal(check_xs_value(&x.f.d, BE "/dev"), "xvda");
	assert_string_equal(check_xs_value(&x.f.d, BE "/params"), x.image);
	assert_string_equal(check_xs_value(&x.f.d, BE "/mode"), "w");
	assert_string_equal(check_xs_value(&x.f.d, BE "/sectors"), "2048");
	assert_string_equal(check_xs_value(&x.f.d, BE "/sector-size"), "512");
	assert_string_equal(check_xs_value(&x.f.d, BE "/physical-sector-size"), "512");
	assert_string_equal(check_xs_value(&x.f.d, BE "/info"), "0");
	assert_string_equal(check_xs_value(&x.f.d, BE "/feature-flush-cache"), "1");
	assert_null(check_xs_value(&x.f.d, BE "/feature-barrier"));
	assert_null(check_xs_value(&x.f.d, BE "/feature-discard"));
	assert_string_equal(check_xs_value(&x.f.d, BE "/state"), "2");
	assert_int_equal(x.f.d.disks.n, 1);
}

static void read_write_flush(void **state)
{
	blkif_request_t r = rw(BLKIF_OP_READ, 3, 2);
	static uint8_t page[11 * 4096], file[11 * 4096];

	(void)state;
	connect();
	assert_int_equal(grant_flags(RING_REF), GTF_permit_access | GTF_reading | GTF_writing);
	/* a read of sector 3: one whole page, then sectors 2-5 of the next */
	r.seg[1].first_sect = 2;
	r.seg[1].last_sect = 5;
	assert_int_equal(run(&r), BLKIF_RSP_OKAY);
	expect_guest_pattern(DATA, 3 * 512, 4096);
	expect_guest_pattern(DATA + 4096 + 2 * 512, 11 * 512, 4 * 512);
	assert_int_equal(grant_flags(DATA_REF), GTF_permit_access); /* copies leave no flags */
	/* a write of 11 pages is in the file when answered */
	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = (uint8_t)(i ^ 0x5a);
	put(DATA, page, sizeof(page));
	r = rw(BLKIF_OP_WRITE, 100, 11);
	assert_int_equal(run(&r), BLKIF_RSP_OKAY);
	assert_int_equal(pread(x.img, file, sizeof(file), 100 * 512), sizeof(file));
	assert_memory_equal(file, page, sizeof(file));
	/* a flush, then one that carries data (written, then flushed) */
	r = (blkif_request_t){ .operation = BLKIF_OP_FLUSH_DISKCACHE, .id = 77 };
	assert_int_equal(run(&r), BLKIF_RSP_OKAY);
	r = rw(BLKIF_OP_FLUSH_DISKCACHE, 2040, 1);
	assert_int_equal(run(&r), BLKIF_RSP_OKAY);
	assert_int_equal(pread(x.img, file, 4096, 2040 * 512), 4096);
	assert_memory_equal(file, page, 4096);
	/* the last sector */
	r = rw(BLKIF_OP_READ, IMAGE_SECTORS - 1, 1);
	r.seg[0].last_sect = 0;
	assert_int_equal(run(&r), BLKIF_RSP_OKAY);
}

static void bad_requests(void **state)
{
	blkif_request_t r;

	(void)state;
	connect();
	r = rw(BLKIF_OP_READ, IMAGE_SECTORS - 7, 1); /* one sector past the end */
	assert_int_equal(run(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_WRITE, UINT64_MAX - 1, 1);
	assert_int_equal(run(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_READ, 0, 0);
	assert_int_equal(run(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_READ, 0, 11);
	r.nr_segments = 12;
	assert_int_equal(run(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_READ, 0, 1);
	r.seg[0].first_sect = 6;
	r.seg[0].last_sect = 5;
	assert_int_equal(run(&r), BLKIF_RSP_ERROR);
	r.seg[0].last_sect = 8;
	assert_int_equal(run(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_DISCARD, 0, 0);
	assert_int_equal(run(&r), BLKIF_RSP_EOPNOTSUPP);
	r = rw(BLKIF_OP_WRITE_BARRIER, 0, 1);
	assert_int_equal(run(&r), BLKIF_RSP_EOPNOTSUPP);
	r = rw(BLKIF_OP_INDIRECT, 0, 1);
	assert_int_equal(run(&r), BLKIF_RSP_EOPNOTSUPP);
	r = rw(200, 0, 1);
	assert_int_equal(run(&r), BLKIF_RSP_EOPNOTSUPP);
	/* grants: read into a read-only grant, unknown and revoked references */
	r = rw(BLKIF_OP_READ, 0, 1);
	r.seg[0].gref = RO_REF;
	assert_int_equal(run(&r), BLKIF_RSP_ERROR);
	r.seg[0].gref = 999;
	assert_int_equal(run(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_WRITE, 0, 2);
	grant(DATA_REF + 1, 0, DATA_GFN + 1);
	assert_int_equal(run(&r), BLKIF_RSP_ERROR);
	/* a write from a read-only grant is fine: the backend only reads it */
	r = rw(BLKIF_OP_WRITE, 0, 1);
	r.seg[0].gref = RO_REF;
	assert_int_equal(run(&r), BLKIF_RSP_OKAY);
	/* and the ring still works */
	r = rw(BLKIF_OP_READ, 8, 1);
	assert_int_equal(run(&r), BLKIF_RSP_OKAY);
	expect_guest_pattern(DATA, 8 * 512, 4096);
}

/* The upcall reaches the guest's port when it asks for responses. */
static void notifies(void **state)
{
	blkif_request_t r = rw(BLKIF_OP_READ, 0, 1);
	uint64_t pending = 0;

	(void)state;
	connect();
	*ring_idx(offsetof(struct blkif_sring, rsp_event)) = 1;
	assert_int_equal(run(&r), BLKIF_RSP_OKAY);
	get((SHINFO_GFN << 12) + offsetof(struct shared_info, evtchn_pending), &pending,
	    sizeof(pending));
	assert_true(pending & (1ULL << x.port));
}

static void read_only(void **state)
{
	blkif_request_t r = rw(BLKIF_OP_WRITE, 0, 1);

	(void)state;
	assert_string_equal(check_xs_value(&x.f.d, BE "/mode"), "r");
	assert_string_equal(check_xs_value(&x.f.d, BE "/info"), "4"); /* VDISK_READONLY */
	connect();
	assert_int_equal(run(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 1);
	assert_int_equal(run(&r), BLKIF_RSP_ERROR);
	r = (blkif_request_t){ .operation = BLKIF_OP_FLUSH_DISKCACHE, .id = 5 };
	assert_int_equal(run(&r), BLKIF_RSP_OKAY);
	r = rw(BLKIF_OP_READ, 16, 3);
	assert_int_equal(run(&r), BLKIF_RSP_OKAY);
	expect_guest_pattern(DATA, 16 * 512, 3 * 4096);
}

/* GRUB's layout, then GRUB's goodbye and the next frontend's hello. */
static void grub_then_linux(void **state)
{
	blkif_request_t r = rw(BLKIF_OP_READ, 24, 1);

	(void)state;
	connect_as("x86_32-abi", RING_REF);
	check_xs_becomes(&x.f.d, BE "/state", "4");
	r.id = 0x0102030405060708ULL;
	assert_int_equal(run(&r), BLKIF_RSP_OKAY);
	expect_guest_pattern(DATA, 24 * 512, 4096);
	check_xs_write(&x.f.d, FE, "state", "6");
	check_xs_becomes(&x.f.d, BE "/state", "6");
	assert_int_equal(grant_flags(RING_REF), GTF_permit_access); /* unmapped */
	check_xs_write(&x.f.d, FE, "state", "1");
	check_xs_becomes(&x.f.d, BE "/state", "2");
	grant(RING_REF, 0, 0); /* GRUB frees its pages */
	grant(DATA_REF + 10, GTF_permit_access, RING_GFN); /* the next ring */
	connect_as(NULL, DATA_REF + 10); /* no protocol: 64-bit */
	check_xs_becomes(&x.f.d, BE "/state", "4");
	r = rw(BLKIF_OP_READ, 40, 2);
	assert_int_equal(run(&r), BLKIF_RSP_OKAY);
	expect_guest_pattern(DATA, 40 * 512, 2 * 4096);
	/* Closing is echoed and the ring keeps working until Closed */
	check_xs_write(&x.f.d, FE, "state", "5");
	check_xs_becomes(&x.f.d, BE "/state", "5");
	assert_int_equal(run(&r), BLKIF_RSP_OKAY);
	check_xs_write(&x.f.d, FE, "state", "6");
	check_xs_becomes(&x.f.d, BE "/state", "6");
}

static void broken_ring(void **state)
{
	(void)state;
	connect();
	__atomic_store_n(ring_idx(offsetof(struct blkif_sring, req_prod)), 40, __ATOMIC_RELEASE);
	send_event();
	check_xs_becomes(&x.f.d, BE "/state", "5");
	assert_int_equal(*ring_idx(offsetof(struct blkif_sring, rsp_prod)), 0);
	check_xs_write(&x.f.d, FE, "state", "6");
	check_xs_becomes(&x.f.d, BE "/state", "6");
}

/*
 * The frontend says Initialised with something wrong in its nodes: the
 * backend refuses (Closing), then both go back to the start.
 */
static void expect_refusal(void)
{
	check_xs_write(&x.f.d, FE, "state", "3");
	check_xs_becomes(&x.f.d, BE "/state", "5");
	check_xs_write(&x.f.d, FE, "state", "6");
	check_xs_becomes(&x.f.d, BE "/state", "6");
	check_xs_write(&x.f.d, FE, "state", "1");
	check_xs_becomes(&x.f.d, BE "/state", "2");
}

static void failed_connections(void **state)
{
	blkif_request_t r = rw(BLKIF_OP_READ, 0, 1);

	(void)state;
	connect_as("x86_64-abi", 400); /* not granted */
	expect_refusal();
	check_xs_write(&x.f.d, FE, "ring-ref", "1");
	check_xs_write(&x.f.d, FE, "event-channel", "4000"); /* no such port */
	expect_refusal();
	assert_int_equal(grant_flags(RING_REF), GTF_permit_access); /* the ring let go */
	check_xs_write(&x.f.d, FE, "protocol", "sparc-abi");
	expect_refusal();
	check_xs_write(&x.f.d, FE, "protocol", "x86_64-abi");
	check_xs_write(&x.f.d, FE, "ring-ref", "1x");
	expect_refusal();
	connect();
	assert_int_equal(run(&r), BLKIF_RSP_OKAY);
	check_xs_write(&x.f.d, FE, "state", "banana"); /* ignored */
	assert_int_equal(run(&r), BLKIF_RSP_OKAY);
}

static void bad_configs(void **state)
{
	char spec[256], twin[256], ro[256];
	const char *same[] = { spec, twin, NULL };
	const char *missing[] = { "vdev=xvdb, target=/nonexistent/disk.img", NULL };
	const char *dir[] = { "vdev=xvdb, target=/tmp", NULL };
	const char *not_file[] = { "vdev=xvdb, target=/dev/null", NULL };
	const char *garbage[] = { "vdev=xvdb, format=qcow2, target=/tmp/x", NULL };
	const char *two[] = { spec, ro, NULL };

	(void)state;
	snprintf(spec, sizeof(spec), "vdev=xvda, target=%s", x.image);
	snprintf(twin, sizeof(twin), "%s,,d0", x.image);
	assert_int_equal(set_disks(same), -EINVAL);
	assert_int_equal(x.f.d.disks.n, 0);
	assert_int_equal(set_disks(missing), -ENOENT);
	assert_int_equal(set_disks(dir), -EISDIR);
	assert_int_equal(set_disks(not_file), -EINVAL);
	assert_int_equal(set_disks(garbage), -EINVAL);
	/* two disks, and an odd-sized image whose tail the guest does not see */
	assert_int_equal(ftruncate(x.img, IMAGE_SECTORS * 512 + 100), 0);
	snprintf(ro, sizeof(ro), "%s,raw,xvdb,ro", x.image);
	assert_int_equal(set_disks(two), 0);
	assert_int_equal(x.f.d.disks.n, 2);
	assert_string_equal(check_xs_value(&x.f.d, BE "/sectors"), "2048");
	assert_string_equal(check_xs_value(&x.f.d, "/local/domain/0/backend/vbd/1/51728/mode"),
			    "r");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(read_write_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(notifies, setup, teardown),
		cmocka_unit_test_setup_teardown(read_only, setup_ro, teardown),
		cmocka_unit_test_setup_teardown(grub_then_linux, setup, teardown),
		cmocka_unit_test_setup_teardown(broken_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_configs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
