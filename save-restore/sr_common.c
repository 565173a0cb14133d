#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sr_int.h"

void sr_ctx_init(struct sr_ctx *ctx, const struct sr_domain_ops *ops, void *dom)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->ops = ops;
	ctx->dom = dom;
}

const char *sr_ctx_error(const struct sr_ctx *ctx)
{
	return ctx->error;
}

int sr__fail(struct sr_ctx *ctx, int err, const char *fmt, ...)
{
	size_t n = 0;
	va_list ap;

	if (ctx->error[0])
		return err;
	if (ctx->rec)
		n = (size_t)snprintf(ctx->error, sizeof(ctx->error), "%s at offset %llu: ", ctx->rec,
				     (unsigned long long)ctx->rec_offset);
	if (n >= sizeof(ctx->error))
		return err;
	va_start(ap, fmt);
	vsnprintf(ctx->error + n, sizeof(ctx->error) - n, fmt, ap);
	va_end(ap);
	return err;
}

int sr__write(struct sr_ctx *ctx, const struct iovec *iov, unsigned n)
{
	int err = ctx->sink->writev(ctx->sink, iov, n);

	if (err)
		return sr__fail(ctx, err, "cannot write the stream: %s", strerror(-err));
	for (unsigned i = 0; i < n; i++)
		ctx->stats.bytes += iov[i].iov_len;
	return 0;
}

int sr__write_record(struct sr_ctx *ctx, uint32_t type, const struct iovec *body, unsigned n)
{
	static const uint8_t zeros[SR_ALIGN];
	struct iovec iov[8];
	struct sr_rec_hdr h;
	uint64_t len = 0;

	if (n + 2 > sizeof(iov) / sizeof(iov[0]))
		return sr__fail(ctx, -EINVAL, "record 0x%x has too many parts", type);
	for (unsigned i = 0; i < n; i++) {
		len += body[i].iov_len;
		iov[i + 1] = body[i];
	}
	if (len > SR_MAX_RECORD)
		return sr__fail(ctx, -EFBIG, "record 0x%x of %llu bytes is over the limit", type,
				(unsigned long long)len);
	h.type = htole32(type);
	h.length = htole32((uint32_t)len);
	iov[0] = (struct iovec){ &h, sizeof(h) };
	iov[n + 1] = (struct iovec){ (void *)zeros, sr__pad(len) };
	return sr__write(ctx, iov, n + 2);
}

/* Checks that ranges are sorted, disjoint, non-empty and within 52 bits. */
static int check_ranges(struct sr_ctx *ctx, const struct sr_domain_info *info)
{
	uint64_t next = 0;

	if (info->nr_ranges == 0 || info->nr_ranges > SR_MAX_RANGES)
		return sr__fail(ctx, -EINVAL, "the domain reports %u frame ranges", info->nr_ranges);
	for (unsigned i = 0; i < info->nr_ranges; i++) {
		const struct sr_range *r = &info->ranges[i];

		if (r->count == 0 || r->first < next || r->first > SR_PFN_MASK ||
		    r->count > SR_PFN_MASK + 1 - r->first)
			return sr__fail(ctx, -EINVAL, "the domain reports a bad frame range %u", i);
		next = r->first + r->count;
	}
	return 0;
}

int sr__get_info(struct sr_ctx *ctx)
{
	int err = ctx->ops->info(ctx->dom, &ctx->info);

	if (err)
		return sr__fail(ctx, err, "cannot describe the domain: %s", strerror(-err));
	if (ctx->info.nr_vcpus == 0 || ctx->info.nr_vcpus > SR_MAX_VCPUS)
		return sr__fail(ctx, -EINVAL, "the domain reports %u vCPUs", ctx->info.nr_vcpus);
	return check_ranges(ctx, &ctx->info);
}

unsigned sr__ranges_subtract(const struct sr_range *cur, unsigned nr_cur, const struct sr_range *old,
			     unsigned nr_old, struct sr_range *out)
{
	unsigned n = 0, j = 0;

	for (unsigned i = 0; i < nr_cur; i++) {
		uint64_t pos = cur[i].first, end = cur[i].first + cur[i].count;

		while (j < nr_old && old[j].first + old[j].count <= pos)
			j++;
		for (unsigned k = j; k < nr_old && old[k].first < end && pos < end; k++) {
			if (old[k].first > pos)
				out[n++] = (struct sr_range){ pos, old[k].first - pos };
			if (old[k].first + old[k].count > pos)
				pos = old[k].first + old[k].count;
		}
		if (pos < end)
			out[n++] = (struct sr_range){ pos, end - pos };
	}
	return n;
}
