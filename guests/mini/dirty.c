/*
 * dirty mode: a ring-3 memory workload for live-migration tests.
 *
 * Pass N first verifies every page of the region as pass N - 1 left it,
 * then rewrites every page for pass N.  A page carries a header (magic,
 * pass, index, checksum of the body) and a body derived from (pass, index),
 * so a page that is stale, swapped with another or zeroed is caught.
 */
#include "console.h"
#include "kernel.h"
#include "lib.h"
#include "modes.h"
#include "power.h"
#include "tsc.h"
#include "user.h"
#include "x86.h"

#define DIRTY_MAGIC 0x7974726964696e6dULL /* "mnidirty" */
#define MAX_EXTENTS 8
#define BODY_WORDS (PAGE_SIZE / 8 - 4)
#define MAX_MIB (1ULL << 30)
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

_Static_assert(sizeof(struct dirty_page) == PAGE_SIZE, "one dirty page per frame");

/* Filled in ring 0, read by the job in ring 3. */
struct dirty_job {
	struct extent ext[MAX_EXTENTS];
	unsigned nr_ext;
	uint64_t pages;
	uint64_t tsc_hz;
	uint64_t ticks_per_page; /* 0: as fast as possible */
};

static volatile struct dirty_page *page_at(const struct dirty_job *j, uint64_t index)
{
	uint64_t offset = index * PAGE_SIZE;
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
static uint64_t verify(const struct dirty_job *j, uint64_t pass)
{
	for (uint64_t i = 0; i < j->pages; i++)
		if (!page_ok(page_at(j, i), pass, i))
			return i;
	return NO_CORRUPTION;
}

/* Waits until the TSC reaches next + one page's worth; returns the new mark. */
static uint64_t pace(const struct dirty_job *j, uint64_t next)
{
	uint64_t now;

	next += j->ticks_per_page;
	while ((now = rdtsc()) < next)
		cpu_relax();
	return now - next > j->tsc_hz / STALL_DIVISOR ? now : next;
}

static void rewrite(const struct dirty_job *j, uint64_t pass)
{
	uint64_t mark = rdtsc();

	for (uint64_t i = 0; i < j->pages; i++) {
		write_page(page_at(j, i), pass, i);
		if (j->ticks_per_page)
			mark = pace(j, mark);
	}
}

/* Ring 3.  Returns only when it finds a corrupt page. */
static uint64_t dirty_run(void *arg)
{
	const struct dirty_job *j = arg;
	uint64_t last_print = 0;

	for (uint64_t pass = 1;; pass++) {
		uint64_t bad = pass > 1 ? verify(j, pass - 1) : NO_CORRUPTION;
		uint64_t now;

		if (bad != NO_CORRUPTION) {
			const volatile struct dirty_page *p = page_at(j, bad);

			kprintf("dirty: CORRUPT page %lu pass %lu (header: magic 0x%lx pass %lu "
				"index %lu)\n", bad, pass, p->magic, p->pass, p->index);
			return 1;
		}
		now = rdtsc();
		if (pass == 1 || now - last_print >= j->tsc_hz / PRINTS_PER_SECOND) {
			kprintf("dirty: pass %lu verified\n", pass);
			last_print = now;
		}
		rewrite(j, pass);
	}
}

/* Parses "MiB[,rate=MiB/s]", which ends at a space or the end of the string. */
static bool parse_args(const char *s, uint64_t *mib, uint64_t *rate)
{
	if (!parse_u64(&s, mib) || !*mib || *mib > MAX_MIB)
		return false;
	if (starts_with(s, ",rate=")) {
		s += strlen(",rate=");
		if (!parse_u64(&s, rate) || !*rate || *rate > MAX_MIB)
			return false;
	}
	return *s == '\0' || *s == ' ';
}

void dirty_main(struct kernel *k, const char *args)
{
	struct dirty_job j = { 0 };
	uint64_t mib, rate = 0;

	if (!parse_args(args, &mib, &rate)) {
		kprintf("dirty: bad arguments in \"%s\", expected dirty=<MiB>[,rate=<MiB/s>]\n",
			k->cmdline);
		power_crash();
	}
	j.nr_ext = ram_find_free(k, ALIGN_UP(mib << 20, LARGE_PAGE_SIZE), j.ext, MAX_EXTENTS);
	if (!j.nr_ext) {
		kprintf("dirty: not enough free RAM for %lu MiB (the memory map has %lu MiB of RAM)\n",
			mib, k->ram_bytes >> 20);
		power_crash();
	}
	j.pages = (mib << 20) / PAGE_SIZE;
	j.tsc_hz = tsc_hz(k);
	j.ticks_per_page = rate ? j.tsc_hz * PAGE_SIZE / (rate << 20) : 0;
	kprintf("dirty: %lu MiB of RAM from 0x%lx (%u extent%s), rate %lu MiB/s (0: unpaced), "
		"TSC %lu Hz\n", mib, j.ext[0].base, j.nr_ext, j.nr_ext > 1 ? "s" : "", rate, j.tsc_hz);
	user_call(k->bsp, dirty_run, &j);
	power_crash();
}
