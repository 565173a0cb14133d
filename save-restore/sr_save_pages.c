/*
 * PAGE_DATA records: guest frames in batches of up to SR_MAX_BATCH, each
 * batch written with one gathered write straight from the guest's pages.
 * A frame whose page is all zeroes travels as XEN_DOMCTL_PFINFO_XALLOC,
 * a type with no data (docs/stream-format.md says why that type).
 */
#define __XEN_TOOLS__ 1

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/domctl.h>

#include "sr_int.h"

struct batch {
	unsigned n;       /* frames */
	unsigned nr_data; /* of which with data */
	struct sr_rec_hdr rec;
	struct sr_page_data_hdr hdr;
	uint64_t pfns[SR_MAX_BATCH];
	struct iovec iov[SR_MAX_BATCH + 3];
};

static bool page_is_zero(const void *page)
{
	const uint64_t *w = page;
	uint64_t acc = 0;

	for (unsigned i = 0; i < SR_PAGE_SIZE / 8; i += 8)
		acc |= w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7];
	return acc == 0;
}

static int flush(struct sr_ctx *ctx, struct batch *b)
{
	uint64_t len = sizeof(b->hdr) + (uint64_t)b->n * 8 + (uint64_t)b->nr_data * SR_PAGE_SIZE;
	int err;

	if (b->n == 0)
		return 0;
	b->rec = (struct sr_rec_hdr){ htole32(SR_LIBXC_PAGE_DATA), htole32((uint32_t)len) };
	b->hdr = (struct sr_page_data_hdr){ htole32(b->n), 0 };
	b->iov[0] = (struct iovec){ &b->rec, sizeof(b->rec) };
	b->iov[1] = (struct iovec){ &b->hdr, sizeof(b->hdr) };
	b->iov[2] = (struct iovec){ b->pfns, (size_t)b->n * 8 };
	err = sr__write(ctx, b->iov, b->nr_data + 3);
	b->n = b->nr_data = 0;
	return err;
}

static int add(struct sr_ctx *ctx, struct batch *b, uint64_t pfn)
{
	void *page;
	int err = ctx->ops->frame_map(ctx->dom, pfn, &page);

	if (err)
		return sr__fail(ctx, err, "cannot map frame 0x%llx: %s", (unsigned long long)pfn, strerror(-err));
	if (page_is_zero(page)) {
		b->pfns[b->n++] = htole64(pfn | SR_PFINFO_TO_WIRE(XEN_DOMCTL_PFINFO_XALLOC));
		ctx->stats.zero_pages++;
	} else {
		b->pfns[b->n++] = htole64(pfn | SR_PFINFO_TO_WIRE(XEN_DOMCTL_PFINFO_NOTAB));
		b->iov[3 + b->nr_data++] = (struct iovec){ page, SR_PAGE_SIZE };
		ctx->stats.pages++;
	}
	return b->n == SR_MAX_BATCH ? flush(ctx, b) : 0;
}

static struct batch *batch_new(struct sr_ctx *ctx)
{
	struct batch *b = malloc(sizeof(*b));

	if (!b) {
		sr__fail(ctx, -ENOMEM, "out of memory for a page batch");
		return NULL;
	}
	b->n = b->nr_data = 0;
	return b;
}

/* Sends what is left in b unless err, frees b, returns the first error. */
static int batch_end(struct sr_ctx *ctx, struct batch *b, int err)
{
	if (!err)
		err = flush(ctx, b);
	free(b);
	return err;
}

int sr__send_ranges(struct sr_ctx *ctx, const struct sr_range *r, unsigned nr)
{
	struct batch *b = batch_new(ctx);
	int err = 0;

	if (!b)
		return -ENOMEM;
	for (unsigned i = 0; i < nr && !err; i++)
		for (uint64_t pfn = r[i].first; pfn < r[i].first + r[i].count && !err; pfn++)
			err = add(ctx, b, pfn);
	return batch_end(ctx, b, err);
}

int sr__send_pfnset(struct sr_ctx *ctx, const struct sr_pfnset *set)
{
	struct batch *b = batch_new(ctx);
	int err = 0;

	if (!b)
		return -ENOMEM;
	for (unsigned i = 0; i < set->nr && !err; i++) {
		for (uint64_t w = 0; w < (set->r[i].count + 63) / 64 && !err; w++) {
			uint64_t bits = set->bits[i][w];

			while (bits && !err) {
				unsigned bit = (unsigned)__builtin_ctzll(bits);

				bits &= bits - 1;
				err = add(ctx, b, set->r[i].first + w * 64 + bit);
			}
		}
	}
	return batch_end(ctx, b, err);
}
