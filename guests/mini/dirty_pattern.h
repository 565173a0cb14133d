/*
 * The dirty workload's memory pattern and pass loop, shared by mini's dirty
 * mode (guests/mini/dirty.c, in ring 3) and tern-dirty, the same workload
 * as a static Linux program (guests/linux/dirty.c), so that both write,
 * check and print exactly the same way.  Freestanding: no C library.
 *
 * Pass N first verifies every page of the region as pass N - 1 left it,
 * then rewrites every page for pass N.  A page carries a header (magic,
 * pass, index, checksum of the body) and a body derived from (pass, index),
 * so a page that is stale, swapped with another or zeroed is caught.
 */
#ifndef DIRTY_PATTERN_H
#define DIRTY_PATTERN_H

#include <stdint.h>

#define DIRTY_MAX_EXTENTS 8
#define DIRTY_MAX_MIB (1ULL << 30)

/* A stretch of the region, at an address the job can write. */
struct dirty_extent {
	uint64_t base;
	uint64_t size;
};

/* Filled in by the caller; dirty_run() only reads it. */
struct dirty_job {
	struct dirty_extent ext[DIRTY_MAX_EXTENTS]; /* MiB bytes in all */
	unsigned nr_ext;
	uint64_t mib;
	uint64_t rate;   /* MiB/s; 0: as fast as possible */
	uint64_t tsc_hz; /* paces the writes and the progress lines */
	__attribute__((format(printf, 1, 2))) void (*print)(const char *fmt, ...);
};

/*
 * Runs the workload on job (a struct dirty_job *): prints the line that
 * describes it ("dirty: M MiB of RAM from 0x..."), then passes for ever,
 * with "dirty: pass N verified" for pass 1 and then at most four times a
 * second.  Returns 1 after printing "dirty: CORRUPT page ..." when a page
 * is not as the previous pass left it; it never returns otherwise.  The
 * signature is that of a mini ring-3 job.
 */
uint64_t dirty_run(void *job);

#endif
