#include "device.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "log.h"

/* Bounds of the hv_devices section, provided by the linker. */
extern const struct hv_device *const __start_hv_devices[] __attribute__((weak));
extern const struct hv_device *const __stop_hv_devices[] __attribute__((weak));

static int compare(const void *a, const void *b)
{
	const struct hv_device *x = *(const struct hv_device *const *)a;
	const struct hv_device *y = *(const struct hv_device *const *)b;

	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return strcmp(x->name, y->name);
}

int hv_devices_init(struct hv_domain *d)
{
	size_t n = __start_hv_devices ? (size_t)(__stop_hv_devices - __start_hv_devices) : 0;
	int err;

	if (n > HV_MAX_DEVICES)
		fatal("%zu devices registered, at most %d", n, HV_MAX_DEVICES);
	memcpy(d->devices, __start_hv_devices, n * sizeof(d->devices[0]));
	qsort(d->devices, n, sizeof(d->devices[0]), compare);
	for (d->nr_devices_up = 0; d->nr_devices_up < n; d->nr_devices_up++) {
		const struct hv_device *dev = d->devices[d->nr_devices_up];

		err = dev->init(d);
		if (err) {
			log_warnx("device %s: cannot start it", dev->name);
			hv_devices_exit(d);
			return err;
		}
		log_debug("device %s up", dev->name);
	}
	return 0;
}

void hv_devices_exit(struct hv_domain *d)
{
	while (d->nr_devices_up)
		d->devices[--d->nr_devices_up]->exit(d);
}

int hv_state_put(struct hv_state_buf *b, const void *p, size_t n)
{
	if (!n)
		return 0; /* p may be NULL then (an empty value) */
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *grown;

		while (cap - b->len < n)
			cap *= 2;
		grown = realloc(b->data, cap);
		if (!grown)
			return -ENOMEM;
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

void hv_devices_pause(struct hv_domain *d)
{
	for (unsigned i = 0; i < d->nr_devices_up; i++)
		if (d->devices[i]->pause)
			d->devices[i]->pause(d);
}

void hv_devices_unpause(struct hv_domain *d)
{
	for (unsigned i = d->nr_devices_up; i-- > 0;)
		if (d->devices[i]->unpause)
			d->devices[i]->unpause(d);
}

/* True while hv_domain_pause holds the domain (its devices' threads too). */
static bool paused(struct hv_domain *d)
{
	bool p;

	pthread_mutex_lock(&d->lock);
	p = d->pausing;
	pthread_mutex_unlock(&d->lock);
	return p;
}

int hv_devices_save(struct hv_domain *d, struct hv_state_buf *out)
{
	static const uint8_t zeros[8];

	if (!paused(d))
		return -EBUSY;
	for (unsigned i = 0; i < d->nr_devices_up; i++) {
		const struct hv_device *dev = d->devices[i];
		struct hv_state_record r = { .id = dev->state_id, .version = dev->state_version };
		size_t start = out->len;
		int err;

		if (!dev->save)
			continue;
		err = hv_state_put(out, &r, sizeof(r));
		if (!err)
			err = dev->save(d, out);
		if (err) {
			log_warnx("device %s: cannot save its state: %s", dev->name, strerror(-err));
			return err;
		}
		r.len = (uint32_t)(out->len - start - sizeof(r));
		if (out->len - start - sizeof(r) > HV_STATE_MAX_RECORD)
			return -E2BIG;
		memcpy(out->data + start, &r, sizeof(r));
		err = hv_state_put(out, zeros, (8 - r.len % 8) % 8);
		if (err)
			return err;
	}
	return 0;
}

static const struct hv_device *device_for(struct hv_domain *d, uint32_t id, unsigned *index)
{
	for (unsigned i = 0; i < d->nr_devices_up; i++)
		if (d->devices[i]->save && d->devices[i]->state_id == id) {
			*index = i;
			return d->devices[i];
		}
	return NULL;
}

/*
 * Walks blob's records; with apply false only checks them: in device order
 * (a restore may rely on the devices before it), each device once.
 * Returns 0 or -errno, and in *seen the devices that have a record.
 */
static int walk_records(struct hv_domain *d, const uint8_t *blob, size_t len, bool apply,
			uint64_t *seen)
{
	unsigned next = 0;
	size_t off = 0;

	while (off < len) {
		struct hv_state_record r;
		const struct hv_device *dev;
		unsigned index;
		size_t padded;
		int err;

		if (len - off < sizeof(r))
			return -EINVAL;
		memcpy(&r, blob + off, sizeof(r));
		off += sizeof(r);
		padded = ((size_t)r.len + 7) & ~(size_t)7;
		dev = device_for(d, r.id, &index);
		if (!dev || r.reserved || r.len > HV_STATE_MAX_RECORD || padded > len - off ||
		    index < next)
			return -EINVAL;
		for (size_t i = r.len; i < padded; i++)
			if (blob[off + i])
				return -EINVAL;
		*seen |= 1ULL << index;
		next = index + 1;
		if (apply) {
			err = dev->restore(d, r.version, blob + off, r.len);
			if (err) {
				log_warnx("device %s: cannot restore its state: %s", dev->name,
					  strerror(-err));
				return err;
			}
		}
		off += padded;
	}
	return 0;
}

int hv_devices_restore(struct hv_domain *d, const uint8_t *blob, size_t len)
{
	uint64_t seen = 0, want = 0;
	int err;

	if (!paused(d))
		return -EBUSY;
	for (unsigned i = 0; i < d->nr_devices_up; i++)
		if (d->devices[i]->save)
			want |= 1ULL << i;
	err = walk_records(d, blob, len, false, &seen);
	if (!err && seen != want)
		err = -EINVAL; /* a device without its state would run on its fresh one */
	if (err) {
		log_warnx("device state: malformed (%zu bytes)", len);
		return err;
	}
	return walk_records(d, blob, len, true, &seen);
}
