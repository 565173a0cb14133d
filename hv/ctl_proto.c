/*
 * The control protocol's header check and typed readers (ctl_proto.h).
 * Each reader copies the payload into a local struct (the payload may be
 * unaligned), checks every field there, and fills *out only when all of
 * them are right.
 */
#include "ctl_proto.h"

#include <errno.h>
#include <string.h>

/* Errno values run from 1 to 4095 (as the kernel's MAX_ERRNO). */
#define MAX_ERRNO 4095
/* Guest-physical addresses have at most 52 bits. */
#define MAX_GFN (1ULL << 40)
#define PAGE_MASK 0xfffULL

/* What each request and its successful reply may carry. */
struct spec {
	const char *name;
	uint32_t req_min, req_max;
	uint32_t rep_min, rep_max;
	bool fds;
};

#define FIXED(type) sizeof(type), sizeof(type)
#define NONE 0, 0

static const struct spec specs[HV_CTL_NR_REQUESTS] = {
	[HV_CTL_HELLO] = { "hello", FIXED(struct hv_ctl_hello), FIXED(struct hv_ctl_hello),
			   false },
	[HV_CTL_INFO] = { "info", NONE, FIXED(struct hv_ctl_info), false },
	[HV_CTL_PAUSE] = { "pause", NONE, NONE, false },
	[HV_CTL_UNPAUSE] = { "unpause", NONE, NONE, false },
	[HV_CTL_DESTROY] = { "destroy", NONE, NONE, false },
	[HV_CTL_SHUTDOWN] = { "shutdown", FIXED(struct hv_ctl_shutdown), NONE, false },
	[HV_CTL_SUBSCRIBE] = { "subscribe", NONE, NONE, false },
	[HV_CTL_MEMORY] = { "memory", NONE, FIXED(struct hv_ctl_memory), true },
	[HV_CTL_POPULATE] = { "populate", FIXED(struct hv_ctl_populate), NONE, false },
	[HV_CTL_VCPU_GET] = { "vcpu-get", FIXED(struct hv_ctl_vcpu_id), FIXED(struct hv_ctl_vcpu),
			      false },
	[HV_CTL_VCPU_SET] = { "vcpu-set", FIXED(struct hv_ctl_vcpu), NONE, false },
	[HV_CTL_DEVICES_GET] = { "devices-get", NONE, 0, HV_CTL_MAX_BLOB, false },
	[HV_CTL_DEVICES_SET] = { "devices-set", 0, HV_CTL_MAX_BLOB, NONE, false },
	[HV_CTL_DIRTY_ENABLE] = { "dirty-enable", NONE, FIXED(struct hv_ctl_dirty), true },
	[HV_CTL_DIRTY_HARVEST] = { "dirty-harvest", NONE, FIXED(struct hv_ctl_harvest), false },
	[HV_CTL_DIRTY_DISABLE] = { "dirty-disable", NONE, NONE, false },
};

static const struct spec *spec_of(uint32_t type)
{
	type &= ~HV_CTL_REPLY;
	return type && type < HV_CTL_NR_REQUESTS ? &specs[type] : NULL;
}

static int in_range(uint32_t len, uint32_t min, uint32_t max)
{
	return len >= min && len <= max ? 0 : -EMSGSIZE;
}

int hv_ctl_check_hdr(const struct hv_ctl_hdr *h, enum hv_ctl_dir dir)
{
	bool reply = h->type & HV_CTL_REPLY;
	const struct spec *s = spec_of(h->type);

	if (dir == HV_CTL_FROM_SERVER && h->type == HV_CTL_EV_STOPPED) {
		if (h->seq || h->status)
			return -EPROTO;
		return in_range(h->len, FIXED(struct hv_ctl_stopped));
	}
	if (!s || reply != (dir == HV_CTL_FROM_SERVER))
		return -EPROTO;
	if (!reply)
		return h->status ? -EPROTO : in_range(h->len, s->req_min, s->req_max);
	if (h->status > 0 || h->status < -MAX_ERRNO)
		return -EPROTO;
	if (h->status < 0)
		return in_range(h->len, 1, HV_CTL_MAX_ERROR);
	return in_range(h->len, s->rep_min, s->rep_max);
}

bool hv_ctl_type_has_fds(uint32_t type)
{
	const struct spec *s = spec_of(type);

	return s && s->fds;
}

const char *hv_ctl_type_name(uint32_t type)
{
	const struct spec *s = spec_of(type);

	return s ? s->name : type == HV_CTL_EV_STOPPED ? "stopped" : "unknown";
}

const char *hv_ctl_stop_name(int32_t reason)
{
	switch (reason) {
	case HV_CTL_STOP_NONE: return "none";
	case HV_CTL_STOP_POWEROFF: return "poweroff";
	case HV_CTL_STOP_REBOOT: return "reboot";
	case HV_CTL_STOP_CRASH: return "crash";
	case HV_CTL_STOP_DESTROY: return "destroy";
	case HV_CTL_STOP_ERROR: return "error";
	default: return "unknown";
	}
}

const char *hv_ctl_state_name(uint32_t state)
{
	static const char *const names[] = { "running", "paused", "shutdown" };

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}

/* Copies a successful message of the given type, exactly size bytes long. */
static int take(const struct hv_ctl_hdr *h, const void *p, uint32_t type, void *out,
		size_t size)
{
	if ((h->type & ~HV_CTL_REPLY) != type || h->status)
		return -EPROTO;
	if (h->len != size)
		return -EINVAL;
	memcpy(out, p, size);
	return 0;
}

bool hv__ctl_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

int hv_ctl_read_hello(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_hello *out)
{
	struct hv_ctl_hello m;
	int err = take(h, p, HV_CTL_HELLO, &m, sizeof(m));

	if (err)
		return err;
	if (m.magic != HV_CTL_MAGIC || m.flags || m.reserved)
		return -EINVAL;
	if (m.version == 0)
		return -EPROTONOSUPPORT;
	*out = m;
	return 0;
}

static bool stop_valid(int32_t r)
{
	return r != HV_CTL_STOP_NONE && strcmp(hv_ctl_stop_name(r), "unknown") != 0;
}

int hv_ctl_read_info(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_info *out)
{
	struct hv_ctl_info m;
	const char *nul;
	int err = take(h, p, HV_CTL_INFO, &m, sizeof(m));

	if (err)
		return err;
	nul = memchr(m.name, 0, sizeof(m.name));
	if (!nul || !hv__ctl_zero(nul, sizeof(m.name) - (size_t)(nul - m.name)))
		return -EINVAL;
	if (m.state > HV_CTL_STATE_SHUTDOWN || m.flags & ~HV_CTL_INFO_FLAGS || m.reserved ||
	    !m.nr_vcpus || !m.memory_mib)
		return -EINVAL;
	if (m.state == HV_CTL_STATE_SHUTDOWN ? !stop_valid(m.stop_reason)
					      : m.stop_reason != HV_CTL_STOP_NONE)
		return -EINVAL;
	*out = m;
	return 0;
}

int hv_ctl_read_shutdown(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_shutdown *out)
{
	struct hv_ctl_shutdown m;
	int err = take(h, p, HV_CTL_SHUTDOWN, &m, sizeof(m));

	if (err)
		return err;
	if (m.reason > HV_CTL_SHUTDOWN_REBOOT || m.reserved)
		return -EINVAL;
	*out = m;
	return 0;
}

static bool region_valid(const struct hv_ctl_region *r, uint32_t nr_fds)
{
	return !((r->gpa | r->size | r->offset) & PAGE_MASK) && r->size &&
	       r->gpa + r->size > r->gpa && r->gpa + r->size <= MAX_GFN << 12 &&
	       r->offset + r->size > r->offset && r->fd < nr_fds &&
	       !(r->flags & ~HV_CTL_REGION_RAM);
}

static bool overlap(const struct hv_ctl_region *a, const struct hv_ctl_region *b)
{
	return a->gpa < b->gpa + b->size && b->gpa < a->gpa + a->size;
}

int hv_ctl_read_memory(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_memory *out)
{
	struct hv_ctl_memory m;
	int err = take(h, p, HV_CTL_MEMORY, &m, sizeof(m));

	if (err)
		return err;
	if (!m.nr_fds || m.nr_fds > HV_CTL_MAX_FDS || !m.nr_regions ||
	    m.nr_regions > HV_CTL_MAX_REGIONS)
		return -EINVAL;
	if (!hv__ctl_zero(&m.regions[m.nr_regions],
			  (HV_CTL_MAX_REGIONS - m.nr_regions) * sizeof(m.regions[0])))
		return -EINVAL;
	for (uint32_t i = 0; i < m.nr_regions; i++) {
		if (!region_valid(&m.regions[i], m.nr_fds))
			return -EINVAL;
		for (uint32_t j = 0; j < i; j++)
			if (overlap(&m.regions[i], &m.regions[j]))
				return -EINVAL;
	}
	*out = m;
	return 0;
}

int hv_ctl_read_populate(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_populate *out)
{
	struct hv_ctl_populate m;
	int err = take(h, p, HV_CTL_POPULATE, &m, sizeof(m));

	if (err)
		return err;
	if (!m.count || m.count > HV_CTL_MAX_POPULATE || m.reserved ||
	    !hv__ctl_zero(&m.gfns[m.count],
			  (HV_CTL_MAX_POPULATE - m.count) * sizeof(m.gfns[0])))
		return -EINVAL;
	for (uint32_t i = 0; i < m.count; i++)
		if (m.gfns[i] >= MAX_GFN)
			return -EINVAL;
	*out = m;
	return 0;
}

int hv_ctl_read_vcpu_id(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_vcpu_id *out)
{
	struct hv_ctl_vcpu_id m;
	int err = take(h, p, HV_CTL_VCPU_GET, &m, sizeof(m));

	if (err)
		return err;
	if (h->type & HV_CTL_REPLY || m.reserved)
		return -EINVAL;
	*out = m;
	return 0;
}

int hv_ctl_read_vcpu(const struct hv_ctl_hdr *h, const void *p, unsigned *vcpu,
		     struct hv_vcpu_state *s)
{
	struct hv_ctl_vcpu w;
	uint32_t type = h->type & HV_CTL_REPLY ? HV_CTL_VCPU_GET : HV_CTL_VCPU_SET;
	int err;

	if (h->type != HV_CTL_VCPU_SET && h->type != (HV_CTL_VCPU_GET | HV_CTL_REPLY))
		return -EPROTO;
	err = take(h, p, type, &w, sizeof(w));
	if (!err)
		err = hv_ctl_vcpu_decode(&w, s);
	if (!err)
		*vcpu = w.vcpu;
	return err;
}

int hv_ctl_read_dirty(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_dirty *out)
{
	struct hv_ctl_dirty m;
	int err = take(h, p, HV_CTL_DIRTY_ENABLE, &m, sizeof(m));

	if (err)
		return err;
	if (!m.nr_frames || m.nr_frames > HV_CTL_DIRTY_MAX_FRAMES ||
	    m.bitmap_bytes != HV_CTL_DIRTY_BITMAP_BYTES)
		return -EINVAL;
	*out = m;
	return 0;
}

int hv_ctl_read_harvest(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_harvest *out)
{
	struct hv_ctl_harvest m;
	int err = take(h, p, HV_CTL_DIRTY_HARVEST, &m, sizeof(m));

	if (err)
		return err;
	if (!m.nr_frames || m.nr_frames > HV_CTL_DIRTY_MAX_FRAMES || m.nr_dirty > m.nr_frames)
		return -EINVAL;
	*out = m;
	return 0;
}

int hv_ctl_read_stopped(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_stopped *out)
{
	struct hv_ctl_stopped m;
	int err;

	if (h->type != HV_CTL_EV_STOPPED)
		return -EPROTO;
	err = take(h, p, HV_CTL_EV_STOPPED, &m, sizeof(m));
	if (err)
		return err;
	if (!stop_valid(m.reason) || m.reserved)
		return -EINVAL;
	*out = m;
	return 0;
}

int hv_ctl_read_blob(const struct hv_ctl_hdr *h, const void *p, const uint8_t **blob,
		     size_t *len)
{
	if ((h->type != HV_CTL_DEVICES_SET && h->type != (HV_CTL_DEVICES_GET | HV_CTL_REPLY)) ||
	    h->status)
		return -EPROTO;
	if (h->len > HV_CTL_MAX_BLOB || h->len % 8)
		return -EINVAL;
	*blob = p;
	*len = h->len;
	return 0;
}

int hv_ctl_read_error(const struct hv_ctl_hdr *h, const void *p, char *buf, size_t size)
{
	const char *text = p;

	if (!(h->type & HV_CTL_REPLY) || h->status >= 0)
		return -EPROTO;
	if (!h->len || h->len > HV_CTL_MAX_ERROR || h->len > size ||
	    memchr(text, 0, h->len) != text + h->len - 1)
		return -EINVAL;
	memcpy(buf, text, h->len);
	return 0;
}

int hv_ctl_read_empty(const struct hv_ctl_hdr *h)
{
	if (h->status)
		return -EPROTO;
	return h->len ? -EINVAL : 0;
}
