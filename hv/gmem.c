#include "gmem.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"

/* Guest-physical frames we accept for added frames: a 40-bit address space. */
#define GPA_LIMIT (1ULL << 40)

static int add_region(struct hv_gmem *m, uint64_t gpa, uint64_t size, uint8_t *host, bool ram)
{
	unsigned n = atomic_load(&m->nr_regions);
	struct hv_gmem_region *r;
	int err;

	if (n == HV_GMEM_MAX_REGIONS)
		return -ENOSPC;
	r = &m->regions[n];
	r->gpa = gpa;
	r->size = size;
	r->host = host;
	r->ram = ram;
	if (m->region_fn) {
		err = m->region_fn(m->region_opaque, n, r);
		if (err)
			return err;
	}
	atomic_store_explicit(&m->nr_regions, n + 1, memory_order_release);
	return 0;
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
	add_region(m, 0, low, m->ram, true);
	if (ram_bytes > low)
		add_region(m, HV_HIGHMEM_START, ram_bytes - low, m->ram + low, true);
	return 0;

err_close_ram:
	close(m->ram_fd);
	m->ram_fd = -1;
	return err;
}

void hv_gmem_destroy(struct hv_gmem *m)
{
	unsigned n = atomic_load(&m->nr_regions);

	for (unsigned i = 0; i < n; i++)
		if (!m->regions[i].ram)
			munmap(m->regions[i].host, m->regions[i].size);
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
 * Calls fn for each piece of [gpa, gpa + len) within one region, after
 * checking that the whole range is backed.
 */
static int walk(struct hv_gmem *m, uint64_t gpa, size_t len,
		void (*fn)(uint8_t *host, size_t off, size_t n, void *arg), void *arg)
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
	return walk(m, gpa, len, copy_out, buf);
}

int hv_gmem_write(struct hv_gmem *m, uint64_t gpa, const void *buf, size_t len)
{
	return walk(m, gpa, len, copy_in, (void *)buf);
}

int hv_gmem_fill(struct hv_gmem *m, uint64_t gpa, int c, size_t len)
{
	return walk(m, gpa, len, fill, &c);
}

void *hv_gmem_map(struct hv_gmem *m, uint64_t gpa, size_t len, bool write)
{
	const struct hv_gmem_region *r = find(m, gpa);

	(void)write;
	if (!r || len > r->size - (gpa - r->gpa))
		return NULL;
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

int hv_gmem_add_frame(struct hv_gmem *m, uint64_t gfn)
{
	uint64_t gpa = gfn << HV_PAGE_SHIFT;
	uint8_t *host;
	int err = 0;

	if (gfn >= GPA_LIMIT >> HV_PAGE_SHIFT)
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
