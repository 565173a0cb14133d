/*
 * Restore of PAGE_DATA records: every pfn entry is checked (reserved bits,
 * type, within the domain's frames) and the record's length matched
 * against them before a byte goes into guest memory; then the pages are
 * read straight into the frames.
 */
#define __XEN_TOOLS__ 1

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/domctl.h>

#include "sr_int.h"

#define TYPE_OF(t) ((uint32_t)(t) >> XEN_DOMCTL_PFINFO_LTAB_SHIFT)

/* Checks entry i; says whether it carries data.  0 or -EINVAL/-ENOTSUP. */
static int check_pfn(struct sr_ctx *ctx, struct sr_pfnset *populated, unsigned i, uint64_t e, bool *data)
{
	uint64_t pfn = e & SR_PFN_MASK;
	unsigned type = (unsigned)(e >> SR_PFN_TYPE_SHIFT), ri;
	uint64_t bit;

	if (e & SR_PFN_RESERVED_MASK)
		return sr__fail(ctx, -EINVAL, "reserved bits set in pfn entry %u", i);
	if (type == TYPE_OF(XEN_DOMCTL_PFINFO_NOTAB)) {
		*data = true;
	} else if (type == TYPE_OF(XEN_DOMCTL_PFINFO_XALLOC)) {
		*data = false;
	} else if (type >= 5 && type <= 8) { /* between L4TAB and the pinned types */
		return sr__fail(ctx, -EINVAL, "reserved page type %u in pfn entry %u", type, i);
	} else {
		/* Page tables, broken and invalid frames: not in a Tern HVM stream. */
		return sr__fail(ctx, -ENOTSUP, "page type %u (pfn entry %u) is not supported", type, i);
	}
	if (!sr__pfnset_find(populated, pfn, &ri, &bit))
		return sr__fail(ctx, -EINVAL, "pfn 0x%llx (entry %u) is outside the domain's memory",
				(unsigned long long)pfn, i);
	return 0;
}

static int map(struct sr_ctx *ctx, uint64_t pfn, void **page)
{
	int err = ctx->ops->frame_map(ctx->dom, pfn, page);

	if (err)
		return sr__fail(ctx, err, "cannot map frame 0x%llx: %s", (unsigned long long)pfn, strerror(-err));
	return 0;
}

/* Fills (or zeroes) one frame. */
static int restore_one(struct sr_ctx *ctx, struct sr_pfnset *populated, uint64_t pfn, bool data)
{
	unsigned ri;
	uint64_t bit;
	bool was;
	void *page;
	int err;

	sr__pfnset_find(populated, pfn, &ri, &bit);
	was = populated->bits[ri][bit / 64] >> (bit % 64) & 1;
	if (!data)
		ctx->stats.zero_pages++;
	else
		ctx->stats.pages++;
	if (!data && !was)
		return 0; /* a frame never filled is zero already */
	err = map(ctx, pfn, &page);
	if (err)
		return err;
	if (!data) {
		memset(page, 0, SR_PAGE_SIZE);
		return 0;
	}
	populated->bits[ri][bit / 64] |= 1ULL << (bit % 64);
	return sr__read(ctx, page, SR_PAGE_SIZE);
}

int sr__restore_pages(struct sr_ctx *ctx, struct sr_pfnset *populated, uint32_t len)
{
	uint64_t pfns[SR_MAX_BATCH];
	struct sr_page_data_hdr h;
	uint32_t count, nr_data = 0;
	bool data[SR_MAX_BATCH];
	int err;

	if (len < sizeof(h))
		return sr__fail(ctx, -EINVAL, "length %u is too short", len);
	err = sr__read(ctx, &h, sizeof(h));
	if (err)
		return err;
	count = le32toh(h.count);
	if (count == 0 || count > SR_MAX_BATCH || h.reserved)
		return sr__fail(ctx, -EINVAL, "bad header (%u pfns, reserved 0x%x)", count, le32toh(h.reserved));
	if ((len - sizeof(h)) / 8 < count)
		return sr__fail(ctx, -EINVAL, "length %u cannot hold %u pfns", len, count);
	err = sr__read(ctx, pfns, count * sizeof(pfns[0]));
	for (uint32_t i = 0; i < count && !err; i++) {
		pfns[i] = le64toh(pfns[i]);
		err = check_pfn(ctx, populated, i, pfns[i], &data[i]);
		nr_data += !err && data[i];
	}
	if (err)
		return err;
	if (len != sizeof(h) + (uint64_t)count * 8 + (uint64_t)nr_data * SR_PAGE_SIZE)
		return sr__fail(ctx, -EINVAL, "length %u does not match %u pfns with %u pages of data", len,
				count, nr_data);
	for (uint32_t i = 0; i < count && !err; i++)
		err = restore_one(ctx, populated, pfns[i] & SR_PFN_MASK, data[i]);
	return err;
}
