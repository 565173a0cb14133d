#include "sr_mem_domain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096u

static bool fails(const struct sr_mem_domain *m, enum sr_mem_op op)
{
	return m->fail_mask >> op & 1;
}

static bool find(const struct sr_mem_domain *m, uint64_t pfn, unsigned *ri, uint64_t *idx)
{
	for (unsigned i = 0; i < m->info.nr_ranges; i++) {
		if (pfn >= m->info.ranges[i].first && pfn - m->info.ranges[i].first < m->info.ranges[i].count) {
			*ri = i;
			*idx = pfn - m->info.ranges[i].first;
			return true;
		}
	}
	return false;
}

int sr_mem_domain_init(struct sr_mem_domain *m, unsigned nr_vcpus, const struct sr_range *r, unsigned nr)
{
	memset(m, 0, sizeof(*m));
	if (nr > SR_MAX_RANGES)
		return -EINVAL;
	m->info.nr_vcpus = nr_vcpus;
	m->info.nr_ranges = nr;
	memcpy(m->info.ranges, r, nr * sizeof(*r));
	m->vcpus = calloc(nr_vcpus ? nr_vcpus : 1, sizeof(*m->vcpus));
	if (!m->vcpus)
		goto err;
	for (unsigned i = 0; i < nr; i++) {
		m->mem[i] = calloc(r[i].count, PAGE);
		m->dirty[i] = calloc((r[i].count + 63) / 64, sizeof(uint64_t));
		if (!m->mem[i] || !m->dirty[i])
			goto err;
	}
	return 0;
err:
	sr_mem_domain_destroy(m);
	return -ENOMEM;
}

void sr_mem_domain_destroy(struct sr_mem_domain *m)
{
	for (unsigned i = 0; i < SR_MAX_RANGES; i++) {
		free(m->mem[i]);
		free(m->dirty[i]);
		m->mem[i] = NULL;
		m->dirty[i] = NULL;
	}
	free(m->vcpus);
	free(m->devices);
	m->vcpus = NULL;
	m->devices = NULL;
}

uint8_t *sr_mem_domain_page(struct sr_mem_domain *m, uint64_t pfn)
{
	unsigned ri;
	uint64_t idx;

	return find(m, pfn, &ri, &idx) ? m->mem[ri] + idx * PAGE : NULL;
}

void sr_mem_domain_touch(struct sr_mem_domain *m, uint64_t pfn, uint8_t c)
{
	unsigned ri;
	uint64_t idx;

	if (!find(m, pfn, &ri, &idx))
		return;
	memset(m->mem[ri] + idx * PAGE, c, PAGE);
	if (m->logging)
		m->dirty[ri][idx / 64] |= 1ULL << (idx % 64);
}

int sr_mem_domain_add_range(struct sr_mem_domain *m, uint64_t first, uint64_t count)
{
	unsigned n = m->info.nr_ranges;
	const struct sr_range *last = &m->info.ranges[n - 1];

	if (n == SR_MAX_RANGES || first < last->first + last->count)
		return -EINVAL;
	m->mem[n] = calloc(count, PAGE);
	m->dirty[n] = calloc((count + 63) / 64, sizeof(uint64_t));
	if (!m->mem[n] || !m->dirty[n])
		return -ENOMEM;
	m->info.ranges[n] = (struct sr_range){ first, count };
	m->info.nr_ranges = n + 1;
	return 0;
}

int sr_mem_domain_set_devices(struct sr_mem_domain *m, const void *blob, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	if (!p)
		return -ENOMEM;
	if (len)
		memcpy(p, blob, len);
	free(m->devices);
	m->devices = p;
	m->devices_len = len;
	return 0;
}

static int info(void *dom, struct sr_domain_info *out)
{
	struct sr_mem_domain *m = dom;

	if (fails(m, SR_MEM_INFO))
		return -EIO;
	*out = m->info;
	return 0;
}

static int frame_map(void *dom, uint64_t pfn, void **page)
{
	struct sr_mem_domain *m = dom;

	if (fails(m, SR_MEM_FRAME_MAP))
		return -EIO;
	*page = sr_mem_domain_page(m, pfn);
	return *page ? 0 : -EINVAL;
}

static int dirty_start(void *dom)
{
	struct sr_mem_domain *m = dom;

	if (fails(m, SR_MEM_DIRTY_START))
		return -EIO;
	m->logging = true;
	return 0;
}

static int dirty_harvest(void *dom, sr_dirty_fn fn, void *arg)
{
	struct sr_mem_domain *m = dom;
	int err = 0;

	if (fails(m, SR_MEM_DIRTY_HARVEST) || !m->logging)
		return -EIO;
	m->harvests++;
	if (m->on_harvest)
		m->on_harvest(m, m->on_harvest_arg);
	for (unsigned i = 0; i < m->info.nr_ranges && !err; i++) {
		err = fn(arg, m->info.ranges[i].first, m->dirty[i], m->info.ranges[i].count);
		memset(m->dirty[i], 0, (m->info.ranges[i].count + 63) / 64 * sizeof(uint64_t));
	}
	return err;
}

static int pause_dom(void *dom)
{
	struct sr_mem_domain *m = dom;

	if (fails(m, SR_MEM_PAUSE))
		return -EIO;
	m->paused = true;
	return 0;
}

static int tsc_get(void *dom, struct sr_tsc *out)
{
	struct sr_mem_domain *m = dom;

	if (fails(m, SR_MEM_TSC_GET))
		return -EIO;
	*out = m->tsc;
	return 0;
}

static int tsc_set(void *dom, const struct sr_tsc *tsc)
{
	struct sr_mem_domain *m = dom;

	if (fails(m, SR_MEM_TSC_SET))
		return -EIO;
	m->tsc = *tsc;
	return 0;
}

static int params_get(void *dom, struct sr_param *p, unsigned *nr)
{
	struct sr_mem_domain *m = dom;

	if (fails(m, SR_MEM_PARAMS_GET))
		return -EIO;
	memcpy(p, m->params, m->nr_params * sizeof(*p));
	*nr = m->nr_params;
	return 0;
}

static int params_set(void *dom, const struct sr_param *p, unsigned nr)
{
	struct sr_mem_domain *m = dom;

	if (fails(m, SR_MEM_PARAMS_SET) || nr > SR_MAX_PARAMS)
		return -EIO;
	memcpy(m->params, p, nr * sizeof(*p));
	m->nr_params = nr;
	return 0;
}

static int vcpu_get(void *dom, unsigned id, struct hv_vcpu_state *out)
{
	struct sr_mem_domain *m = dom;

	if (fails(m, SR_MEM_VCPU_GET) || id >= m->info.nr_vcpus)
		return -EIO;
	*out = m->vcpus[id];
	return 0;
}

static int vcpu_set(void *dom, unsigned id, const struct hv_vcpu_state *s)
{
	struct sr_mem_domain *m = dom;

	if (fails(m, SR_MEM_VCPU_SET) || id >= m->info.nr_vcpus)
		return -EIO;
	m->vcpus[id] = *s;
	return 0;
}

static int devices_get(void *dom, uint8_t **blob, size_t *len)
{
	struct sr_mem_domain *m = dom;

	if (fails(m, SR_MEM_DEVICES_GET))
		return -EIO;
	*blob = malloc(m->devices_len ? m->devices_len : 1);
	if (!*blob)
		return -ENOMEM;
	if (m->devices_len)
		memcpy(*blob, m->devices, m->devices_len);
	*len = m->devices_len;
	return 0;
}

static int devices_set(void *dom, const uint8_t *blob, size_t len)
{
	struct sr_mem_domain *m = dom;

	if (fails(m, SR_MEM_DEVICES_SET))
		return -EIO;
	return sr_mem_domain_set_devices(m, blob, len);
}

static void cleanup(void *dom)
{
	struct sr_mem_domain *m = dom;

	m->logging = false;
	m->cleanups++;
}

const struct sr_domain_ops sr_mem_domain_ops = {
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
