/*
 * Unit tests for migrated/cli_msg.c, the CLI protocol between tern and
 * ternd: every writer's message passes its reader unchanged, and every
 * reader refuses what breaks the protocol (headers, lengths, reserved
 * fields and flags, names, paths, texts, states) before copying anything.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli_msg.h"

/* A raw message: a header and payload bytes, for what no writer makes. */
struct raw {
	size_t len;
	uint8_t buf[MIG_CLI_HDR_SIZE + MIG_CLI_MAX_PAYLOAD + 64];
};

static void raw_build(struct raw *r, uint16_t type, const void *payload, size_t len)
{
	struct mig_cli_hdr h = { .magic = MIG_CLI_MAGIC, .version = MIG_CLI_VERSION,
				 .type = type, .len = (uint32_t)len };

	memcpy(r->buf, &h, sizeof(h));
	memcpy(r->buf + sizeof(h), payload, len);
	r->len = sizeof(h) + len;
}

/* A string payload: the wire_str struct, then s. */
static void raw_str(struct raw *r, uint16_t type, uint32_t len, uint32_t flags, const char *s,
		    size_t slen)
{
	uint8_t p[sizeof(struct mig_cli_wire_str) + MIG_CLI_PATH_MAX + 8];
	struct mig_cli_wire_str w = { .len = len, .flags = flags };

	memcpy(p, &w, sizeof(w));
	memcpy(p + sizeof(w), s, slen);
	raw_build(r, type, p, sizeof(w) + slen);
}

static struct mig_cli_frame frame_of(const void *buf, size_t len)
{
	struct mig_cli_frame f;

	assert_int_equal(mig_cli_frame(buf, len, &f), (int)len);
	return f;
}

static void frames(void **state)
{
	struct mig_cli_msg m, n;
	struct mig_cli_frame f;
	uint8_t two[2 * MIG_CLI_HDR_SIZE + 64];
	struct mig_cli_hdr h;

	(void)state;
	assert_int_equal(mig_cli_write_ref(&m, MIG_CLI_REQ_PAUSE, "web", 0), 0);
	for (size_t i = 0; i < m.len; i++)
		assert_int_equal(mig_cli_frame(m.buf, i, &f), -EAGAIN);
	f = frame_of(m.buf, m.len);
	assert_int_equal(f.type, MIG_CLI_REQ_PAUSE);
	assert_int_equal(f.len, m.len - MIG_CLI_HDR_SIZE);
	assert_ptr_equal(f.payload, m.buf + MIG_CLI_HDR_SIZE);

	/* Two messages in one buffer: the first is taken alone. */
	assert_int_equal(mig_cli_write_empty(&n, MIG_CLI_REQ_LIST), 0);
	memcpy(two, n.buf, n.len);
	memcpy(two + n.len, m.buf, m.len);
	assert_int_equal(mig_cli_frame(two, n.len + m.len, &f), (int)n.len);
	assert_int_equal(f.type, MIG_CLI_REQ_LIST);

	memcpy(&h, m.buf, sizeof(h));
	h.magic ^= 1;
	memcpy(two, &h, sizeof(h));
	assert_int_equal(mig_cli_frame(two, sizeof(two), &f), -EPROTO);
	memcpy(&h, m.buf, sizeof(h));
	h.reserved = 1;
	memcpy(two, &h, sizeof(h));
	assert_int_equal(mig_cli_frame(two, sizeof(two), &f), -EPROTO);
	memcpy(&h, m.buf, sizeof(h));
	h.version = MIG_CLI_VERSION + 1;
	memcpy(two, &h, sizeof(h));
	assert_int_equal(mig_cli_frame(two, sizeof(two), &f), -EPROTONOSUPPORT);
	memcpy(&h, m.buf, sizeof(h));
	h.len = MIG_CLI_MAX_PAYLOAD + 1;
	memcpy(two, &h, sizeof(h));
	assert_int_equal(mig_cli_frame(two, sizeof(two), &f), -EMSGSIZE);
	h.len = MIG_CLI_MAX_PAYLOAD; /* the longest is fine, once it is all there */
	memcpy(two, &h, sizeof(h));
	assert_int_equal(mig_cli_frame(two, sizeof(two), &f), -EAGAIN);
}

static void paths(void **state)
{
	char path[MIG_CLI_PATH_MAX + 1], longest[MIG_CLI_PATH_MAX + 2];
	struct mig_cli_msg m;
	struct mig_cli_frame f;
	uint32_t flags = 7;
	struct raw r;

	(void)state;
	assert_int_equal(mig_cli_write_path(&m, MIG_CLI_REQ_RESTORE, "/srv/web.save",
					    MIG_CLI_RESTORE_PAUSED), 0);
	f = frame_of(m.buf, m.len);
	assert_int_equal(mig_cli_read_path(&f, MIG_CLI_REQ_RESTORE, path, &flags), 0);
	assert_string_equal(path, "/srv/web.save");
	assert_int_equal(flags, MIG_CLI_RESTORE_PAUSED);
	assert_int_equal(mig_cli_write_path(&m, MIG_CLI_REQ_CREATE, "/srv/web.cfg", 1), -EINVAL);
	assert_int_equal(mig_cli_write_path(&m, MIG_CLI_REQ_CREATE, "/srv/web.cfg", 0), 0);
	f = frame_of(m.buf, m.len);
	assert_int_equal(mig_cli_read_path(&f, MIG_CLI_REQ_CREATE, path, &flags), 0);
	assert_string_equal(path, "/srv/web.cfg");
	/* The type is the reader's. */
	assert_int_equal(mig_cli_read_path(&f, MIG_CLI_REP_CONSOLE, path, &flags), -EBADMSG);
	assert_int_equal(mig_cli_read_empty(&f, MIG_CLI_REQ_CREATE), -EBADMSG);

	memset(longest, 'a', sizeof(longest));
	longest[0] = '/';
	longest[MIG_CLI_PATH_MAX] = '\0';
	assert_int_equal(mig_cli_write_path(&m, MIG_CLI_REQ_CREATE, longest, 0), 0);
	f = frame_of(m.buf, m.len);
	assert_int_equal(mig_cli_read_path(&f, MIG_CLI_REQ_CREATE, path, &flags), 0);
	assert_string_equal(path, longest);
	longest[MIG_CLI_PATH_MAX] = 'a';
	longest[MIG_CLI_PATH_MAX + 1] = '\0';
	assert_int_equal(mig_cli_write_path(&m, MIG_CLI_REQ_CREATE, longest, 0), -EINVAL);
	assert_int_equal(mig_cli_write_path(&m, MIG_CLI_REQ_CREATE, "web.cfg", 0), -EINVAL);
	assert_int_equal(mig_cli_write_path(&m, MIG_CLI_REQ_CREATE, "", 0), -EINVAL);
	assert_int_equal(mig_cli_write_path(&m, MIG_CLI_REQ_CREATE, "/a\nb", 0), -EINVAL);

	/* What a writer never makes. */
	strcpy(path, "unchanged");
	raw_str(&r, MIG_CLI_REQ_CREATE, MIG_CLI_PATH_MAX + 1, 0, longest, MIG_CLI_PATH_MAX + 1);
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_path(&f, MIG_CLI_REQ_CREATE, path, &flags), -EBADMSG);
	raw_str(&r, MIG_CLI_REQ_CREATE, 5, 0, "/a", 2); /* says more than there is */
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_path(&f, MIG_CLI_REQ_CREATE, path, &flags), -EBADMSG);
	raw_str(&r, MIG_CLI_REQ_CREATE, 1, 0, "/a", 2); /* says less */
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_path(&f, MIG_CLI_REQ_CREATE, path, &flags), -EBADMSG);
	raw_str(&r, MIG_CLI_REQ_CREATE, 0, 0, "", 0);
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_path(&f, MIG_CLI_REQ_CREATE, path, &flags), -EBADMSG);
	raw_str(&r, MIG_CLI_REQ_CREATE, 2, 1, "/a", 2); /* flags */
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_path(&f, MIG_CLI_REQ_CREATE, path, &flags), -EBADMSG);
	raw_str(&r, MIG_CLI_REQ_RESTORE, 2, 2, "/a", 2); /* not RESTORE's flag */
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_path(&f, MIG_CLI_REQ_RESTORE, path, &flags), -EBADMSG);
	raw_str(&r, MIG_CLI_REQ_CREATE, 3, 0, "/\0a", 3); /* a NUL inside */
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_path(&f, MIG_CLI_REQ_CREATE, path, &flags), -EBADMSG);
	raw_str(&r, MIG_CLI_REQ_CREATE, 2, 0, "/\x7f", 2);
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_path(&f, MIG_CLI_REQ_CREATE, path, &flags), -EBADMSG);
	raw_build(&r, MIG_CLI_REQ_CREATE, "abc", 3); /* shorter than the struct */
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_path(&f, MIG_CLI_REQ_CREATE, path, &flags), -EBADMSG);
	assert_string_equal(path, "unchanged");
}

static void refs(void **state)
{
	char ref[MIG_CLI_NAME_MAX + 1], longest[MIG_CLI_NAME_MAX + 2];
	struct mig_cli_msg m;
	struct mig_cli_frame f;
	uint32_t flags = 7;
	struct raw r;

	(void)state;
	assert_int_equal(mig_cli_write_ref(&m, MIG_CLI_REQ_DESTROY, "dom3", 0), 0);
	f = frame_of(m.buf, m.len);
	assert_int_equal(mig_cli_read_ref(&f, MIG_CLI_REQ_DESTROY, ref, &flags), 0);
	assert_string_equal(ref, "dom3");
	assert_int_equal(flags, 0);
	assert_int_equal(mig_cli_write_ref(&m, MIG_CLI_REQ_SHUTDOWN, "web", MIG_CLI_SHUTDOWN_WAIT),
			 0);
	f = frame_of(m.buf, m.len);
	assert_int_equal(mig_cli_read_ref(&f, MIG_CLI_REQ_SHUTDOWN, ref, &flags), 0);
	assert_int_equal(flags, MIG_CLI_SHUTDOWN_WAIT);

	/* Only SHUTDOWN has a flag, and only that one. */
	assert_int_equal(mig_cli_write_ref(&m, MIG_CLI_REQ_PAUSE, "web", MIG_CLI_SHUTDOWN_WAIT),
			 -EINVAL);
	assert_int_equal(mig_cli_write_ref(&m, MIG_CLI_REQ_SHUTDOWN, "web", 2), -EINVAL);
	raw_str(&r, MIG_CLI_REQ_PAUSE, 3, MIG_CLI_SHUTDOWN_WAIT, "web", 3);
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_ref(&f, MIG_CLI_REQ_PAUSE, ref, &flags), -EBADMSG);
	raw_str(&r, MIG_CLI_REQ_SHUTDOWN, 3, 0x80000000u, "web", 3);
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_ref(&f, MIG_CLI_REQ_SHUTDOWN, ref, &flags), -EBADMSG);

	memset(longest, 'n', sizeof(longest));
	longest[MIG_CLI_NAME_MAX] = '\0';
	assert_int_equal(mig_cli_write_ref(&m, MIG_CLI_REQ_PAUSE, longest, 0), 0);
	longest[MIG_CLI_NAME_MAX] = 'n';
	longest[MIG_CLI_NAME_MAX + 1] = '\0';
	assert_int_equal(mig_cli_write_ref(&m, MIG_CLI_REQ_PAUSE, longest, 0), -EINVAL);
	raw_str(&r, MIG_CLI_REQ_PAUSE, MIG_CLI_NAME_MAX + 1, 0, longest, MIG_CLI_NAME_MAX + 1);
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_ref(&f, MIG_CLI_REQ_PAUSE, ref, &flags), -EBADMSG);
	raw_str(&r, MIG_CLI_REQ_PAUSE, 5, 0, "../x.", 5);
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_ref(&f, MIG_CLI_REQ_PAUSE, ref, &flags), -EBADMSG);
}

static void names(void **state)
{
	uint32_t id = 0;

	(void)state;
	assert_true(mig_cli_name_ok("web-1.example_2", 15));
	assert_false(mig_cli_name_ok("", 0));
	assert_false(mig_cli_name_ok(".hidden", 7));
	assert_false(mig_cli_name_ok("-x", 2));
	assert_false(mig_cli_name_ok("a/b", 3));
	assert_false(mig_cli_name_ok("a b", 3));
	assert_false(mig_cli_name_ok("caf\xc3\xa9", 5));

	assert_true(mig_cli_ref_domid("3", &id));
	assert_int_equal(id, 3);
	assert_true(mig_cli_ref_domid("dom32751", &id));
	assert_int_equal(id, MIG_DOMID_MAX);
	id = 9;
	assert_false(mig_cli_ref_domid("0", &id));
	assert_false(mig_cli_ref_domid("dom0", &id));
	assert_false(mig_cli_ref_domid("03", &id));
	assert_false(mig_cli_ref_domid("dom", &id));
	assert_false(mig_cli_ref_domid("32752", &id));
	assert_false(mig_cli_ref_domid("99999999999999999999", &id));
	assert_false(mig_cli_ref_domid("3a", &id));
	assert_false(mig_cli_ref_domid("web", &id));
	assert_false(mig_cli_ref_domid("Dom3", &id));
	assert_int_equal(id, 9);
}

static const struct mig_cli_domain running = {
	.domid = 3, .pid = 1234, .vcpus = 2, .memory = 1024, .started = 1700000000,
	.state = MIG_DOM_RUNNING, .reason = MIG_REASON_NONE, .name = "web",
};

/* d written, then one byte of its wire struct at offset set to value. */
static int read_patched(const struct mig_cli_domain *d, size_t offset, uint8_t value)
{
	struct mig_cli_domain out;
	struct mig_cli_msg m;
	struct mig_cli_frame f;

	assert_int_equal(mig_cli_write_domain(&m, d), 0);
	m.buf[MIG_CLI_HDR_SIZE + offset] = value;
	f = frame_of(m.buf, m.len);
	return mig_cli_read_domain(&f, &out);
}

static void domains(void **state)
{
	struct mig_cli_domain d = running, out;
	struct mig_cli_msg m;
	struct mig_cli_frame f;

	(void)state;
	assert_int_equal(mig_cli_write_domain(&m, &d), 0);
	f = frame_of(m.buf, m.len);
	assert_int_equal(mig_cli_read_domain(&f, &out), 0);
	assert_int_equal(out.domid, d.domid);
	assert_int_equal(out.pid, d.pid);
	assert_int_equal(out.vcpus, d.vcpus);
	assert_int_equal(out.memory, d.memory);
	assert_int_equal(out.started, d.started);
	assert_int_equal(out.state, d.state);
	assert_int_equal(out.reason, d.reason);
	assert_string_equal(out.name, d.name);
	d = (struct mig_cli_domain){ .vcpus = 1, .memory = 64, .state = MIG_DOM_SHUTOFF,
				     .reason = MIG_REASON_CRASH, .name = "db" };
	assert_int_equal(mig_cli_write_domain(&m, &d), 0);
	f = frame_of(m.buf, m.len);
	assert_int_equal(mig_cli_read_domain(&f, &out), 0);
	assert_int_equal(out.reason, MIG_REASON_CRASH);

	/* Writers refuse what readers would. */
	d = running;
	d.reason = MIG_REASON_CRASH;
	assert_int_equal(mig_cli_write_domain(&m, &d), -EINVAL);
	d = running;
	d.state = MIG_DOM_NONE;
	assert_int_equal(mig_cli_write_domain(&m, &d), -EINVAL);
	d = running;
	d.domid = 0;
	assert_int_equal(mig_cli_write_domain(&m, &d), -EINVAL);
	d = running;
	strcpy(d.name, "a/b");
	assert_int_equal(mig_cli_write_domain(&m, &d), -EINVAL);

	/* Readers refuse each field out of range. */
	assert_int_equal(read_patched(&running, offsetof(struct mig_cli_wire_domain, state),
				      MIG_DOM_STATE_COUNT), -EBADMSG);
	assert_int_equal(read_patched(&running, offsetof(struct mig_cli_wire_domain, state),
				      MIG_DOM_NONE), -EBADMSG);
	assert_int_equal(read_patched(&running, offsetof(struct mig_cli_wire_domain, reason),
				      MIG_REASON_POWEROFF), -EBADMSG);
	assert_int_equal(read_patched(&running, offsetof(struct mig_cli_wire_domain, state),
				      MIG_DOM_SHUTOFF), -EBADMSG); /* with an id, no reason */
	assert_int_equal(read_patched(&running, offsetof(struct mig_cli_wire_domain, domid) + 3,
				      1), -EBADMSG);
	assert_int_equal(read_patched(&running, offsetof(struct mig_cli_wire_domain, name_len),
				      4), -EBADMSG);
	assert_int_equal(read_patched(&running, sizeof(struct mig_cli_wire_domain), '.'),
			 -EBADMSG);
}

static void errors(void **state)
{
	struct mig_cli_error e = { .err = ENOENT, .text = "no domain web" }, out;
	struct mig_cli_msg m;
	struct mig_cli_frame f;
	uint8_t payload[sizeof(struct mig_cli_wire_error) + 8];
	struct mig_cli_wire_error w = { .err = EINVAL, .text_len = 3 };
	struct raw r;

	(void)state;
	assert_int_equal(mig_cli_write_error(&m, &e), 0);
	f = frame_of(m.buf, m.len);
	assert_int_equal(mig_cli_read_error(&f, &out), 0);
	assert_int_equal(out.err, ENOENT);
	assert_int_equal(out.state, MIG_DOM_NONE);
	assert_string_equal(out.text, "no domain web");

	/* Control characters are replaced, long texts cut. */
	e = (struct mig_cli_error){ .err = EIO, .state = MIG_DOM_SHUTOFF,
				    .reason = MIG_REASON_ERROR };
	memset(e.text, 'x', MIG_CLI_TEXT_MAX);
	e.text[0] = '\n';
	e.text[1] = 0x1b;
	assert_int_equal(mig_cli_write_error(&m, &e), 0);
	f = frame_of(m.buf, m.len);
	assert_int_equal(mig_cli_read_error(&f, &out), 0);
	assert_int_equal(strlen(out.text), MIG_CLI_TEXT_MAX);
	assert_memory_equal(out.text, "??xx", 4);
	e.text[0] = '\0';
	assert_int_equal(mig_cli_write_error(&m, &e), -EINVAL);
	strcpy(e.text, "x");
	e.err = 0;
	assert_int_equal(mig_cli_write_error(&m, &e), -EINVAL);

	/* Raw payloads: each field wrong in turn. */
	memcpy(payload, &w, sizeof(w));
	memcpy(payload + sizeof(w), "bad", 3);
	raw_build(&r, MIG_CLI_REP_ERROR, payload, sizeof(w) + 3);
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_error(&f, &out), 0);
	w.err = -EINVAL;
	memcpy(payload, &w, sizeof(w));
	raw_build(&r, MIG_CLI_REP_ERROR, payload, sizeof(w) + 3);
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_error(&f, &out), -EBADMSG);
	w.err = EINVAL;
	w.text_len = 0;
	memcpy(payload, &w, sizeof(w));
	raw_build(&r, MIG_CLI_REP_ERROR, payload, sizeof(w));
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_error(&f, &out), -EBADMSG);
	w.text_len = 3;
	w.state = MIG_DOM_RUNNING;
	w.reason = MIG_REASON_CRASH;
	memcpy(payload, &w, sizeof(w));
	raw_build(&r, MIG_CLI_REP_ERROR, payload, sizeof(w) + 3);
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_error(&f, &out), -EBADMSG);
	w.state = MIG_DOM_NONE;
	w.reason = MIG_REASON_NONE;
	memcpy(payload, &w, sizeof(w));
	memcpy(payload + sizeof(w), "b\0d", 3);
	raw_build(&r, MIG_CLI_REP_ERROR, payload, sizeof(w) + 3);
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_error(&f, &out), -EBADMSG);
}

static void empties(void **state)
{
	struct mig_cli_msg m;
	struct mig_cli_frame f;
	struct raw r;

	(void)state;
	assert_int_equal(mig_cli_write_empty(&m, MIG_CLI_REP_END), 0);
	f = frame_of(m.buf, m.len);
	assert_int_equal(mig_cli_read_empty(&f, MIG_CLI_REP_END), 0);
	assert_int_equal(mig_cli_read_empty(&f, MIG_CLI_REQ_LIST), -EBADMSG);
	raw_build(&r, MIG_CLI_REQ_LIST, "x", 1);
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_empty(&f, MIG_CLI_REQ_LIST), -EBADMSG);
}

/* A SAVE payload made by hand. */
static void raw_save(struct raw *r, uint32_t ref_len, uint32_t path_len, uint32_t flags,
		     uint32_t reserved, const char *strings)
{
	uint8_t p[sizeof(struct mig_cli_wire_save) + 64];
	struct mig_cli_wire_save w = { .ref_len = ref_len, .path_len = path_len, .flags = flags,
				       .reserved = reserved };

	memcpy(p, &w, sizeof(w));
	memcpy(p + sizeof(w), strings, strlen(strings));
	raw_build(r, MIG_CLI_REQ_SAVE, p, sizeof(w) + strlen(strings));
}

static void saves(void **state)
{
	struct mig_cli_save s = { .ref = "web", .path = "/srv/web.save",
				  .flags = MIG_CLI_SAVE_LIVE | MIG_CLI_SAVE_KEEP };
	struct mig_cli_save out = { .flags = 99 };
	struct mig_cli_msg m;
	struct mig_cli_frame f;
	struct raw r;

	(void)state;
	assert_int_equal(mig_cli_write_save(&m, &s), 0);
	f = frame_of(m.buf, m.len);
	assert_int_equal(mig_cli_read_save(&f, &out), 0);
	assert_string_equal(out.ref, "web");
	assert_string_equal(out.path, "/srv/web.save");
	assert_int_equal(out.flags, MIG_CLI_SAVE_LIVE | MIG_CLI_SAVE_KEEP);

	s.flags = 8;
	assert_int_equal(mig_cli_write_save(&m, &s), -EINVAL);
	s.flags = 0;
	strcpy(s.path, "web.save");
	assert_int_equal(mig_cli_write_save(&m, &s), -EINVAL);

	out.flags = 99;
	raw_save(&r, 3, 5, 0, 0, "web/a.sv");
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_save(&f, &out), 0);
	raw_save(&r, 3, 5, 0, 1, "web/a.sv"); /* reserved */
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_save(&f, &out), -EBADMSG);
	raw_save(&r, 3, 5, 8, 0, "web/a.sv"); /* unknown flag */
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_save(&f, &out), -EBADMSG);
	raw_save(&r, 4, 4, 0, 0, "web/a.sv"); /* split elsewhere: "web/", "a.sv" */
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_save(&f, &out), -EBADMSG);
	raw_save(&r, 3, 6, 0, 0, "web/a.sv"); /* more than there is */
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_save(&f, &out), -EBADMSG);
	raw_save(&r, 0xffffffffu, 5, 0, 0, "web/a.sv"); /* lengths that wrap */
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_save(&f, &out), -EBADMSG);
	raw_save(&r, 3, 0xfffffffcu, 0, 0, "web/a.sv");
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_save(&f, &out), -EBADMSG);
	raw_save(&r, 3, 0, 0, 0, "web");
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_save(&f, &out), -EBADMSG);
	assert_int_equal(out.flags, 0); /* from the one good read */
}

static void stats(void **state)
{
	struct mig_cli_stats s = { .bytes = 1 << 30, .pages = 262144, .zero_pages = 5,
				   .total_ns = 123456789, .paused_ns = 1234, .rounds = 4 };
	struct mig_cli_stats out;
	struct mig_cli_wire_stats w = { .reserved = 1 };
	struct mig_cli_msg m;
	struct mig_cli_frame f;
	struct raw r;

	(void)state;
	assert_int_equal(mig_cli_write_stats(&m, &s), 0);
	f = frame_of(m.buf, m.len);
	assert_int_equal(mig_cli_read_stats(&f, &out), 0);
	assert_int_equal(out.bytes, s.bytes);
	assert_int_equal(out.pages, s.pages);
	assert_int_equal(out.zero_pages, s.zero_pages);
	assert_int_equal(out.total_ns, s.total_ns);
	assert_int_equal(out.paused_ns, s.paused_ns);
	assert_int_equal(out.rounds, s.rounds);
	raw_build(&r, MIG_CLI_REP_STATS, &w, sizeof(w));
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_stats(&f, &out), -EBADMSG);
	raw_build(&r, MIG_CLI_REP_STATS, &w, sizeof(w) - 1);
	f = frame_of(r.buf, r.len);
	assert_int_equal(mig_cli_read_stats(&f, &out), -EBADMSG);
}

static void state_names(void **state)
{
	(void)state;
	assert_string_equal(mig_dom_state_name(MIG_DOM_SHUTOFF), "shutoff");
	assert_string_equal(mig_dom_state_name(MIG_DOM_STATE_COUNT), "?");
	assert_string_equal(mig_dom_reason_name(MIG_REASON_POWEROFF), "poweroff");
	assert_string_equal(mig_dom_reason_name((enum mig_dom_reason)-1), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frames),
		cmocka_unit_test(paths),
		cmocka_unit_test(refs),
		cmocka_unit_test(names),
		cmocka_unit_test(domains),
		cmocka_unit_test(errors),
		cmocka_unit_test(empties),
		cmocka_unit_test(saves),
		cmocka_unit_test(stats),
		cmocka_unit_test(state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
