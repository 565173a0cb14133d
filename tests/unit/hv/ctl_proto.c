/*
 * Unit tests for hv/ctl_proto.c: the header check and every typed reader
 * of the control protocol, each with a good message and bad ones (short,
 * long, wrong version, wrong type, huge counts, fields out of range,
 * padding and unused entries that are not zero).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctl_proto.h"

#define REQ(t, l) ((struct hv_ctl_hdr){ .type = (t), .len = (l), .seq = 7 })
#define REP(t, l) ((struct hv_ctl_hdr){ .type = (t) | HV_CTL_REPLY, .len = (l), .seq = 7 })

static int check_req(uint32_t type, uint32_t len)
{
	struct hv_ctl_hdr h = REQ(type, len);

	return hv_ctl_check_hdr(&h, HV_CTL_FROM_CLIENT);
}

static int check_rep(uint32_t type, uint32_t len, int32_t status)
{
	struct hv_ctl_hdr h = REP(type, len);

	h.status = status;
	return hv_ctl_check_hdr(&h, HV_CTL_FROM_SERVER);
}

static void header_lengths(void **state)
{
	(void)state;
	assert_int_equal(check_req(HV_CTL_HELLO, sizeof(struct hv_ctl_hello)), 0);
	assert_int_equal(check_req(HV_CTL_HELLO, sizeof(struct hv_ctl_hello) - 1), -EMSGSIZE);
	assert_int_equal(check_req(HV_CTL_HELLO, sizeof(struct hv_ctl_hello) + 1), -EMSGSIZE);
	assert_int_equal(check_req(HV_CTL_INFO, 0), 0);
	assert_int_equal(check_req(HV_CTL_INFO, 1), -EMSGSIZE);
	assert_int_equal(check_req(HV_CTL_PAUSE, 0xffffffffu), -EMSGSIZE);
	assert_int_equal(check_req(HV_CTL_VCPU_SET, sizeof(struct hv_ctl_vcpu)), 0);
	assert_int_equal(check_req(HV_CTL_VCPU_SET, sizeof(struct hv_ctl_vcpu) - 8), -EMSGSIZE);
	assert_int_equal(check_req(HV_CTL_DEVICES_SET, 0), 0);
	assert_int_equal(check_req(HV_CTL_DEVICES_SET, HV_CTL_MAX_BLOB), 0);
	assert_int_equal(check_req(HV_CTL_DEVICES_SET, HV_CTL_MAX_BLOB + 1), -EMSGSIZE);
	assert_int_equal(check_req(HV_CTL_POPULATE, sizeof(struct hv_ctl_populate)), 0);
	assert_int_equal(check_rep(HV_CTL_INFO, sizeof(struct hv_ctl_info), 0), 0);
	assert_int_equal(check_rep(HV_CTL_INFO, 0, 0), -EMSGSIZE);
	assert_int_equal(check_rep(HV_CTL_MEMORY, sizeof(struct hv_ctl_memory), 0), 0);
	assert_int_equal(check_rep(HV_CTL_DEVICES_GET, HV_CTL_MAX_BLOB + 1, 0), -EMSGSIZE);
	/* Error replies carry 1 to HV_CTL_MAX_ERROR bytes of text instead. */
	assert_int_equal(check_rep(HV_CTL_INFO, 5, -EBUSY), 0);
	assert_int_equal(check_rep(HV_CTL_INFO, 0, -EBUSY), -EMSGSIZE);
	assert_int_equal(check_rep(HV_CTL_INFO, HV_CTL_MAX_ERROR + 1, -EBUSY), -EMSGSIZE);
}

static void header_types(void **state)
{
	struct hv_ctl_hdr h;

	(void)state;
	assert_int_equal(check_req(0, 0), -EPROTO);
	assert_int_equal(check_req(HV_CTL_NR_REQUESTS, 0), -EPROTO);
	assert_int_equal(check_req(0x7fffffffu, 0), -EPROTO);
	assert_int_equal(check_req(HV_CTL_EV_STOPPED, sizeof(struct hv_ctl_stopped)), -EPROTO);
	/* A reply from a client, a request from the server. */
	h = REP(HV_CTL_INFO, 0);
	assert_int_equal(hv_ctl_check_hdr(&h, HV_CTL_FROM_CLIENT), -EPROTO);
	h = REQ(HV_CTL_INFO, 0);
	assert_int_equal(hv_ctl_check_hdr(&h, HV_CTL_FROM_SERVER), -EPROTO);
	/* A request with a status; replies with impossible ones. */
	h = REQ(HV_CTL_INFO, 0);
	h.status = -1;
	assert_int_equal(hv_ctl_check_hdr(&h, HV_CTL_FROM_CLIENT), -EPROTO);
	assert_int_equal(check_rep(HV_CTL_INFO, 5, 1), -EPROTO);
	assert_int_equal(check_rep(HV_CTL_INFO, 5, -4096), -EPROTO);
	assert_int_equal(check_rep(HV_CTL_INFO, 5, INT32_MIN), -EPROTO);
	/* Notifications: exact length, seq and status 0. */
	h = (struct hv_ctl_hdr){ .type = HV_CTL_EV_STOPPED, .len = sizeof(struct hv_ctl_stopped) };
	assert_int_equal(hv_ctl_check_hdr(&h, HV_CTL_FROM_SERVER), 0);
	h.seq = 1;
	assert_int_equal(hv_ctl_check_hdr(&h, HV_CTL_FROM_SERVER), -EPROTO);
	h.seq = 0;
	h.len = 4;
	assert_int_equal(hv_ctl_check_hdr(&h, HV_CTL_FROM_SERVER), -EMSGSIZE);
	assert_true(hv_ctl_type_has_fds(HV_CTL_MEMORY | HV_CTL_REPLY));
	assert_true(hv_ctl_type_has_fds(HV_CTL_DIRTY_ENABLE | HV_CTL_REPLY));
	assert_false(hv_ctl_type_has_fds(HV_CTL_INFO | HV_CTL_REPLY));
	assert_false(hv_ctl_type_has_fds(0x12345));
	assert_string_equal(hv_ctl_type_name(HV_CTL_PAUSE | HV_CTL_REPLY), "pause");
	assert_string_equal(hv_ctl_type_name(999), "unknown");
	assert_string_equal(hv_ctl_stop_name(HV_CTL_STOP_CRASH), "crash");
	assert_string_equal(hv_ctl_stop_name(2), "unknown");
	assert_string_equal(hv_ctl_state_name(HV_CTL_STATE_PAUSED), "paused");
	assert_string_equal(hv_ctl_state_name(3), "unknown");
}

static void hello(void **state)
{
	struct hv_ctl_hello m = { .magic = HV_CTL_MAGIC, .version = 1 }, out;
	struct hv_ctl_hdr req = REQ(HV_CTL_HELLO, sizeof(m)), rep = REP(HV_CTL_HELLO, sizeof(m));
	struct hv_ctl_hdr wrong = REQ(HV_CTL_INFO, sizeof(m)), shortened = req;

	(void)state;
	assert_int_equal(hv_ctl_read_hello(&req, &m, &out), 0);
	assert_int_equal(out.version, 1);
	assert_int_equal(hv_ctl_read_hello(&rep, &m, &out), 0);
	m.version = 42; /* a newer client: the server answers with its own */
	assert_int_equal(hv_ctl_read_hello(&req, &m, &out), 0);
	m.version = 0;
	assert_int_equal(hv_ctl_read_hello(&req, &m, &out), -EPROTONOSUPPORT);
	m = (struct hv_ctl_hello){ .magic = HV_CTL_MAGIC + 1, .version = 1 };
	assert_int_equal(hv_ctl_read_hello(&req, &m, &out), -EINVAL);
	m = (struct hv_ctl_hello){ .magic = HV_CTL_MAGIC, .version = 1, .flags = 1 };
	assert_int_equal(hv_ctl_read_hello(&req, &m, &out), -EINVAL);
	m = (struct hv_ctl_hello){ .magic = HV_CTL_MAGIC, .version = 1, .reserved = 1 };
	assert_int_equal(hv_ctl_read_hello(&req, &m, &out), -EINVAL);
	m.reserved = 0;
	assert_int_equal(hv_ctl_read_hello(&wrong, &m, &out), -EPROTO);
	shortened.len = sizeof(m) - 4;
	assert_int_equal(hv_ctl_read_hello(&shortened, &m, &out), -EINVAL);
	rep.status = -EINVAL;
	assert_int_equal(hv_ctl_read_hello(&rep, &m, &out), -EPROTO);
}

static struct hv_ctl_info good_info(void)
{
	struct hv_ctl_info m = { .domid = 3, .nr_vcpus = 2, .memory_mib = 128,
				 .state = HV_CTL_STATE_RUNNING, .stop_reason = HV_CTL_STOP_NONE };

	strcpy(m.name, "web");
	return m;
}

static void info(void **state)
{
	struct hv_ctl_hdr h = REP(HV_CTL_INFO, sizeof(struct hv_ctl_info));
	struct hv_ctl_info m = good_info(), out;

	(void)state;
	assert_int_equal(hv_ctl_read_info(&h, &m, &out), 0);
	assert_string_equal(out.name, "web");
	m.state = HV_CTL_STATE_SHUTDOWN;
	m.stop_reason = HV_CTL_STOP_CRASH;
	assert_int_equal(hv_ctl_read_info(&h, &m, &out), 0);
	m.stop_reason = HV_CTL_STOP_NONE; /* shut down without a reason */
	assert_int_equal(hv_ctl_read_info(&h, &m, &out), -EINVAL);
	m.stop_reason = 2;
	assert_int_equal(hv_ctl_read_info(&h, &m, &out), -EINVAL);
	m = good_info();
	m.stop_reason = HV_CTL_STOP_POWEROFF; /* running with a reason */
	assert_int_equal(hv_ctl_read_info(&h, &m, &out), -EINVAL);
	m = good_info();
	memset(m.name, 'x', sizeof(m.name)); /* no NUL */
	assert_int_equal(hv_ctl_read_info(&h, &m, &out), -EINVAL);
	m = good_info();
	m.name[10] = 'x'; /* bytes after the NUL */
	assert_int_equal(hv_ctl_read_info(&h, &m, &out), -EINVAL);
	m = good_info();
	m.state = 3;
	assert_int_equal(hv_ctl_read_info(&h, &m, &out), -EINVAL);
	m = good_info();
	m.flags = 1u << 7;
	assert_int_equal(hv_ctl_read_info(&h, &m, &out), -EINVAL);
	m = good_info();
	m.nr_vcpus = 0;
	assert_int_equal(hv_ctl_read_info(&h, &m, &out), -EINVAL);
	m = good_info();
	m.reserved = 1;
	assert_int_equal(hv_ctl_read_info(&h, &m, &out), -EINVAL);
	h.len--;
	m = good_info();
	assert_int_equal(hv_ctl_read_info(&h, &m, &out), -EINVAL);
}

static void shutdown_and_ids(void **state)
{
	struct hv_ctl_hdr h = REQ(HV_CTL_SHUTDOWN, sizeof(struct hv_ctl_shutdown));
	struct hv_ctl_hdr v = REQ(HV_CTL_VCPU_GET, sizeof(struct hv_ctl_vcpu_id));
	struct hv_ctl_shutdown s = { .reason = HV_CTL_SHUTDOWN_REBOOT }, so;
	struct hv_ctl_vcpu_id id = { .vcpu = 5 }, io;

	(void)state;
	assert_int_equal(hv_ctl_read_shutdown(&h, &s, &so), 0);
	assert_int_equal(so.reason, HV_CTL_SHUTDOWN_REBOOT);
	s.reason = 2;
	assert_int_equal(hv_ctl_read_shutdown(&h, &s, &so), -EINVAL);
	s = (struct hv_ctl_shutdown){ .reserved = 1 };
	assert_int_equal(hv_ctl_read_shutdown(&h, &s, &so), -EINVAL);
	assert_int_equal(hv_ctl_read_vcpu_id(&v, &id, &io), 0);
	assert_int_equal(io.vcpu, 5);
	id.reserved = 9;
	assert_int_equal(hv_ctl_read_vcpu_id(&v, &id, &io), -EINVAL);
	v = REP(HV_CTL_VCPU_GET, sizeof(id)); /* a reply is not an id */
	id.reserved = 0;
	assert_int_equal(hv_ctl_read_vcpu_id(&v, &id, &io), -EINVAL);
	assert_int_equal(hv_ctl_read_vcpu_id(&h, &id, &io), -EPROTO);
}

static struct hv_ctl_memory good_memory(void)
{
	struct hv_ctl_memory m = { .nr_regions = 2, .nr_fds = 2 };

	m.regions[0] = (struct hv_ctl_region){ .gpa = 0, .size = 1 << 20, .offset = 0, .fd = 0,
					       .flags = HV_CTL_REGION_RAM };
	m.regions[1] = (struct hv_ctl_region){ .gpa = 0xfeffc000, .size = 4096, .offset = 4096,
					       .fd = 1 };
	return m;
}

static int read_memory(struct hv_ctl_memory *m)
{
	struct hv_ctl_hdr h = REP(HV_CTL_MEMORY, sizeof(*m));
	struct hv_ctl_memory out;

	return hv_ctl_read_memory(&h, m, &out);
}

static void memory(void **state)
{
	struct hv_ctl_memory m = good_memory();

	(void)state;
	assert_int_equal(read_memory(&m), 0);
	m.nr_regions = 0;
	assert_int_equal(read_memory(&m), -EINVAL);
	m.nr_regions = HV_CTL_MAX_REGIONS + 1;
	assert_int_equal(read_memory(&m), -EINVAL);
	m.nr_regions = 0xffffffffu;
	assert_int_equal(read_memory(&m), -EINVAL);
	m = good_memory();
	m.nr_fds = 3;
	assert_int_equal(read_memory(&m), -EINVAL);
	m.nr_fds = 1; /* region 1 names fd 1 */
	assert_int_equal(read_memory(&m), -EINVAL);
	m = good_memory();
	m.regions[1].gpa = 0x800; /* unaligned and overlapping */
	assert_int_equal(read_memory(&m), -EINVAL);
	m.regions[1].gpa = 0x1000; /* aligned, inside region 0 */
	assert_int_equal(read_memory(&m), -EINVAL);
	m = good_memory();
	m.regions[1].size = 0;
	assert_int_equal(read_memory(&m), -EINVAL);
	m = good_memory();
	m.regions[1].gpa = 0xfffffffffffff000ULL; /* wraps */
	assert_int_equal(read_memory(&m), -EINVAL);
	m = good_memory();
	m.regions[1].offset = 0xfffffffffffff000ULL;
	assert_int_equal(read_memory(&m), -EINVAL);
	m = good_memory();
	m.regions[1].flags = 2;
	assert_int_equal(read_memory(&m), -EINVAL);
	m = good_memory();
	m.regions[5].size = 4096; /* an entry past the count */
	assert_int_equal(read_memory(&m), -EINVAL);
}

static int read_populate(struct hv_ctl_populate *m)
{
	struct hv_ctl_hdr h = REQ(HV_CTL_POPULATE, sizeof(*m));
	struct hv_ctl_populate out;

	return hv_ctl_read_populate(&h, m, &out);
}

static void populate(void **state)
{
	struct hv_ctl_populate m = { .count = 2, .gfns = { 0xfeff0, 0xfeff1 } };

	(void)state;
	assert_int_equal(read_populate(&m), 0);
	m.count = 0;
	assert_int_equal(read_populate(&m), -EINVAL);
	m.count = HV_CTL_MAX_POPULATE + 1;
	assert_int_equal(read_populate(&m), -EINVAL);
	m.count = 0xffffffffu;
	assert_int_equal(read_populate(&m), -EINVAL);
	m.count = 1; /* gfns[1] is past the count but set */
	assert_int_equal(read_populate(&m), -EINVAL);
	m.count = 2;
	m.gfns[1] = 1ULL << 40;
	assert_int_equal(read_populate(&m), -EINVAL);
	m.gfns[1] = 1;
	m.reserved = 1;
	assert_int_equal(read_populate(&m), -EINVAL);
}

static void dirty_harvest_stopped(void **state)
{
	struct hv_ctl_hdr d = REP(HV_CTL_DIRTY_ENABLE, sizeof(struct hv_ctl_dirty));
	struct hv_ctl_hdr hv = REP(HV_CTL_DIRTY_HARVEST, sizeof(struct hv_ctl_harvest));
	struct hv_ctl_hdr s = { .type = HV_CTL_EV_STOPPED, .len = sizeof(struct hv_ctl_stopped) };
	struct hv_ctl_dirty dm = { .nr_frames = 9, .bitmap_bytes = HV_CTL_DIRTY_BITMAP_BYTES }, dout;
	struct hv_ctl_harvest hm = { .nr_dirty = 3, .nr_frames = 9 }, hout;
	struct hv_ctl_stopped sm = { .reason = HV_CTL_STOP_POWEROFF }, sout;

	(void)state;
	assert_int_equal(hv_ctl_read_dirty(&d, &dm, &dout), 0);
	dm.bitmap_bytes = 2;
	assert_int_equal(hv_ctl_read_dirty(&d, &dm, &dout), -EINVAL);
	dm = (struct hv_ctl_dirty){ 0, HV_CTL_DIRTY_BITMAP_BYTES };
	assert_int_equal(hv_ctl_read_dirty(&d, &dm, &dout), -EINVAL);
	dm = (struct hv_ctl_dirty){ HV_CTL_DIRTY_MAX_FRAMES + 1, HV_CTL_DIRTY_BITMAP_BYTES };
	assert_int_equal(hv_ctl_read_dirty(&d, &dm, &dout), -EINVAL);
	assert_int_equal(hv_ctl_read_harvest(&hv, &hm, &hout), 0);
	assert_int_equal(hout.nr_dirty, 3);
	hm.nr_dirty = 10; /* more than the frames covered */
	assert_int_equal(hv_ctl_read_harvest(&hv, &hm, &hout), -EINVAL);
	hm = (struct hv_ctl_harvest){ 0, 0 };
	assert_int_equal(hv_ctl_read_harvest(&hv, &hm, &hout), -EINVAL);
	hm = (struct hv_ctl_harvest){ 0, HV_CTL_DIRTY_MAX_FRAMES + 1 };
	assert_int_equal(hv_ctl_read_harvest(&hv, &hm, &hout), -EINVAL);
	assert_int_equal(hv_ctl_read_harvest(&d, &hm, &hout), -EPROTO);
	assert_int_equal(hv_ctl_read_stopped(&s, &sm, &sout), 0);
	assert_int_equal(sout.reason, HV_CTL_STOP_POWEROFF);
	sm.reason = HV_CTL_STOP_NONE;
	assert_int_equal(hv_ctl_read_stopped(&s, &sm, &sout), -EINVAL);
	sm = (struct hv_ctl_stopped){ .reason = HV_CTL_STOP_DESTROY, .reserved = 1 };
	assert_int_equal(hv_ctl_read_stopped(&s, &sm, &sout), -EINVAL);
	assert_int_equal(hv_ctl_read_stopped(&hv, &sm, &sout), -EPROTO);
}

static void errors_blobs_empty(void **state)
{
	struct hv_ctl_hdr e = REP(HV_CTL_PAUSE, 6), ok = REP(HV_CTL_PAUSE, 0);
	struct hv_ctl_hdr b = REQ(HV_CTL_DEVICES_SET, 16), bg = REP(HV_CTL_DEVICES_GET, 8);
	char text[HV_CTL_MAX_ERROR];
	const uint8_t *blob;
	uint8_t data[16] = { 1 };
	size_t len;

	(void)state;
	e.status = -EBUSY;
	assert_int_equal(hv_ctl_read_error(&e, "busy!", text, sizeof(text)), 0);
	assert_string_equal(text, "busy!");
	assert_int_equal(hv_ctl_read_error(&e, "busy!!", text, sizeof(text)), -EINVAL);
	assert_int_equal(hv_ctl_read_error(&e, "bu\0sy", text, sizeof(text)), -EINVAL);
	assert_int_equal(hv_ctl_read_error(&e, "busy!", text, 4), -EINVAL);
	assert_int_equal(hv_ctl_read_error(&ok, "", text, sizeof(text)), -EPROTO);
	assert_int_equal(hv_ctl_read_blob(&b, data, &blob, &len), 0);
	assert_int_equal(len, 16);
	assert_ptr_equal(blob, data);
	assert_int_equal(hv_ctl_read_blob(&bg, data, &blob, &len), 0);
	b.len = 12;
	assert_int_equal(hv_ctl_read_blob(&b, data, &blob, &len), -EINVAL);
	assert_int_equal(hv_ctl_read_blob(&ok, data, &blob, &len), -EPROTO);
	assert_int_equal(hv_ctl_read_empty(&ok), 0);
	ok.len = 1;
	assert_int_equal(hv_ctl_read_empty(&ok), -EINVAL);
	assert_int_equal(hv_ctl_read_empty(&e), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_lengths),
		cmocka_unit_test(header_types),
		cmocka_unit_test(hello),
		cmocka_unit_test(info),
		cmocka_unit_test(shutdown_and_ids),
		cmocka_unit_test(memory),
		cmocka_unit_test(populate),
		cmocka_unit_test(dirty_harvest_stopped),
		cmocka_unit_test(errors_blobs_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
