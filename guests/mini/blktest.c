/*
 * blktest mode: writes a pattern over the whole of the first virtual block
 * device, flushes, reads it all back and verifies it, prints the
 * throughput of both passes and "blktest: N MiB verified" as its last
 * line, and powers off.  Any error prints a "blktest: FAIL" line and
 * crashes the domain.  The passes run in ring 3 (full speed on kvm_pvm
 * hosts), with up to BLK_SLOTS requests of BLK_MAX_SECTORS in flight.
 *
 * The pattern, which tests/kvm/blk.sh also checks from the host: every
 * 512-byte sector s (counted from 0 at the start of the disk) holds 64
 * little-endian 64-bit words w[0..63]:
 *   w[0]  = 0x314b4c424e524554 (the bytes "TERNBLK1")
 *   w[1]  = s
 *   w[2]  = the run's seed (the TSC at the start; printed as "blktest: seed 0x...")
 *   w[i]  = (seed XOR s * 0x9e3779b97f4a7c15) + i * 0xbf58476d1ce4e5b9, for 3 <= i <= 62
 *   w[63] = w[0] + w[1] + ... + w[62]
 * all arithmetic modulo 2^64.
 */
#include "blkfront.h"
#include "console.h"
#include "kernel.h"
#include "lib.h"
#include "modes.h"
#include "power.h"
#include "pv.h"
#include "pvclock.h"
#include "tsc.h"
#include "user.h"
#include "x86.h"

#define BLK_MAGIC 0x314b4c424e524554ULL
#define MUL_SECTOR 0x9e3779b97f4a7c15ULL
#define MUL_WORD 0xbf58476d1ce4e5b9ULL
#define WORDS (BLK_SECTOR / 8)
#define COMPLETE_WAIT_NS 30000000000ULL

struct blk_job {
	struct blkfront *b;
	uint64_t seed;
	uint64_t hz;
	uint64_t write_ticks, read_ticks;
	bool failed;
};

static uint64_t word(uint64_t seed, uint64_t s, unsigned i)
{
	switch (i) {
	case 0:
		return BLK_MAGIC;
	case 1:
		return s;
	case 2:
		return seed;
	default:
		return (seed ^ (s * MUL_SECTOR)) + i * MUL_WORD;
	}
}

static void fill_sector(uint64_t *w, uint64_t seed, uint64_t s)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < WORDS - 1; i++)
		sum += w[i] = word(seed, s, i);
	w[WORDS - 1] = sum;
}

/* Returns the first wrong word of the sector, or WORDS if it is right. */
static unsigned check_sector(const uint64_t *w, uint64_t seed, uint64_t s)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < WORDS - 1; i++) {
		if (w[i] != word(seed, s, i))
			return i;
		sum += w[i];
	}
	return w[WORDS - 1] == sum ? WORDS : WORDS - 1;
}

static uint64_t *sector_in_slot(struct blk_slot *sl, unsigned k)
{
	return (uint64_t *)(void *)(sl->pages[k / BLK_SECTORS_PER_PAGE] +
				    k % BLK_SECTORS_PER_PAGE * BLK_SECTOR);
}

/* blk_complete callback: checks the status and, for reads, the data. */
static void done(struct blkfront *b, unsigned slot, int16_t status, void *arg)
{
	struct blk_job *j = arg;
	struct blk_slot *sl;

	if (slot >= BLK_SLOTS || status != BLKIF_RSP_OKAY) {
		kprintf("blktest: FAIL request in slot %u (sector %lu) ended with status %d\n",
			slot, slot < BLK_SLOTS ? b->slots[slot].sector : 0, status);
		j->failed = true;
		return;
	}
	sl = &b->slots[slot];
	if (sl->op != BLKIF_OP_READ)
		return;
	for (unsigned k = 0; k < sl->count && !j->failed; k++) {
		const uint64_t *w = sector_in_slot(sl, k);
		uint64_t s = sl->sector + k;
		unsigned bad = check_sector(w, j->seed, s);

		if (bad == WORDS)
			continue;
		kprintf("blktest: FAIL sector %lu word %u is 0x%lx (sector says it is %lu, seed "
			"0x%lx)\n", s, bad, w[bad], w[1], w[2]);
		j->failed = true;
	}
}

/* Queues requests for sectors from *next on while slots are free. */
static void queue_more(struct blk_job *j, uint8_t op, uint64_t *next)
{
	struct blkfront *b = j->b;

	while (*next < b->sectors) {
		unsigned count = (unsigned)MIN(BLK_MAX_SECTORS, b->sectors - *next);
		int s = blk_queue(b, op, *next, count);

		if (s < 0)
			break;
		for (unsigned k = 0; op == BLKIF_OP_WRITE && k < count; k++)
			fill_sector(sector_in_slot(&b->slots[s], k), j->seed, *next + k);
		*next += count;
	}
	blk_push(b);
}

/* One pass over the disk; returns false (having said why) on failure. */
static bool pass(struct blk_job *j, uint8_t op)
{
	struct blkfront *b = j->b;
	uint64_t next = 0;
	long rc;

	while (!j->failed && (next < b->sectors || b->in_flight)) {
		queue_more(j, op, &next);
		rc = blk_complete(b, xen_time_ns() + COMPLETE_WAIT_NS, done, j);
		if (rc < 0) {
			kprintf("blktest: FAIL no response from the backend (%ld, %u in flight)\n",
				rc, b->in_flight);
			return false;
		}
	}
	return !j->failed;
}

static bool flush(struct blk_job *j)
{
	int slot;
	long rc;

	if (!j->b->flush) {
		kprintf("blktest: the backend offers no feature-flush-cache: not flushing\n");
		return true;
	}
	rc = blk_sync(j->b, BLKIF_OP_FLUSH_DISKCACHE, 0, 0, &slot);
	if (rc != BLKIF_RSP_OKAY)
		kprintf("blktest: FAIL flush: %ld\n", rc);
	return rc == BLKIF_RSP_OKAY;
}

/*
 * Ring 3: writes and flushes (timed together), then reads and verifies
 * (timed).  Returns 0 on success.
 */
static uint64_t run(void *arg)
{
	struct blk_job *j = arg;
	uint64_t start = rdtsc();

	if (!pass(j, BLKIF_OP_WRITE) || !flush(j))
		return 1;
	j->write_ticks = rdtsc() - start;
	start = rdtsc();
	if (!pass(j, BLKIF_OP_READ))
		return 1;
	j->read_ticks = rdtsc() - start;
	return 0;
}

/* Tenths of MiB/s for bytes moved in ticks. */
static uint64_t rate(uint64_t bytes, uint64_t ticks, uint64_t hz)
{
	return ticks ? (bytes >> 10) * 10 * hz / ticks >> 10 : 0;
}

__attribute__((noreturn)) static void fail(const char *why, long rc)
{
	kprintf("blktest: FAIL %s (%ld)\n", why, rc);
	power_crash();
}

void blktest_main(struct kernel *k, const char *args)
{
	struct blk_job j = { .seed = rdtsc(), .hz = tsc_hz(k) };
	uint64_t bytes, w, r;
	long rc;

	(void)args;
	pv_init(k);
	rc = blk_connect(&j.b);
	if (rc)
		fail(rc == -XEN_ENOENT ? "no virtual block device" : "connecting", rc);
	if (j.b->info & VDISK_READONLY)
		fail("the disk is read-only", 0);
	if (!j.b->sectors)
		fail("the disk is empty", 0);
	bytes = j.b->sectors * BLK_SECTOR;
	kprintf("blktest: %s, %lu sectors of 512 bytes (sector-size %u), seed 0x%lx\n",
		j.b->xb.back, j.b->sectors, j.b->sector_size, j.seed);
	if (user_call(k->bsp, run, &j))
		fail("see above", 0);
	w = rate(bytes, j.write_ticks, j.hz);
	r = rate(bytes, j.read_ticks, j.hz);
	kprintf("blktest: write %lu.%lu MiB/s, read %lu.%lu MiB/s\n", w / 10, w % 10, r / 10,
		r % 10);
	rc = blk_disconnect(j.b);
	if (rc || j.b->grants_kept)
		fail("disconnecting (or grants kept by the backend)", rc);
	kprintf("blktest: %lu MiB verified\n", bytes >> 20);
	power_off();
}
