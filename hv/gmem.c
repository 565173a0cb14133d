#include "gmem.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

/* Guest-physical frames we accept for added frames: a 40-bit address space. */
#define GPA_LIMIT (1ULL << 40)

/* Words in each of r's bitmaps. */
static size_t nr_words(const struct hv_gmem_region *r)
{
	return (size_t)((r->size >> HV_PAGE_SHIFT) + 63) / 64;
}

/* The bits of bitmap word i that pages [first, last] cover. */
static uint64_t word_mask(uint64_t i, uint64_t first, uint64_t last)
{
	uint64_t lo = i == first / 64 ? first % 64 : 0;
	uint64_t hi = i == last / 64 ? last % 64 : 63;

	return (~0ULL >> (63 - hi)) & (~0ULL << lo);
}

/*
 * Marks the pages of [off, off + n) of r dirty.  Each word is set with a
 * release RMW even if its bits are set already: a collect that takes the
 * bits then sees the write that came before (a plain test could see bits
 * that a concurrent collect is taking, and the write would be lost).
 */
static void mark_dirty(const struct hv_gmem_region *r, uint64_t off, uint64_t n)
{
	uint64_t first = off >> HV_PAGE_SHIFT, last = (off + n - 1) >> HV_PAGE_SHIFT;

	for (uint64_t i = first / 64; i <= last / 64; i++)
		atomic_fetch_or_explicit(&r->dirty[i], word_mask(i, first, last),
					 memory_order_release);
}

/* Adds the pages of [off, off + n) of r to the write-mapped set. */
static void mark_mapped(const struct hv_gmem_region *r, uint64_t off, uint64_t n)
{
	uint64_t first = off >> HV_PAGE_SHIFT, last = (off + n - 1) >> HV_PAGE_SHIFT;

	for (uint64_t i = first / 64; i <= last / 64; i++) {
		uint64_t mask = word_mask(i, first, last);

		/* Never cleared: once the bits are there, a load is all it costs. */
		if ((atomic_load_explicit(&r->wmapped[i], memory_order_relaxed) & mask) != mask)
			atomic_fetch_or_explicit(&r->wmapped[i], mask, memory_order_relaxed);
	}
}

/*
 * Appends a region.  While logging is on (m->lock held), its memslot gets
 * KVM's dirty log and all its pages count as dirty: it is new to whoever
 * copies the domain's memory.
 */
static int add_region(struct hv_gmem *m, uint64_t gpa, uint64_t size, uint8_t *host, bool ram)
{
	unsigned n = atomic_load(&m->nr_regions);
	struct hv_gmem_region *r;
	int err;

	if (n == HV_GMEM_MAX_REGIONS)
		return -ENOSPC;
	r = &m->regions[n];
	*r = (struct hv_gmem_region){ .gpa = gpa, .size = size, .host = host, .ram = ram };
	r->dirty = calloc(2 * nr_words(r), sizeof(*r->dirty));
	if (!r->dirty)
		return -ENOMEM;
	r->wmapped = r->dirty + nr_words(r);
	if (m->region_fn) {
		err = m->region_fn(m->region_opaque, n, r);
		if (err)
			goto err_free;
	}
	if (m->log_fn) {
		/* The memslot exists now: a failure shows at the next harvest. */
		err = m->log_fn(m->log_opaque, n, r, true);
		if (err)
			log_warnx("no dirty log for the frame at 0x%llx: %s",
				  (unsigned long long)gpa, strerror(-err));
		mark_dirty(r, 0, size);
	}
	atomic_store_explicit(&m->nr_regions, n + 1, memory_order_release);
	return 0;

err_free:
	free((void *)r->dirty);
	r->dirty = r->wmapped = NULL;
	return err;
}

int hv_gmem_init(struct hv_gmem *m, uint64_t ram_bytes)
{
	uint64_t low;
	int err;

	memset(m, 0, sizeof(*m));
	m->ram_fd = m->extra_fd = -1;
	if (ram_bytes == 0 || ram_bytes % HV_PAGE_SIZE || ram_bytes > GPA_LIMIT / 2)
		return -EINVAL;
	m->ram_fd = memfd_create("tern-ram", MFD_CLOEXEC);
	if (m->ram_fd < 0)
		return -errno;
	if (ftruncate(m->ram_fd, (off_t)ram_bytes) < 0) {
		err = -errno;
		goto err_close_ram;
	}
	m->ram = mmap(NULL, ram_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
		      m->ram_fd, 0);
	if (m->ram == MAP_FAILED) {
		err = -errno;
		goto err_close_ram;
	}
	m->ram_size = ram_bytes;
	pthread_mutex_init(&m->lock, NULL);

	low = ram_bytes < HV_LOWMEM_LIMIT ? ram_bytes : HV_LOWMEM_LIMIT;
	err = add_region(m, 0, low, m->ram, true);
	if (!err && ram_bytes > low)
		err = add_region(m, HV_HIGHMEM_START, ram_bytes - low, m->ram + low, true);
	if (err) {
		hv_gmem_destroy(m);
		return err;
	}
	return 0;

err_close_ram:
	close(m->ram_fd);
	m->ram_fd = -1;
	return err;
}

void hv_gmem_destroy(struct hv_gmem *m)
{
	unsigned n = atomic_load(&m->nr_regions);

	for (unsigned i = 0; i < n; i++) {
		if (!m->regions[i].ram)
			munmap(m->regions[i].host, m->regions[i].size);
		free((void *)m->regions[i].dirty);
	}
	if (m->ram)
		munmap(m->ram, m->ram_size);
	if (m->ram_fd >= 0)
		close(m->ram_fd);
	if (m->extra_fd >= 0)
		close(m->extra_fd);
	if (m->ram)
		pthread_mutex_destroy(&m->lock);
	memset(m, 0, sizeof(*m));
	m->ram_fd = m->extra_fd = -1;
}

int hv_gmem_set_region_fn(struct hv_gmem *m, hv_gmem_region_fn fn, void *opaque)
{
	unsigned n = atomic_load(&m->nr_regions);
	int err;

	m->region_fn = fn;
	m->region_opaque = opaque;
	for (unsigned i = 0; i < n; i++) {
		err = fn(opaque, i, &m->regions[i]);
		if (err)
			return err;
	}
	return 0;
}

static const struct hv_gmem_region *find(struct hv_gmem *m, uint64_t gpa)
{
	unsigned n = atomic_load_explicit(&m->nr_regions, memory_order_acquire);

	for (unsigned i = 0; i < n; i++) {
		const struct hv_gmem_region *r = &m->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r;
	}
	return NULL;
}

/*
 * After the hypervisor wrote [off, off + n) of r: marks it if logging is on.
 * The compiler may not move the test above the copy; hv_gmem_set_logging
 * supplies the processor's half of the ordering.
 */
static void note_write(struct hv_gmem *m, const struct hv_gmem_region *r, uint64_t off,
		       size_t n)
{
	atomic_signal_fence(memory_order_seq_cst);
	if (n && atomic_load_explicit(&m->logging, memory_order_relaxed))
		mark_dirty(r, off, n);
}

/*
 * Calls fn for each piece of [gpa, gpa + len) within one region, after
 * checking that the whole range is backed; write: fn modifies guest memory.
 */
static int walk(struct hv_gmem *m, uint64_t gpa, size_t len,
		void (*fn)(uint8_t *host, size_t off, size_t n, void *arg), void *arg, bool write)
{
	uint64_t pos;
	size_t done;

	if (gpa + len < gpa)
		return -EFAULT;
	for (pos = gpa; pos < gpa + len;) {
		const struct hv_gmem_region *r = find(m, pos);

		if (!r)
			return -EFAULT;
		pos = r->gpa + r->size;
	}
	for (done = 0; done < len;) {
		const struct hv_gmem_region *r = find(m, gpa + done);
		uint64_t off = gpa + done - r->gpa;
		size_t n = len - done;

		if (n > r->size - off)
			n = (size_t)(r->size - off);
		fn(r->host + off, done, n, arg);
		if (write)
			note_write(m, r, off, n);
		done += n;
	}
	return 0;
}

static void copy_out(uint8_t *host, size_t off, size_t n, void *arg)
{
	memcpy((uint8_t *)arg + off, host, n);
}

static void copy_in(uint8_t *host, size_t off, size_t n, void *arg)
{
	memcpy(host, (const uint8_t *)arg + off, n);
}

static void fill(uint8_t *host, size_t off, size_t n, void *arg)
{
	(void)off;
	memset(host, *(int *)arg, n);
}

int hv_gmem_read(struct hv_gmem *m, uint64_t gpa, void *buf, size_t len)
{
	return walk(m, gpa, len, copy_out, buf, false);
}

int hv_gmem_write(struct hv_gmem *m, uint64_t gpa, const void *buf, size_t len)
{
	return walk(m, gpa, len, copy_in, (void *)buf, true);
}

int hv_gmem_fill(struct hv_gmem *m, uint64_t gpa, int c, size_t len)
{
	return walk(m, gpa, len, fill, &c, true);
}

void *hv_gmem_map(struct hv_gmem *m, uint64_t gpa, size_t len, bool write)
{
	const struct hv_gmem_region *r = find(m, gpa);

	if (!r || len > r->size - (gpa - r->gpa))
		return NULL;
	if (write && len)
		mark_mapped(r, gpa - r->gpa, len);
	return r->host + (gpa - r->gpa);
}

bool hv_gmem_is_backed(struct hv_gmem *m, uint64_t gpa)
{
	return find(m, gpa) != NULL;
}

bool hv_gmem_is_ram(struct hv_gmem *m, uint64_t gpa)
{
	const struct hv_gmem_region *r = find(m, gpa);

	return r && r->ram;
}

uint64_t hv_gmem_ram_end(const struct hv_gmem *m)
{
	if (m->ram_size > HV_LOWMEM_LIMIT)
		return HV_HIGHMEM_START + m->ram_size - HV_LOWMEM_LIMIT;
	return m->ram_size;
}

bool hv_gmem_frame_reserved(uint64_t gfn)
{
	return (gfn >= 0xfec00 && gfn < 0xfed00) || (gfn >= 0xfee00 && gfn < 0xfef00);
}

int hv_gmem_add_frame(struct hv_gmem *m, uint64_t gfn)
{
	uint64_t gpa = gfn << HV_PAGE_SHIFT;
	uint8_t *host;
	int err = 0;

	if (gfn >= GPA_LIMIT >> HV_PAGE_SHIFT || hv_gmem_frame_reserved(gfn))
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	if (find(m, gpa))
		goto out;
	if (m->extra_fd < 0) {
		m->extra_fd = memfd_create("tern-frames", MFD_CLOEXEC);
		if (m->extra_fd < 0) {
			err = -errno;
			goto out;
		}
	}
	if (ftruncate(m->extra_fd, (off_t)((m->extra_pages + 1) * HV_PAGE_SIZE)) < 0) {
		err = -errno;
		goto out;
	}
	host = mmap(NULL, HV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, m->extra_fd,
		    (off_t)(m->extra_pages * HV_PAGE_SIZE));
	if (host == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	err = add_region(m, gpa, HV_PAGE_SIZE, host, false);
	if (err) {
		munmap(host, HV_PAGE_SIZE);
		goto out;
	}
	m->extra_pages++;
	log_debug("backed frame 0x%llx outside RAM", (unsigned long long)gfn);
out:
	pthread_mutex_unlock(&m->lock);
	return err;
}

uint64_t hv_gmem_nr_gfns(struct hv_gmem *m)
{
	unsigned n = atomic_load_explicit(&m->nr_regions, memory_order_acquire);
	uint64_t end = 0;

	for (unsigned i = 0; i < n; i++)
		if ((m->regions[i].gpa + m->regions[i].size) >> HV_PAGE_SHIFT > end)
			end = (m->regions[i].gpa + m->regions[i].size) >> HV_PAGE_SHIFT;
	return end;
}

/*
 * Makes every thread of the process pass a full memory barrier.  With the
 * compiler barrier in note_write, this orders each write in flight before
 * the flag was set either before the caller's later reads of guest memory
 * or before its test of the flag, which then sees it set.
 */
static int fence_writers(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) < 0 ||
	    syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) < 0) {
		int err = -errno;

		log_warn("membarrier");
		return err;
	}
	return 0;
}

/* Calls fn for regions [0, n); a failure turning on undoes the ones done. */
static int log_regions(struct hv_gmem *m, unsigned n, bool on, hv_gmem_log_fn fn, void *opaque)
{
	int err = 0;

	for (unsigned i = 0; i < n; i++) {
		int e = fn(opaque, i, &m->regions[i], on);

		if (e && on) {
			while (i--)
				fn(opaque, i, &m->regions[i], false);
			return e;
		}
		if (e && !err)
			err = e;
	}
	return err;
}

int hv_gmem_set_logging(struct hv_gmem *m, bool on, hv_gmem_log_fn fn, void *opaque)
{
	unsigned n;
	int err;

	pthread_mutex_lock(&m->lock);
	n = atomic_load(&m->nr_regions);
	for (unsigned i = 0; on && i < n; i++)
		for (size_t w = 0; w < nr_words(&m->regions[i]); w++)
			atomic_store_explicit(&m->regions[i].dirty[w], 0, memory_order_relaxed);
	err = log_regions(m, n, on, fn, opaque);
	if (on && err)
		goto out;
	m->log_fn = on ? fn : NULL;
	m->log_opaque = opaque;
	atomic_store(&m->logging, on);
	if (on) {
		err = fence_writers();
		if (err) {
			atomic_store(&m->logging, false);
			m->log_fn = NULL;
			log_regions(m, n, false, fn, opaque);
		}
	}
out:
	pthread_mutex_unlock(&m->lock);
	return err;
}

void hv_gmem_log_collect(struct hv_gmem *m, unsigned index, uint64_t *bits)
{
	const struct hv_gmem_region *r = &m->regions[index];

	for (size_t i = 0; i < nr_words(r); i++) {
		uint64_t w = 0;

		/* A clear word needs no locked exchange. */
		if (atomic_load_explicit(&r->dirty[i], memory_order_relaxed))
			w = atomic_exchange_explicit(&r->dirty[i], 0, memory_order_acquire);
		bits[i] |= w | atomic_load_explicit(&r->wmapped[i], memory_order_relaxed);
	}
}
