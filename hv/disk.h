/*
 * xl disk specifications (xl-disk-configuration(5)), as in
 *
 *   disk = [ 'format=raw, vdev=xvda, access=rw, target=/path/disk.img' ]
 *   disk = [ '/path/disk.img,raw,xvda,rw' ]
 *
 * The parser takes what the block backend can honour and refuses the rest
 * by name: raw images only, no CD-ROMs, no scripts or driver domains.
 * Options that only advise a backend (backendtype=phy|qdisk|tap, discard,
 * trusted, direct-io-safe) are accepted and ignored, since tern-hv is the
 * backend whatever they say.
 *
 * The virtual device (vdev) is numbered as Xen's xen-vbd-interface(7) says:
 * xvdX[N] (and its dNpM spelling), hdX[N], sdX[N], or a number given as is.
 */
#ifndef HV_DISK_H
#define HV_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest vdev name accepted ("xvdtq37" is 7). */
#define HV_DISK_VDEV_MAX 15

struct hv_disk {
	char *target;                    /* the image's path as written; owned */
	char vdev[HV_DISK_VDEV_MAX + 1]; /* the guest's name for it, e.g. "xvda" */
	uint32_t devid;                  /* xenstore "virtual-device" number */
	bool readonly;                   /* access=ro */
};

/*
 * Parses spec into disk.  Returns 0, or -EINVAL with a message in err
 * (errlen bytes) that quotes the offending parameter and its column (from
 * 1, in bytes), or -ENOMEM.  On error disk owns nothing.
 */
int hv_disk_parse(struct hv_disk *disk, const char *spec, char *err, size_t errlen);

/*
 * Returns disk as a canonical spec in new memory (the caller frees it):
 * "format=raw, vdev=V, access=rw|ro, target=PATH", which hv_disk_parse
 * reads back to the same disk.  NULL when out of memory.
 */
char *hv_disk_format(const struct hv_disk *disk);

/* Frees what disk owns; a zeroed or freed disk may be freed again. */
void hv_disk_free(struct hv_disk *disk);

#endif
