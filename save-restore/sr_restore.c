/*
 * The reader: the libxl framing (header, LIBXC_CONTEXT, Tern's two
 * EMULATOR_CONTEXT records, END), record bodies and padding, and, once END
 * is reached and everything checked, the loading of the kept state into
 * the domain: TSC settings, HVM params, devices, vCPUs.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "sr_restore.h"

static const char *const libxl_names[] = {
	[SR_LIBXL_END] = "libxl END record",
	[SR_LIBXL_LIBXC_CONTEXT] = "LIBXC_CONTEXT record",
	[SR_LIBXL_EMULATOR_XENSTORE_DATA] = "EMULATOR_XENSTORE_DATA record",
	[SR_LIBXL_EMULATOR_CONTEXT] = "EMULATOR_CONTEXT record",
	[SR_LIBXL_CHECKPOINT_END] = "CHECKPOINT_END record",
	[SR_LIBXL_CHECKPOINT_STATE] = "CHECKPOINT_STATE record",
};

const char *sr__libxl_rec_name(uint32_t type)
{
	if (type < sizeof(libxl_names) / sizeof(libxl_names[0]))
		return libxl_names[type];
	return type & SR_REC_OPTIONAL ? "optional libxl record" : "unknown libxl record";
}

int sr__read(struct sr_ctx *ctx, void *buf, size_t len)
{
	size_t got;
	int err = sr_source_read_exact(ctx->source, buf, len, &got);

	ctx->offset += got;
	if (err == -EPIPE)
		return sr__fail(ctx, err, "the stream ends at offset %llu",
				(unsigned long long)ctx->offset);
	if (err)
		return sr__fail(ctx, err, "cannot read the stream: %s", strerror(-err));
	return 0;
}

int sr__read_rec_hdr(struct sr_restore *rs, struct sr_rec_hdr *h, const char *(*name)(uint32_t))
{
	struct sr_ctx *ctx = rs->ctx;
	int err;

	ctx->rec = "record header";
	ctx->rec_offset = ctx->offset;
	err = sr__read(ctx, h, sizeof(*h));
	if (err)
		return err;
	h->type = le32toh(h->type);
	h->length = le32toh(h->length);
	ctx->rec = name(h->type);
	if (h->length > SR_MAX_RECORD)
		return sr__fail(ctx, -EINVAL, "length %u is over the limit", h->length);
	return 0;
}

int sr__read_padding(struct sr_restore *rs, uint32_t len)
{
	uint8_t pad[SR_ALIGN];
	uint32_t n = sr__pad(len);
	int err = sr__read(rs->ctx, pad, n);

	for (uint32_t i = 0; i < n && !err; i++)
		if (pad[i])
			err = sr__fail(rs->ctx, -EINVAL, "non-zero padding");
	return err;
}

int sr__read_body(struct sr_restore *rs, uint32_t len)
{
	uint8_t *p = realloc(rs->body, len ? len : 1);
	int err;

	if (!p)
		return sr__fail(rs->ctx, -ENOMEM, "out of memory for %u bytes", len);
	rs->body = p;
	err = sr__read(rs->ctx, rs->body, len);
	return err ? err : sr__read_padding(rs, len);
}

int sr__skip_body(struct sr_restore *rs, uint32_t len)
{
	uint8_t buf[4096];
	uint32_t left = len;
	int err = 0;

	while (left && !err) {
		uint32_t n = left < sizeof(buf) ? left : sizeof(buf);

		err = sr__read(rs->ctx, buf, n);
		left -= n;
	}
	return err ? err : sr__read_padding(rs, len);
}

static int read_libxl_header(struct sr_restore *rs)
{
	struct sr_libxl_hdr h;
	int err;

	rs->ctx->rec = "libxl header";
	rs->ctx->rec_offset = 0;
	err = sr__read(rs->ctx, &h, sizeof(h));
	if (err)
		return err;
	if (be64toh(h.ident) != SR_LIBXL_IDENT)
		return sr__fail(rs->ctx, -EINVAL, "not a Xen migration stream (no \"LibxlFmt\")");
	if (be32toh(h.version) != SR_LIBXL_VERSION)
		return sr__fail(rs->ctx, -ENOTSUP, "version %u; Tern reads version %u", be32toh(h.version),
				SR_LIBXL_VERSION);
	if (h.options)
		return sr__fail(rs->ctx, -EINVAL, "options 0x%x set (Tern reads little-endian, non-legacy)",
				be32toh(h.options));
	return 0;
}

/* Tern's vCPU sub-records, one per vCPU in order. */
static int read_vcpu_recs(struct sr_restore *rs, const uint8_t *p, size_t len)
{
	struct sr_ctx *ctx = rs->ctx;
	const size_t one = sizeof(struct hv_state_record) + sizeof(struct sr_vcpu_rec);

	if (!rs->have_hvm)
		return sr__fail(ctx, -EINVAL, "vCPU sub-records before the libxc image");
	if (len != ctx->info.nr_vcpus * one)
		return sr__fail(ctx, -EINVAL, "%zu bytes of vCPU sub-records for %u vCPUs", len,
				ctx->info.nr_vcpus);
	for (unsigned i = 0; i < ctx->info.nr_vcpus; i++, p += one) {
		struct hv_state_record h;
		struct sr_vcpu_rec r;
		int err;

		memcpy(&h, p, sizeof(h));
		memcpy(&r, p + sizeof(h), sizeof(r));
		if (le32toh(h.id) != SR_SUB_VCPU || le32toh(h.len) != sizeof(r) || h.reserved)
			return sr__fail(ctx, -EINVAL, "sub-record %u is not a vCPU sub-record", i);
		if (le32toh(h.version) != SR_SUB_VCPU_VERSION)
			return sr__fail(ctx, -ENOTSUP, "vCPU sub-record version %u", le32toh(h.version));
		err = sr__vcpu_rec_decode(ctx, &r, i, &rs->vcpus[i]);
		if (err)
			return err;
	}
	return 0;
}

static int read_emulator_context(struct sr_restore *rs, uint32_t len)
{
	struct sr_emulator_hdr eh;
	uint32_t index;
	int err;

	if (!rs->libxc_done)
		return sr__fail(rs->ctx, -EINVAL, "before the libxc image");
	if (len < sizeof(eh))
		return sr__fail(rs->ctx, -EINVAL, "length %u", len);
	err = sr__read_body(rs, len);
	if (err)
		return err;
	memcpy(&eh, rs->body, sizeof(eh));
	index = le32toh(eh.index);
	if (le32toh(eh.id) != SR_EMULATOR_ID || index >= SR_EMU_NR)
		return sr__fail(rs->ctx, -ENOTSUP, "emulator %u, index %u is not Tern's", le32toh(eh.id), index);
	if (rs->have_emu[index])
		return sr__fail(rs->ctx, -EINVAL, "index %u twice", index);
	rs->have_emu[index] = true;
	if (index == SR_EMU_VCPUS)
		return read_vcpu_recs(rs, rs->body + sizeof(eh), len - sizeof(eh));
	/* The devices check their blob themselves (hv_devices_restore). */
	rs->devices = rs->body;
	rs->devices_len = len - sizeof(eh);
	rs->body = NULL;
	memmove(rs->devices, rs->devices + sizeof(eh), rs->devices_len);
	return 0;
}

/* At END, with every record checked: load the state into the domain. */
static int apply(struct sr_restore *rs)
{
	struct sr_ctx *ctx = rs->ctx;
	int err;

	if (!rs->have_emu[SR_EMU_VCPUS] || !rs->have_emu[SR_EMU_DEVICES])
		return sr__fail(ctx, -EINVAL, "the stream has no %s EMULATOR_CONTEXT",
				rs->have_emu[SR_EMU_VCPUS] ? "device" : "vCPU");
	err = ctx->ops->tsc_set(ctx->dom, &rs->tsc);
	if (err)
		return sr__fail(ctx, err, "cannot set the TSC: %s", strerror(-err));
	err = rs->nr_params ? ctx->ops->params_set(ctx->dom, rs->params, rs->nr_params) : 0;
	if (err)
		return sr__fail(ctx, err, "cannot set the HVM params: %s", strerror(-err));
	/* Devices first: they back the frames that vCPU state may point into. */
	err = ctx->ops->devices_set(ctx->dom, rs->devices, rs->devices_len);
	if (err)
		return sr__fail(ctx, err, "cannot load the device state: %s", strerror(-err));
	for (unsigned i = 0; i < ctx->info.nr_vcpus; i++) {
		err = ctx->ops->vcpu_set(ctx->dom, i, &rs->vcpus[i]);
		if (err)
			return sr__fail(ctx, err, "cannot load vCPU %u: %s", i, strerror(-err));
	}
	return 0;
}

/* One libxl record; *end says it was END. */
static int read_record(struct sr_restore *rs, bool *end)
{
	struct sr_ctx *ctx = rs->ctx;
	struct sr_rec_hdr h;
	int err = sr__read_rec_hdr(rs, &h, sr__libxl_rec_name);

	if (err)
		return err;
	switch (h.type) {
	case SR_LIBXL_LIBXC_CONTEXT:
		if (rs->libxc_done || h.length)
			return sr__fail(ctx, -EINVAL, rs->libxc_done ? "a second one" : "not empty");
		err = sr__restore_libxc(rs);
		rs->libxc_done = !err;
		return err;
	case SR_LIBXL_EMULATOR_CONTEXT: return read_emulator_context(rs, h.length);
	case SR_LIBXL_END:
		if (h.length)
			return sr__fail(ctx, -EINVAL, "not empty");
		*end = true;
		return apply(rs);
	case SR_LIBXL_EMULATOR_XENSTORE_DATA:
		return sr__fail(ctx, -ENOTSUP, "Tern carries xenstore in EMULATOR_CONTEXT, not here");
	default:
		if (h.type & SR_REC_OPTIONAL)
			return sr__skip_body(rs, h.length);
		return sr__fail(ctx, -ENOTSUP, "type 0x%x cannot be restored by Tern", h.type);
	}
}

static int restore(struct sr_restore *rs)
{
	struct sr_ctx *ctx = rs->ctx;
	bool end = false;
	int err = sr__get_info(ctx);

	if (err)
		return err;
	rs->vcpus = calloc(ctx->info.nr_vcpus, sizeof(*rs->vcpus));
	if (!rs->vcpus || sr__pfnset_init(&rs->populated, ctx->info.ranges, ctx->info.nr_ranges))
		return sr__fail(ctx, -ENOMEM, "out of memory for the restore");
	err = read_libxl_header(rs);
	while (!err && !end)
		err = read_record(rs, &end);
	return err;
}

int sr_restore(struct sr_ctx *ctx, struct sr_source *source)
{
	struct sr_restore rs = { .ctx = ctx };
	int err;

	if (ctx->cleaned_up)
		return sr__fail(ctx, -EINVAL, "this context was used already");
	ctx->source = source;
	err = restore(&rs);
	ctx->stats.bytes = ctx->offset;
	sr__pfnset_destroy(&rs.populated);
	free(rs.vcpus);
	free(rs.body);
	free(rs.devices);
	ctx->cleaned_up = true;
	ctx->ops->cleanup(ctx->dom);
	return err;
}
