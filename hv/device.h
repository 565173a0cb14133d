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

#include <stddef.h>
#include <stdint.h>

struct hv_domain;

/* A growable buffer that save functions append to (owner frees data). */
struct hv_state_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

/* Appends n bytes; 0 or -ENOMEM. */
int hv_state_put(struct hv_state_buf *b, const void *p, size_t n);

enum hv_device_prio {
	HV_PRIO_PLATFORM = -10, /* what the others' restores check against */
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

	/*
	 * Optional: stop and restart the device's own threads around a pause,
	 * so that nothing changes guest memory or device state while the
	 * domain is paused (e.g. finish or hold in-flight I/O).
	 */
	void (*pause)(struct hv_domain *d);
	void (*unpause)(struct hv_domain *d);

	/*
	 * Optional, together: the device's state as one versioned sub-record
	 * (state_id, state_version; see docs/stream-format.md).  save runs
	 * with the domain paused and appends the record's body to out;
	 * restore runs after init, with the domain paused and before any vCPU
	 * runs, after the restores of the devices before it; it gets the body
	 * of a record with this state_id, must check every byte of it, and
	 * returns 0 or -errno (-EINVAL for a bad body, -ENOTSUP for a version
	 * it cannot read).  What needs the threads (restarting a worker,
	 * re-raising events) is left to the unpause hook.
	 */
	uint32_t state_id;
	uint32_t state_version;
	int (*save)(struct hv_domain *d, struct hv_state_buf *out);
	int (*restore)(struct hv_domain *d, uint32_t version, const uint8_t *body, size_t len);
};

/*
 * One sub-record in the device-state blob: this header, then len bytes of
 * body, then zero padding to a multiple of 8.
 */
struct hv_state_record {
	uint32_t id;
	uint32_t version;
	uint32_t len;
	uint32_t reserved;
};
_Static_assert(sizeof(struct hv_state_record) == 16, "state record header");

/* The most bytes one device's state may take. */
#define HV_STATE_MAX_RECORD (64u << 20)

/* Registers dev (a struct hv_device with static storage) with tern-hv. */
#define HV_DEVICE(dev)                                                                   \
	static const struct hv_device *const hv_device_ptr_##dev                         \
		__attribute__((used, section("hv_devices"), aligned(sizeof(void *)))) = &dev

/* The most devices a build may register (a 64-bit set tracks them). */
#define HV_MAX_DEVICES 32
_Static_assert(HV_MAX_DEVICES <= 64, "restore tracks devices in 64 bits");

/* Runs every init; on a failure undoes the ones done.  Returns 0 or -errno. */
int hv_devices_init(struct hv_domain *d);

/* Runs the exits of the devices hv_devices_init brought up. */
void hv_devices_exit(struct hv_domain *d);

/* Calls every device's pause (in order) or unpause (in reverse). */
void hv_devices_pause(struct hv_domain *d);
void hv_devices_unpause(struct hv_domain *d);

/*
 * Appends every device's state record to out, in device order.  The domain
 * must be paused (else -EBUSY).  Returns 0 or -errno.
 */
int hv_devices_save(struct hv_domain *d, struct hv_state_buf *out);

/*
 * Hands each record of blob (len bytes, as hv_devices_save wrote it) to the
 * device with its id.  Unknown ids, records out of device order or
 * repeated, a device that saves but has no record, bad lengths and padding
 * are refused (-EINVAL) before any device sees anything.  The domain must
 * be paused (else -EBUSY): the order is hv_devices_init, guest memory,
 * hv_domain_pause, hv_devices_restore, the vCPU state, hv_domain_unpause.
 * On an error the domain must not run (some devices may hold their new
 * state).
 */
int hv_devices_restore(struct hv_domain *d, const uint8_t *blob, size_t len);

#endif
