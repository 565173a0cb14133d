/*
 * Sets of guest frames over a domain's frame ranges, one bitmap per range:
 * the dirty set of a live save, and the frames a restore has filled.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sr_int.h"

static uint64_t words(uint64_t nr_bits)
{
	return (nr_bits + 63) / 64;
}

int sr__pfnset_init(struct sr_pfnset *s, const struct sr_range *r, unsigned nr)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < nr; i++) {
		s->bits[i] = calloc(words(r[i].count), sizeof(uint64_t));
		if (!s->bits[i]) {
			sr__pfnset_destroy(s);
			return -ENOMEM;
		}
		s->r[i] = r[i];
		s->nr = i + 1;
	}
	return 0;
}

void sr__pfnset_destroy(struct sr_pfnset *s)
{
	for (unsigned i = 0; i < s->nr; i++)
		free(s->bits[i]);
	s->nr = 0;
}

bool sr__pfnset_find(const struct sr_pfnset *s, uint64_t pfn, unsigned *ri, uint64_t *bit)
{
	unsigned lo = 0, hi = s->nr;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (pfn < s->r[mid].first) {
			hi = mid;
		} else if (pfn - s->r[mid].first >= s->r[mid].count) {
			lo = mid + 1;
		} else {
			*ri = mid;
			*bit = pfn - s->r[mid].first;
			return true;
		}
	}
	return false;
}

/* ORs bits [soff, soff + n) of src into dst from bit doff, skipping empty words. */
static void or_bits(uint64_t *dst, uint64_t doff, const uint64_t *src, uint64_t soff, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t b = soff + i, d = doff + i;

		if (src[b / 64] == 0) {
			i += 63 - b % 64;
			continue;
		}
		if (src[b / 64] >> (b % 64) & 1)
			dst[d / 64] |= 1ULL << (d % 64);
	}
}

void sr__pfnset_merge(struct sr_pfnset *s, uint64_t first, const uint64_t *bits, uint64_t nr_bits)
{
	for (unsigned i = 0; i < s->nr; i++) {
		uint64_t end = s->r[i].first + s->r[i].count;
		uint64_t lo = s->r[i].first > first ? s->r[i].first : first;
		uint64_t hi = first + nr_bits < end ? first + nr_bits : end;
		uint64_t n = hi - lo;

		if (lo >= hi)
			continue;
		if (s->r[i].first != first) {
			or_bits(s->bits[i], lo - s->r[i].first, bits, lo - first, n);
			continue;
		}
		/* The piece starts where the range does: whole words. */
		for (uint64_t w = 0; w < n / 64; w++)
			s->bits[i][w] |= bits[w];
		or_bits(s->bits[i], n & ~63ULL, bits, n & ~63ULL, n % 64);
	}
}

uint64_t sr__pfnset_count(const struct sr_pfnset *s)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < s->nr; i++)
		for (uint64_t w = 0; w < words(s->r[i].count); w++)
			n += (uint64_t)__builtin_popcountll(s->bits[i][w]);
	return n;
}

void sr__pfnset_clear(struct sr_pfnset *s)
{
	for (unsigned i = 0; i < s->nr; i++)
		memset(s->bits[i], 0, words(s->r[i].count) * sizeof(uint64_t));
}
