#include "device.h"

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
