/*
 * tern-dirty: mini's dirty workload as a static Linux program, so that a
 * Linux guest is checked after save, restore and migration the way mini
 * is.  The pattern, the pacing and every output line are mini's: both run
 * guests/mini/dirty_pattern.c.
 *
 *   tern-dirty MiB[,rate=MiB/s]     (mini's syntax; a leading "dirty=" is
 *                                    accepted, so mini's argument works)
 *
 * It exits with status 1 after a "dirty: CORRUPT page ..." line (where
 * mini crashes the domain) and 2 on bad arguments; otherwise it runs until
 * killed.
 *
 * Time is the TSC, read in ring 3 as mini does: on the development
 * machines every system call runs the guest kernel's ring-0 code through
 * KVM's instruction emulator, so pacing through clock_gettime() would cost
 * far more than the writes it paces.  The TSC frequency comes from CPUID
 * leaf 0x15, which tern-hv fills in, else from a short measurement against
 * CLOCK_MONOTONIC.
 */
#include <cpuid.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <time.h>

#include "dirty_pattern.h"

#define LARGE_PAGE_SIZE (2ULL << 20)
#define TSC_LEAF 0x15
#define CALIBRATE_NS 100000000L /* 100 ms */
#define NS_PER_S 1000000000LL

static bool parse_number(const char **s, uint64_t *v)
{
	char *end;

	if (**s < '0' || **s > '9')
		return false;
	errno = 0;
	*v = strtoull(*s, &end, 10);
	*s = end;
	return errno == 0 && *v && *v <= DIRTY_MAX_MIB;
}

/* Parses "[dirty=]MiB[,rate=MiB/s]". */
static bool parse_args(const char *s, uint64_t *mib, uint64_t *rate)
{
	if (!strncmp(s, "dirty=", strlen("dirty=")))
		s += strlen("dirty=");
	if (!parse_number(&s, mib))
		return false;
	if (!strncmp(s, ",rate=", strlen(",rate="))) {
		s += strlen(",rate=");
		if (!parse_number(&s, rate))
			return false;
	}
	return *s == '\0';
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static uint64_t tsc_hz(void)
{
	unsigned eax, ebx, ecx, edx;
	struct timespec nap = { 0, CALIBRATE_NS };
	uint64_t c0, c1;
	int64_t t0, t1;

	if (__get_cpuid_max(0, NULL) >= TSC_LEAF) {
		__cpuid_count(TSC_LEAF, 0, eax, ebx, ecx, edx);
		if (eax && ebx && ecx)
			return (uint64_t)ecx * ebx / eax;
	}
	t0 = monotonic_ns();
	c0 = __builtin_ia32_rdtsc();
	nanosleep(&nap, NULL);
	t1 = monotonic_ns();
	c1 = __builtin_ia32_rdtsc();
	return (uint64_t)((double)(c1 - c0) * NS_PER_S / (double)(t1 - t0));
}

/*
 * Maps bytes of anonymous memory aligned to a large page, as mini's region
 * is, so that the kernel's transparent huge pages take one fault per 2 MiB
 * instead of 512 (each fault is emulated ring-0 code here).  Returns the
 * address, or 0.
 */
static uint64_t map_region(uint64_t bytes)
{
	uint64_t span = bytes + LARGE_PAGE_SIZE;
	char *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t start, end;

	if (raw == MAP_FAILED)
		return 0;
	start = ((uint64_t)(uintptr_t)raw + LARGE_PAGE_SIZE - 1) & ~(LARGE_PAGE_SIZE - 1);
	end = start + bytes;
	if (start > (uintptr_t)raw)
		munmap(raw, start - (uintptr_t)raw);
	if ((uintptr_t)raw + span > end)
		munmap((void *)(uintptr_t)end, (uintptr_t)raw + span - end);
	madvise((void *)(uintptr_t)start, bytes, MADV_HUGEPAGE);
	return start;
}

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

int main(int argc, char **argv)
{
	struct dirty_job j = { .nr_ext = 1, .print = say };
	struct sysinfo si;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2 || !parse_args(argv[1], &j.mib, &j.rate)) {
		say("dirty: bad arguments in \"%s\", expected dirty=<MiB>[,rate=<MiB/s>]\n",
		    argc > 1 ? argv[1] : "");
		return 2;
	}
	j.ext[0].size = j.mib << 20;
	j.ext[0].base = map_region(j.ext[0].size);
	if (!j.ext[0].base) {
		sysinfo(&si);
		say("dirty: not enough free RAM for %" PRIu64 " MiB (the memory map has %" PRIu64
		    " MiB of RAM)\n", j.mib, (uint64_t)si.totalram * si.mem_unit >> 20);
		return 1;
	}
	j.tsc_hz = tsc_hz();
	return (int)dirty_run(&j);
}
