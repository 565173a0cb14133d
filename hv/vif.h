/*
 * xl network interface specifications (xl-network-configuration(5)), as in
 *
 *   vif = [ 'mac=00:16:3e:01:02:03, bridge=br0' ]
 *   vif = [ 'vifname=tap0' ]
 *
 * bridge=BR makes tern-hv create a tap device (named vifname=, or
 * "tern<domid>.<devid>") and enslave it to the existing bridge BR;
 * vifname=NAME without a bridge names an existing tap device that tern-hv
 * attaches to.  The parser takes what the network backend can honour and
 * refuses the rest by name: no emulated NICs, no hotplug scripts other than
 * the bridge one, no driver domains, no rate limits.
 */
#ifndef HV_VIF_H
#define HV_VIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes in a Linux interface name, its NUL included (IFNAMSIZ). */
#define HV_VIF_NAME_MAX 16

/* The MTU range accepted: IPv4's minimum, and a frame that fits the netif protocol. */
#define HV_VIF_MTU_MIN 68u
#define HV_VIF_MTU_MAX 65521u

/* The largest devid (the guest's device/vif/<devid>). */
#define HV_VIF_DEVID_MAX 65535u

struct hv_vif {
	uint8_t mac[6];
	bool mac_given;               /* else the backend picks 00:16:3e:xx:xx:xx */
	char bridge[HV_VIF_NAME_MAX]; /* "" for none */
	char vifname[HV_VIF_NAME_MAX]; /* "" for the default name */
	unsigned mtu;                 /* 0 for the default, 1500 */
	int devid;                    /* -1 for the default: the vif's index */
};

/*
 * Parses spec into vif.  Returns 0, or -EINVAL with a message in err
 * (errlen bytes) that quotes the offending parameter and its column (from
 * 1, in bytes).  vif owns no memory.
 */
int hv_vif_parse(struct hv_vif *vif, const char *spec, char *err, size_t errlen);

/*
 * Writes vif as a canonical spec into buf (len bytes): the parameters given,
 * in the order mac, bridge, vifname, mtu, devid, separated by ", ", which
 * hv_vif_parse reads back to the same vif.  Returns 0, or -ENOSPC if buf
 * is too small (128 bytes always suffice).
 */
int hv_vif_format(const struct hv_vif *vif, char *buf, size_t len);

/* Formats a MAC address as xx:xx:xx:xx:xx:xx into buf (18 bytes). */
void hv_vif_mac_string(const uint8_t mac[6], char buf[18]);

#endif
