/*
 * The host side of a vif: a Linux tap device, opened with IFF_VNET_HDR so
 * that every frame read or written carries a struct virtio_net_hdr (10
 * bytes) in front of it, through which checksum offload passes between the
 * guest and the host's stack.
 */
#ifndef HV_TAP_H
#define HV_TAP_H

#include <stdbool.h>

#include "vif.h"

/* Bytes of struct virtio_net_hdr in front of every frame. */
#define HV_TAP_VNET_HDR 10u

/*
 * Creates a tap device named name (a printf-free name, or one with "%d"
 * for the kernel to number), brings it up with mtu (0: leave the kernel's
 * 1500) and, unless bridge is empty, enslaves it to the existing bridge.
 * The device goes away when the descriptor is closed.  Returns the
 * descriptor (non-blocking, close-on-exec) and the name the kernel gave in
 * actual (HV_VIF_NAME_MAX bytes), or -errno (-EBUSY: the name is taken by
 * a device in use; -ENODEV: no such bridge), logged.
 */
int hv_tap_create(const char *name, const char *bridge, unsigned mtu,
		  char actual[HV_VIF_NAME_MAX]);

/*
 * Attaches to the existing tap device name (made with `ip tuntap add NAME
 * mode tap`) and brings it up, with mtu unless 0.  Returns the descriptor,
 * or -ENODEV (no such device), -EBUSY (another process has it), -errno.
 * Logged unless -EBUSY.
 */
int hv_tap_attach(const char *name, unsigned mtu);

/*
 * Says which offloads the host may leave to the reader of fd: with csum,
 * frames may arrive with VIRTIO_NET_HDR_F_NEEDS_CSUM (a partial checksum);
 * without it the kernel completes every checksum first.  Returns 0 or
 * -errno.
 */
int hv_tap_set_offload(int fd, bool csum);

#endif
