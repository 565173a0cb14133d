/*
 * dirty mode: a ring-3 memory workload for live-migration tests.  The
 * pattern and the pass loop are in dirty_pattern.c, which the Linux
 * program tern-dirty (guests/linux/dirty.c) shares; this file finds the
 * memory and runs the loop in ring 3.
 */
#include "console.h"
#include "dirty_pattern.h"
#include "kernel.h"
#include "lib.h"
#include "modes.h"
#include "power.h"
#include "tsc.h"
#include "user.h"

/* Parses "MiB[,rate=MiB/s]", which ends at a space or the end of the string. */
static bool parse_args(const char *s, uint64_t *mib, uint64_t *rate)
{
	if (!parse_u64(&s, mib) || !*mib || *mib > DIRTY_MAX_MIB)
		return false;
	if (starts_with(s, ",rate=")) {
		s += strlen(",rate=");
		if (!parse_u64(&s, rate) || !*rate || *rate > DIRTY_MAX_MIB)
			return false;
	}
	return *s == '\0' || *s == ' ';
}

void dirty_main(struct kernel *k, const char *args)
{
	struct dirty_job j = { .print = kprintf };
	struct extent ext[DIRTY_MAX_EXTENTS];

	if (!parse_args(args, &j.mib, &j.rate)) {
		kprintf("dirty: bad arguments in \"%s\", expected dirty=<MiB>[,rate=<MiB/s>]\n",
			k->cmdline);
		power_crash();
	}
	j.nr_ext = ram_find_free(k, ALIGN_UP(j.mib << 20, LARGE_PAGE_SIZE), ext, DIRTY_MAX_EXTENTS);
	if (!j.nr_ext) {
		kprintf("dirty: not enough free RAM for %lu MiB (the memory map has %lu MiB of RAM)\n",
			j.mib, k->ram_bytes >> 20);
		power_crash();
	}
	for (unsigned i = 0; i < j.nr_ext; i++)
		j.ext[i] = (struct dirty_extent){ ext[i].base, ext[i].size };
	j.tsc_hz = tsc_hz(k);
	user_call(k->bsp, dirty_run, &j);
	power_crash();
}
