/* __HYPERVISOR_memory_op: the memory map, reservations, add_to_physmap. */
#include <stdint.h>
#include <string.h>

#include <xen/memory.h>

#include "domain.h"
#include "evtchn.h"
#include "gnttab.h"
#include "hypercall.h"
#include "log.h"
#include "guest_time.h"

/*
 * A memory_op command is the low 6 bits of its first argument; the bits above
 * carry a continuation's progress (Xen's internal MEMOP_EXTENT_SHIFT).
 */
#define CMD_MASK 0x3f

/* The 32-bit guests' layouts of the structs we read (Xen's compat ABI). */
struct memory_map32 {
	uint32_t nr_entries;
	uint32_t buffer;
};

struct foreign_memory_map32 {
	uint16_t domid;
	uint16_t pad;
	struct memory_map32 map;
};

struct add_to_physmap32 {
	uint16_t domid;
	uint16_t size;
	uint32_t space;
	uint32_t idx;
	uint32_t gpfn;
};

/* Reads a memory map descriptor in either layout into the native one. */
static long read_map(struct hv_vcpu *v, const struct hv_hcall *c, uint64_t va,
		     struct xen_memory_map *m)
{
	struct memory_map32 m32;

	if (c->long_mode)
		return hv_copy_from_guest(v, m, va, sizeof(*m)) ? -XEN_EFAULT : 0;
	if (hv_copy_from_guest(v, &m32, va, sizeof(m32)))
		return -XEN_EFAULT;
	m->nr_entries = m32.nr_entries;
	set_xen_guest_handle(m->buffer, (void *)(uintptr_t)m32.buffer);
	return 0;
}

static long memory_map(struct hv_vcpu *v, const struct hv_hcall *c)
{
	struct hv_domain *d = v->d;
	struct hv_e820 map[HV_MAX_MEMMAP];
	struct xen_memory_map m;
	unsigned n;
	long err = read_map(v, c, c->arg[1], &m);

	if (err)
		return err;
	pthread_mutex_lock(&d->lock);
	n = m.nr_entries < d->nr_memmap ? m.nr_entries : d->nr_memmap;
	memcpy(map, d->memmap, n * sizeof(map[0]));
	pthread_mutex_unlock(&d->lock);
	if (hv_copy_to_guest(v, (uint64_t)(uintptr_t)m.buffer.p, map, n * sizeof(map[0])))
		return -XEN_EFAULT;
	/* nr_entries is the first field in both layouts. */
	if (hv_copy_to_guest(v, c->arg[1], &n, sizeof(uint32_t)))
		return -XEN_EFAULT;
	return 0;
}

static long set_memory_map(struct hv_vcpu *v, const struct hv_hcall *c)
{
	struct hv_domain *d = v->d;
	struct hv_e820 map[HV_MAX_MEMMAP];
	struct xen_foreign_memory_map f;
	uint16_t domid;

	if (c->long_mode) {
		if (hv_copy_from_guest(v, &f, c->arg[1], sizeof(f)))
			return -XEN_EFAULT;
	} else {
		struct foreign_memory_map32 f32;

		if (hv_copy_from_guest(v, &f32, c->arg[1], sizeof(f32)))
			return -XEN_EFAULT;
		f.domid = f32.domid;
		f.map.nr_entries = f32.map.nr_entries;
		set_xen_guest_handle(f.map.buffer, (void *)(uintptr_t)f32.map.buffer);
	}
	domid = f.domid;
	if (f.map.nr_entries > HV_MAX_MEMMAP)
		return -XEN_EINVAL;
	if (!hv_domain_is_self(d, domid))
		return -XEN_ESRCH;
	if (hv_copy_from_guest(v, map, (uint64_t)(uintptr_t)f.map.buffer.p,
			       f.map.nr_entries * sizeof(map[0])))
		return -XEN_EFAULT;
	pthread_mutex_lock(&d->lock);
	memcpy(d->memmap, map, f.map.nr_entries * sizeof(map[0]));
	d->nr_memmap = f.map.nr_entries;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/*
 * Places the shared_info page at gfn; its contents move with it.  The
 * caller's mode sets the page's layout (32- or 64-bit words).
 */
static long map_shared_info(struct hv_vcpu *v, uint64_t gfn, bool compat)
{
	struct hv_domain *d = v->d;
	uint8_t page[HV_PAGE_SIZE];
	uint64_t gpa = gfn << HV_PAGE_SHIFT;
	long err = 0;

	if (hv_gmem_add_frame(&d->mem, gfn))
		return -XEN_EINVAL;
	pthread_mutex_lock(&d->lock);
	if (d->shared_info_gpa == gpa)
		goto out;
	memset(page, 0, sizeof(page));
	if (d->shared_info_gpa && hv_gmem_read(&d->mem, d->shared_info_gpa, page, sizeof(page)))
		err = -XEN_EFAULT;
	else if (hv_gmem_write(&d->mem, gpa, page, sizeof(page)))
		err = -XEN_EFAULT;
	else
		__atomic_store_n(&d->shared_info_gpa, gpa, __ATOMIC_RELEASE);
	if (!err)
		hv_evtchn_set_layout(d, compat);
out:
	pthread_mutex_unlock(&d->lock);
	if (!err) {
		log_info("vcpu%u: shared_info at gfn 0x%llx", v->id, (unsigned long long)gfn);
		hv_time_shared_info_moved(d);
	}
	return err;
}

static long add_to_physmap(struct hv_vcpu *v, const struct hv_hcall *c)
{
	struct xen_add_to_physmap x;

	if (c->long_mode) {
		if (hv_copy_from_guest(v, &x, c->arg[1], sizeof(x)))
			return -XEN_EFAULT;
	} else {
		struct add_to_physmap32 x32;

		if (hv_copy_from_guest(v, &x32, c->arg[1], sizeof(x32)))
			return -XEN_EFAULT;
		x = (struct xen_add_to_physmap){ .domid = x32.domid, .size = x32.size,
						 .space = x32.space, .idx = x32.idx,
						 .gpfn = x32.gpfn };
	}
	if (!hv_domain_is_self(v->d, x.domid))
		return -XEN_ESRCH;
	switch (x.space) {
	case XENMAPSPACE_shared_info:
		if (x.idx != 0)
			return -XEN_EINVAL;
		return map_shared_info(v, x.gpfn, !c->long_mode);
	case XENMAPSPACE_grant_table:
		return hv_gnttab_add_frame(v->d, x.idx, x.gpfn);
	default:
		return -XEN_EINVAL;
	}
}

/* Ops that take a pointer to a domid and answer with a number of pages. */
static long reservation(struct hv_vcpu *v, unsigned op, uint64_t va)
{
	struct hv_domain *d = v->d;
	domid_t domid;

	if (hv_copy_from_guest(v, &domid, va, sizeof(domid)))
		return -XEN_EFAULT;
	if (!hv_domain_is_self(d, domid))
		return -XEN_ESRCH;
	switch (op) {
	case XENMEM_current_reservation:
		return (long)(d->mem.ram_size >> HV_PAGE_SHIFT);
	case XENMEM_maximum_reservation:
		return (long)((hv_config_maxmem(d->cfg) << 20) >> HV_PAGE_SHIFT);
	default: { /* XENMEM_maximum_gpfn */
		uint64_t top = hv_gmem_ram_end(&d->mem);
		unsigned n = d->mem.nr_regions;

		for (unsigned i = 0; i < n; i++)
			if (d->mem.regions[i].gpa + d->mem.regions[i].size > top)
				top = d->mem.regions[i].gpa + d->mem.regions[i].size;
		return (long)((top >> HV_PAGE_SHIFT) - 1);
	}
	}
}

long hv_hc_memory_op(struct hv_vcpu *v, const struct hv_hcall *c)
{
	unsigned op = (unsigned)(c->arg[0] & CMD_MASK);

	switch (op) {
	case XENMEM_maximum_ram_page:
		return (long)((hv_gmem_ram_end(&v->d->mem) >> HV_PAGE_SHIFT) - 1);
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
	case XENMEM_maximum_gpfn:
		return reservation(v, op, c->arg[1]);
	case XENMEM_add_to_physmap:
		return add_to_physmap(v, c);
	case XENMEM_memory_map:
		return memory_map(v, c);
	case XENMEM_set_memory_map:
		return set_memory_map(v, c);
	default:
		return hv_hcall_unknown(v, __HYPERVISOR_memory_op, op);
	}
}
