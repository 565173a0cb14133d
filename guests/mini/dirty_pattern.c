/*
 * The dirty workload's pattern and pass loop (dirty_pattern.h).  The TSC
 * is read with the compiler's builtins, which need no header from either
 * mini or a C library.
 */
#include "dirty_pattern.h"

#include <stdbool.h>

#define DIRTY_MAGIC 0x7974726964696e6dULL /* "mnidirty" */
#define DIRTY_PAGE_SIZE 4096
#define BODY_WORDS (DIRTY_PAGE_SIZE / 8 - 4)
#define PRINTS_PER_SECOND 4
#define STALL_DIVISOR 10 /* after a stall of 1/10 s, pacing starts afresh */
#define NO_CORRUPTION UINT64_MAX

struct dirty_page {
	uint64_t magic;
	uint64_t pass;
	uint64_t index;
	uint64_t checksum;
	uint64_t body[BODY_WORDS];
};

_Static_assert(sizeof(struct dirty_page) == DIRTY_PAGE_SIZE, "one dirty page per frame");

/* The job and what dirty_run() derives from it. */
struct run {
	const struct dirty_job *j;
	uint64_t pages;
	uint64_t ticks_per_page; /* 0: as fast as possible */
};

static volatile struct dirty_page *page_at(const struct dirty_job *j, uint64_t index)
{
	uint64_t offset = index * DIRTY_PAGE_SIZE;
	unsigned i = 0;

	while (offset >= j->ext[i].size)
		offset -= j->ext[i++].size;
	return (volatile struct dirty_page *)(uintptr_t)(j->ext[i].base + offset);
}

static uint64_t page_seed(uint64_t pass, uint64_t index)
{
	uint64_t z = pass * 0x9e3779b97f4a7c15ULL + index;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t body_word(uint64_t seed, unsigned i)
{
	return seed ^ (i * 0xd6e8feb86659fd93ULL);
}

static uint64_t mix(uint64_t sum, uint64_t w)
{
	return ((sum << 5) | (sum >> 59)) ^ w;
}

static void write_page(volatile struct dirty_page *p, uint64_t pass, uint64_t index)
{
	uint64_t seed = page_seed(pass, index), sum = 0;

	for (unsigned i = 0; i < BODY_WORDS; i++) {
		uint64_t w = body_word(seed, i);

		p->body[i] = w;
		sum = mix(sum, w);
	}
	p->magic = DIRTY_MAGIC;
	p->pass = pass;
	p->index = index;
	p->checksum = sum;
}

static bool page_ok(const volatile struct dirty_page *p, uint64_t pass, uint64_t index)
{
	uint64_t seed = page_seed(pass, index), sum = 0, diff = 0;

	if (p->magic != DIRTY_MAGIC || p->pass != pass || p->index != index)
		return false;
	for (unsigned i = 0; i < BODY_WORDS; i++) {
		uint64_t w = p->body[i];

		diff |= w ^ body_word(seed, i);
		sum = mix(sum, w);
	}
	return diff == 0 && sum == p->checksum;
}

/* Returns the first page not as pass left it, or NO_CORRUPTION. */
static uint64_t verify(const struct run *r, uint64_t pass)
{
	for (uint64_t i = 0; i < r->pages; i++)
		if (!page_ok(page_at(r->j, i), pass, i))
			return i;
	return NO_CORRUPTION;
}

/* Waits until the TSC reaches next + one page's worth; returns the new mark. */
static uint64_t pace(const struct run *r, uint64_t next)
{
	uint64_t now;

	next += r->ticks_per_page;
	while ((now = __builtin_ia32_rdtsc()) < next)
		__builtin_ia32_pause();
	return now - next > r->j->tsc_hz / STALL_DIVISOR ? now : next;
}

static void rewrite(const struct run *r, uint64_t pass)
{
	uint64_t mark = __builtin_ia32_rdtsc();

	for (uint64_t i = 0; i < r->pages; i++) {
		write_page(page_at(r->j, i), pass, i);
		if (r->ticks_per_page)
			mark = pace(r, mark);
	}
}

uint64_t dirty_run(void *job)
{
	const struct dirty_job *j = job;
	struct run r = {
		.j = j,
		.pages = (j->mib << 20) / DIRTY_PAGE_SIZE,
		.ticks_per_page = j->rate ? j->tsc_hz * DIRTY_PAGE_SIZE / (j->rate << 20) : 0,
	};
	uint64_t last_print = 0;

	j->print("dirty: %lu MiB of RAM from 0x%lx (%u extent%s), rate %lu MiB/s (0: unpaced), "
		 "TSC %lu Hz\n", j->mib, j->ext[0].base, j->nr_ext, j->nr_ext > 1 ? "s" : "",
		 j->rate, j->tsc_hz);
	for (uint64_t pass = 1;; pass++) {
		uint64_t bad = pass > 1 ? verify(&r, pass - 1) : NO_CORRUPTION;
		uint64_t now;

		if (bad != NO_CORRUPTION) {
			const volatile struct dirty_page *p = page_at(j, bad);

			j->print("dirty: CORRUPT page %lu pass %lu (header: magic 0x%lx pass %lu "
				 "index %lu)\n", bad, pass, p->magic, p->pass, p->index);
			return 1;
		}
		now = __builtin_ia32_rdtsc();
		if (pass == 1 || now - last_print >= j->tsc_hz / PRINTS_PER_SECOND) {
			j->print("dirty: pass %lu verified\n", pass);
			last_print = now;
		}
		rewrite(&r, pass);
	}
}
