/*
 * The platform's sub-record (platform_state.c, docs/stream-format.md): what
 * struct hv_domain keeps for the guest beyond the devices and the vCPUs'
 * registers: where shared_info is, the HVM parameters, the memory map the
 * guest set, the frames backed outside RAM, and each vCPU's pending start
 * (VCPUOP_initialise/up) and block.
 */
#ifndef HV_PLATFORM_STATE_H
#define HV_PLATFORM_STATE_H

#include "device.h"

/*
 * The device, registered with HV_DEVICE (it has no thread and nothing to
 * set up).  Tests refer to it to have it linked in.
 */
extern const struct hv_device hv_platform_device;

#endif
