#include "sr_domain_ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "device_state.h"

#define PAGE 4096u
/* Restore: frames above RAM (and 4 GiB) that may be backed on demand. */
#define HOLE_WINDOW_FRAMES ((64ULL << 30) / PAGE)

/*
 * The parts of tern-hv's platform and time sub-records (docs/stream-format.md,
 * "EMULATOR_CONTEXT sub-records") that X86_TSC_INFO and HVM_PARAMS repeat.
 */
struct platform_head {
	uint64_t shared_info_gpa;
	uint32_t nr_params; /* then a platform_param each */
	uint32_t nr_memmap;
	uint32_t nr_frames;
	uint32_t nr_vcpus;
};
_Static_assert(sizeof(struct platform_head) == 24, "platform sub-record header");

struct platform_param {
	uint32_t index;
	uint32_t pad;
	uint64_t value;
};
_Static_assert(sizeof(struct platform_param) == 16, "platform sub-record parameter");

struct time_head {
	uint64_t system_ns;
	uint32_t tsc_khz;
	uint32_t nr_vcpus;
};
_Static_assert(sizeof(struct time_head) == 16, "time sub-record header");

void sr_ctl_domain_init(struct sr_ctl_domain *d, struct hv_ctl_client *c)
{
	memset(d, 0, sizeof(*d));
	d->c = c;
	d->dirty_fd = -1;
}

/* The body of blob's sub-record id, or NULL. */
static const uint8_t *find_sub(const uint8_t *blob, size_t len, uint32_t id, size_t *body_len)
{
	size_t off = 0;

	while (len - off >= sizeof(struct hv_state_record)) {
		struct hv_state_record r;
		size_t padded;

		memcpy(&r, blob + off, sizeof(r));
		padded = ((size_t)r.len + 7) & ~(size_t)7;
		if (padded > len - off - sizeof(r))
			return NULL;
		if (r.id == id) {
			*body_len = r.len;
			return blob + off + sizeof(r);
		}
		off += sizeof(r) + padded;
	}
	return NULL;
}

static int blob_params(const uint8_t *blob, size_t len, struct sr_param *p, unsigned *nr)
{
	struct platform_head h;
	size_t body_len;
	const uint8_t *body = find_sub(blob, len, HV_STATE_PLATFORM, &body_len);

	if (!body || body_len < sizeof(h))
		return -EINVAL;
	memcpy(&h, body, sizeof(h));
	if (h.nr_params > SR_MAX_PARAMS || body_len - sizeof(h) < h.nr_params * sizeof(struct platform_param))
		return -EINVAL;
	for (uint32_t i = 0; i < h.nr_params; i++) {
		struct platform_param w;

		memcpy(&w, body + sizeof(h) + i * sizeof(w), sizeof(w));
		p[i] = (struct sr_param){ w.index, w.value };
	}
	*nr = h.nr_params;
	return 0;
}

static int blob_tsc(const uint8_t *blob, size_t len, struct sr_tsc *t)
{
	struct time_head h;
	size_t body_len;
	const uint8_t *body = find_sub(blob, len, HV_STATE_TIME, &body_len);

	if (!body || body_len < sizeof(h))
		return -EINVAL;
	memcpy(&h, body, sizeof(h));
	*t = (struct sr_tsc){ .mode = 0, .khz = h.tsc_khz, .nsec = h.system_ns };
	return 0;
}

/* (Re)maps guest memory: after frames were added, the memfds changed. */
static int remap(struct sr_ctl_domain *d)
{
	int err;

	if (d->mapped)
		hv_ctl_guest_unmap(&d->mem);
	d->mapped = false;
	err = hv_ctl_guest_map(d->c, &d->mem);
	d->mapped = !err;
	return err;
}

static int cmp_range(const void *a, const void *b)
{
	const struct sr_range *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* Save: every backed frame, regions sorted and adjacent ones merged. */
static void save_ranges(const struct sr_ctl_domain *d, struct sr_domain_info *out)
{
	struct sr_range r[HV_CTL_MAX_REGIONS];
	unsigned n = d->mem.map.nr_regions;

	for (unsigned i = 0; i < n; i++)
		r[i] = (struct sr_range){ d->mem.map.regions[i].gpa / PAGE, d->mem.map.regions[i].size / PAGE };
	qsort(r, n, sizeof(r[0]), cmp_range);
	out->nr_ranges = 0;
	for (unsigned i = 0; i < n; i++) {
		struct sr_range *last = out->nr_ranges ? &out->ranges[out->nr_ranges - 1] : NULL;

		if (last && last->first + last->count == r[i].first)
			last->count += r[i].count;
		else
			out->ranges[out->nr_ranges++] = r[i];
	}
}

/* Restore: RAM, the holes below it, and a window above it and 4 GiB. */
static void restore_ranges(const struct sr_ctl_domain *d, struct sr_domain_info *out)
{
	uint64_t top = 1ULL << 20; /* 4 GiB in frames */

	for (unsigned i = 0; i < d->mem.map.nr_regions; i++) {
		uint64_t end = (d->mem.map.regions[i].gpa + d->mem.map.regions[i].size) / PAGE;

		top = end > top ? end : top;
	}
	out->nr_ranges = 1;
	out->ranges[0] = (struct sr_range){ 0, top + HOLE_WINDOW_FRAMES };
}

static int info(void *dom, struct sr_domain_info *out)
{
	struct sr_ctl_domain *d = dom;
	struct hv_ctl_info i;
	int err = hv_ctl_info(d->c, &i);

	if (!err)
		err = remap(d);
	if (err)
		return err;
	d->incoming = i.flags & HV_CTL_INFO_INCOMING;
	out->nr_vcpus = i.nr_vcpus;
	if (d->incoming)
		restore_ranges(d, out);
	else
		save_ranges(d, out);
	return 0;
}

static int frame_map(void *dom, uint64_t pfn, void **page)
{
	struct sr_ctl_domain *d = dom;
	int err;

	*page = hv_ctl_guest_ptr(&d->mem, pfn * PAGE, PAGE);
	if (*page || !d->incoming)
		return *page ? 0 : -EFAULT;
	/* A frame the saved domain had backed in a hole. */
	err = hv_ctl_populate(d->c, &pfn, 1);
	if (!err)
		err = remap(d);
	if (err)
		return err;
	*page = hv_ctl_guest_ptr(&d->mem, pfn * PAGE, PAGE);
	return *page ? 0 : -EFAULT;
}

static int dirty_start(void *dom)
{
	struct sr_ctl_domain *d = dom;
	struct hv_ctl_dirty shape;
	void *map;
	int fd, err = hv_ctl_dirty_enable(d->c, &shape, &fd);

	if (err)
		return err;
	map = mmap(NULL, shape.bitmap_bytes, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		err = -errno;
		close(fd);
		hv_ctl_dirty_disable(d->c);
		return err;
	}
	d->dirty_fd = fd;
	d->dirty_map = map;
	d->dirty_map_len = shape.bitmap_bytes;
	d->dirty_frames = shape.nr_frames;
	return 0;
}

static int dirty_harvest(void *dom, sr_dirty_fn fn, void *arg)
{
	struct sr_ctl_domain *d = dom;
	uint64_t nr_dirty;
	int err = hv_ctl_dirty_harvest(d->c, &nr_dirty);

	return err ? err : fn(arg, 0, d->dirty_map, d->dirty_frames);
}

static int pause_dom(void *dom)
{
	return hv_ctl_pause(((struct sr_ctl_domain *)dom)->c);
}

/* The device state, read once the domain is paused. */
static int fetch_blob(struct sr_ctl_domain *d)
{
	return d->blob ? 0 : hv_ctl_devices_get(d->c, &d->blob, &d->blob_len);
}

static int tsc_get(void *dom, struct sr_tsc *out)
{
	struct sr_ctl_domain *d = dom;
	int err = fetch_blob(d);

	return err ? err : blob_tsc(d->blob, d->blob_len, out);
}

static int tsc_set(void *dom, const struct sr_tsc *tsc)
{
	((struct sr_ctl_domain *)dom)->tsc = *tsc;
	return 0;
}

static int params_get(void *dom, struct sr_param *p, unsigned *nr)
{
	struct sr_ctl_domain *d = dom;
	int err = fetch_blob(d);

	return err ? err : blob_params(d->blob, d->blob_len, p, nr);
}

static int params_set(void *dom, const struct sr_param *p, unsigned nr)
{
	struct sr_ctl_domain *d = dom;

	if (nr > SR_MAX_PARAMS)
		return -EINVAL;
	memcpy(d->params, p, nr * sizeof(*p));
	d->nr_params = nr;
	return 0;
}

static int vcpu_get(void *dom, unsigned id, struct hv_vcpu_state *out)
{
	return hv_ctl_vcpu_get(((struct sr_ctl_domain *)dom)->c, id, out);
}

static int vcpu_set(void *dom, unsigned id, const struct hv_vcpu_state *s)
{
	return hv_ctl_vcpu_set(((struct sr_ctl_domain *)dom)->c, id, s);
}

static int devices_get(void *dom, uint8_t **blob, size_t *len)
{
	struct sr_ctl_domain *d = dom;
	int err = fetch_blob(d);

	if (err)
		return err;
	*blob = d->blob;
	*len = d->blob_len;
	d->blob = NULL;
	return 0;
}

/* The stream's X86_TSC_INFO and HVM_PARAMS say what the blob says. */
static bool blob_agrees(const struct sr_ctl_domain *d, const uint8_t *blob, size_t len)
{
	struct sr_param p[SR_MAX_PARAMS];
	struct sr_tsc t;
	unsigned nr;

	if (blob_tsc(blob, len, &t) || blob_params(blob, len, p, &nr) || nr != d->nr_params ||
	    t.khz != d->tsc.khz || t.nsec != d->tsc.nsec)
		return false;
	for (unsigned i = 0; i < nr; i++)
		if (p[i].index != d->params[i].index || p[i].value != d->params[i].value)
			return false;
	return true;
}

static int devices_set(void *dom, const uint8_t *blob, size_t len)
{
	struct sr_ctl_domain *d = dom;

	if (!blob_agrees(d, blob, len))
		return -EINVAL;
	return hv_ctl_devices_set(d->c, blob, len);
}

static void cleanup(void *dom)
{
	struct sr_ctl_domain *d = dom;

	if (d->dirty_fd >= 0) {
		hv_ctl_dirty_disable(d->c);
		munmap((void *)d->dirty_map, d->dirty_map_len);
		close(d->dirty_fd);
		d->dirty_fd = -1;
	}
	if (d->mapped)
		hv_ctl_guest_unmap(&d->mem);
	d->mapped = false;
	free(d->blob);
	d->blob = NULL;
}

const struct sr_domain_ops sr_ctl_domain_ops = {
	.info = info,
	.frame_map = frame_map,
	.dirty_start = dirty_start,
	.dirty_harvest = dirty_harvest,
	.pause = pause_dom,
	.tsc_get = tsc_get,
	.tsc_set = tsc_set,
	.params_get = params_get,
	.params_set = params_set,
	.vcpu_get = vcpu_get,
	.vcpu_set = vcpu_set,
	.devices_get = devices_get,
	.devices_set = devices_set,
	.cleanup = cleanup,
};
