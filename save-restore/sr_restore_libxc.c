/*
 * The libxc image inside LIBXC_CONTEXT: the image and domain headers, then
 * records up to END.  Memory goes into the domain as it comes; the TSC
 * settings, HVM params and vCPU states are checked and kept for the end
 * of the stream (sr_restore.c applies them).
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "sr_restore.h"

static const char *const libxc_names[] = {
	[SR_LIBXC_END] = "libxc END record",
	[SR_LIBXC_PAGE_DATA] = "PAGE_DATA record",
	[SR_LIBXC_X86_PV_INFO] = "X86_PV_INFO record",
	[SR_LIBXC_X86_PV_P2M_FRAMES] = "X86_PV_P2M_FRAMES record",
	[SR_LIBXC_X86_PV_VCPU_BASIC] = "X86_PV_VCPU_BASIC record",
	[SR_LIBXC_X86_PV_VCPU_EXTENDED] = "X86_PV_VCPU_EXTENDED record",
	[SR_LIBXC_X86_PV_VCPU_XSAVE] = "X86_PV_VCPU_XSAVE record",
	[SR_LIBXC_SHARED_INFO] = "SHARED_INFO record",
	[SR_LIBXC_X86_TSC_INFO] = "X86_TSC_INFO record",
	[SR_LIBXC_HVM_CONTEXT] = "HVM_CONTEXT record",
	[SR_LIBXC_HVM_PARAMS] = "HVM_PARAMS record",
	[SR_LIBXC_TOOLSTACK] = "TOOLSTACK record",
	[SR_LIBXC_X86_PV_VCPU_MSRS] = "X86_PV_VCPU_MSRS record",
	[SR_LIBXC_VERIFY] = "VERIFY record",
	[SR_LIBXC_CHECKPOINT] = "CHECKPOINT record",
	[SR_LIBXC_CHECKPOINT_DIRTY_PFN_LIST] = "CHECKPOINT_DIRTY_PFN_LIST record",
	[SR_LIBXC_STATIC_DATA_END] = "STATIC_DATA_END record",
	[SR_LIBXC_X86_CPUID_POLICY] = "X86_CPUID_POLICY record",
	[SR_LIBXC_X86_MSR_POLICY] = "X86_MSR_POLICY record",
};

const char *sr__libxc_rec_name(uint32_t type)
{
	if (type < sizeof(libxc_names) / sizeof(libxc_names[0]))
		return libxc_names[type];
	return type & SR_REC_OPTIONAL ? "optional libxc record" : "unknown libxc record";
}

static int read_headers(struct sr_restore *rs)
{
	struct sr_ctx *ctx = rs->ctx;
	struct sr_image_hdr ih;
	struct sr_domain_hdr dh;
	int err;

	ctx->rec = "libxc image header";
	ctx->rec_offset = ctx->offset;
	err = sr__read(ctx, &ih, sizeof(ih));
	if (err)
		return err;
	if (be64toh(ih.marker) != SR_IHDR_MARKER || be32toh(ih.id) != SR_IHDR_ID)
		return sr__fail(ctx, -EINVAL, "not a libxc image (marker or id wrong)");
	if (be32toh(ih.version) != SR_IHDR_VERSION)
		return sr__fail(ctx, -ENOTSUP, "version %u; Tern reads version %u", be32toh(ih.version),
				SR_IHDR_VERSION);
	if (ih.options || ih.reserved1 || ih.reserved2)
		return sr__fail(ctx, -EINVAL, "options or reserved fields set (Tern reads little-endian)");
	ctx->rec = "libxc domain header";
	ctx->rec_offset = ctx->offset;
	err = sr__read(ctx, &dh, sizeof(dh));
	if (err)
		return err;
	if (le32toh(dh.type) != SR_DHDR_TYPE_X86_HVM || le16toh(dh.page_shift) != SR_PAGE_SHIFT || dh.reserved)
		return sr__fail(ctx, -ENOTSUP, "domain type %u with page shift %u: Tern restores x86 HVM, 4 KiB",
				le32toh(dh.type), le16toh(dh.page_shift));
	return 0;
}

static int read_tsc(struct sr_restore *rs, uint32_t len)
{
	struct sr_tsc_info w;
	int err;

	if (rs->have_tsc)
		return sr__fail(rs->ctx, -EINVAL, "a second one");
	if (len != sizeof(w))
		return sr__fail(rs->ctx, -EINVAL, "length %u", len);
	err = sr__read_body(rs, len);
	if (err)
		return err;
	memcpy(&w, rs->body, sizeof(w));
	if (w.reserved)
		return sr__fail(rs->ctx, -EINVAL, "reserved field set");
	rs->tsc = (struct sr_tsc){ le32toh(w.mode), le32toh(w.khz), le64toh(w.nsec), le32toh(w.incarnation) };
	rs->have_tsc = true;
	return 0;
}

static int read_params(struct sr_restore *rs, uint32_t len)
{
	struct sr_hvm_params_hdr h;
	uint32_t count;
	int err;

	if (rs->nr_params)
		return sr__fail(rs->ctx, -EINVAL, "a second one");
	if (len < sizeof(h))
		return sr__fail(rs->ctx, -EINVAL, "length %u", len);
	err = sr__read_body(rs, len);
	if (err)
		return err;
	memcpy(&h, rs->body, sizeof(h));
	count = le32toh(h.count);
	if (h.reserved || count == 0 || count > SR_MAX_PARAMS ||
	    len != sizeof(h) + count * sizeof(struct sr_hvm_param))
		return sr__fail(rs->ctx, -EINVAL, "bad header (%u params in %u bytes)", count, len);
	for (uint32_t i = 0; i < count; i++) {
		struct sr_hvm_param p;

		memcpy(&p, rs->body + sizeof(h) + i * sizeof(p), sizeof(p));
		p.index = le64toh(p.index);
		if (p.index >= SR_MAX_PARAMS)
			return sr__fail(rs->ctx, -EINVAL, "param index %llu", (unsigned long long)p.index);
		for (uint32_t j = 0; j < i; j++)
			if (rs->params[j].index == p.index)
				return sr__fail(rs->ctx, -EINVAL, "param %llu twice", (unsigned long long)p.index);
		rs->params[i] = (struct sr_param){ (uint32_t)p.index, le64toh(p.value) };
	}
	rs->nr_params = count;
	return 0;
}

static int read_hvm_context(struct sr_restore *rs, uint32_t len)
{
	int err;

	if (rs->have_hvm || !rs->have_tsc)
		return sr__fail(rs->ctx, -EINVAL, rs->have_hvm ? "a second one" : "before X86_TSC_INFO");
	err = sr__read_body(rs, len);
	if (!err)
		err = sr__hvm_decode(rs->ctx, rs->body, len, rs->vcpus, rs->ctx->info.nr_vcpus, rs->tsc.khz);
	rs->have_hvm = !err;
	return err;
}

/* One record; *end says it was END. */
static int read_record(struct sr_restore *rs, bool *static_end, bool *end)
{
	struct sr_ctx *ctx = rs->ctx;
	struct sr_rec_hdr h;
	int err = sr__read_rec_hdr(rs, &h, sr__libxc_rec_name);

	if (err)
		return err;
	if (!*static_end && h.type != SR_LIBXC_STATIC_DATA_END)
		return sr__fail(ctx, -EINVAL, "before STATIC_DATA_END");
	switch (h.type) {
	case SR_LIBXC_STATIC_DATA_END:
		if (*static_end || h.length)
			return sr__fail(ctx, -EINVAL, *static_end ? "a second one" : "not empty");
		*static_end = true;
		return 0;
	case SR_LIBXC_PAGE_DATA:
		err = sr__restore_pages(ctx, &rs->populated, h.length);
		return err ? err : sr__read_padding(rs, h.length);
	case SR_LIBXC_X86_TSC_INFO: return read_tsc(rs, h.length);
	case SR_LIBXC_HVM_PARAMS: return read_params(rs, h.length);
	case SR_LIBXC_HVM_CONTEXT: return read_hvm_context(rs, h.length);
	case SR_LIBXC_END:
		if (h.length || !rs->have_hvm)
			return sr__fail(ctx, -EINVAL, h.length ? "not empty" : "before HVM_CONTEXT");
		*end = true;
		return 0;
	default:
		if (h.type & SR_REC_OPTIONAL)
			return sr__skip_body(rs, h.length);
		return sr__fail(ctx, -ENOTSUP, "type 0x%x cannot be restored into a Tern HVM domain", h.type);
	}
}

int sr__restore_libxc(struct sr_restore *rs)
{
	bool static_end = false, end = false;
	int err = read_headers(rs);

	while (!err && !end)
		err = read_record(rs, &static_end, &end);
	return err;
}
