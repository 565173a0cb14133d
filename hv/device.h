/*
 * Devices and ABI objects of a domain (event channels, grant table,
 * xenstore, the PV console, block backends) register themselves with
 * HV_DEVICE(); there is no central list to edit when one is added.
 *
 * hv_devices_init calls every init in order of prio (then name) after the
 * domain's memory, vCPUs and boot tables exist and before any vCPU runs;
 * hv_devices_exit calls the exits of those whose init succeeded, in reverse
 * order, after every vCPU has stopped.
 */
#ifndef HV_DEVICE_H
#define HV_DEVICE_H

struct hv_domain;

enum hv_device_prio {
	HV_PRIO_CORE = 0,     /* event channels, grant table, time */
	HV_PRIO_STORE = 10,   /* xenstore: needs event channels */
	HV_PRIO_BACKEND = 20, /* console, block: need xenstore */
};

struct hv_device {
	const char *name;
	enum hv_device_prio prio;
	/* Returns 0 or -errno with the reason logged. */
	int (*init)(struct hv_domain *d);
	/* Releases what init made; never called if init failed. */
	void (*exit)(struct hv_domain *d);
};

/* Registers dev (a struct hv_device with static storage) with tern-hv. */
#define HV_DEVICE(dev)                                                                   \
	static const struct hv_device *const hv_device_ptr_##dev                         \
		__attribute__((used, section("hv_devices"), aligned(sizeof(void *)))) = &dev

/* The most devices a build may register. */
#define HV_MAX_DEVICES 32

/* Runs every init; on a failure undoes the ones done.  Returns 0 or -errno. */
int hv_devices_init(struct hv_domain *d);

/* Runs the exits of the devices hv_devices_init brought up. */
void hv_devices_exit(struct hv_domain *d);

#endif
