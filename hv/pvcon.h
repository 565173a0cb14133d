/*
 * The PV console device (pvcon.c): the guest's console ring and event
 * channel (HVM_PARAM_CONSOLE_PFN/EVTCHN, /local/domain/<id>/console in
 * xenstore), and on the host side the console log file (console_log) and
 * the attach socket (console_socket).  Guest output goes to the domain's
 * console (console.h); its input comes from there once the guest has
 * notified the console channel.
 */
#ifndef HV_PVCON_H
#define HV_PVCON_H

#include "device.h"

/*
 * The device, registered with HV_DEVICE.  Nothing calls into it: a test
 * that refers to it gets it linked in, and brought up with its domain.
 */
extern const struct hv_device hv_pvcon_device;

#endif
