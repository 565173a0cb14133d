/*
 * Event channels, 2-level ABI: the guest's ports, the EVTCHNOP hypercalls,
 * and delivery through shared_info/vcpu_info bits and the vCPU's upcall
 * vector (an MSI from the in-kernel local APIC).
 *
 * Backends in this process play dom0's side of interdomain channels: they
 * connect to a guest port and are called when the guest sends on it, and
 * they notify the guest through it.
 */
#ifndef HV_EVTCHN_H
#define HV_EVTCHN_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/event_channel.h>

struct hv_domain;
struct hv_vcpu;
struct hv_hcall;

/* The domain id backends in this process stand for. */
#define HV_BACKEND_DOMID 0

/*
 * Called when the guest sends on a backend's port.  Runs on the sending
 * vCPU's thread: it must not block (wake a worker instead).
 */
typedef void (*hv_evtchn_fn)(struct hv_domain *d, evtchn_port_t port, void *opaque);

/*
 * A backend's port carries its owner's name, stable across a save and a
 * restore ("xenstore", "console", "vbd/51712"): the saved port table names
 * the owner, and after a restore the owner takes its port back by name.
 * At most HV_EVTCHN_OWNER_MAX - 1 bytes of [A-Za-z0-9/_-].
 */
#define HV_EVTCHN_OWNER_MAX 24

/*
 * Allocates a new guest port already connected to a backend (as xenstore
 * and the console are, their ports handed to the guest in HVM params).
 * Returns 0 and the port, or -ENOSPC.
 */
int hv_evtchn_alloc_backend(struct hv_domain *d, const char *owner, hv_evtchn_fn fn,
			    void *opaque, evtchn_port_t *port);

/*
 * Connects a backend to port, which the guest allocated with
 * EVTCHNOP_alloc_unbound for remote domain 0 (a frontend's "event-channel").
 * Returns 0, or -EINVAL if port is not such a port.
 */
int hv_evtchn_bind_backend(struct hv_domain *d, evtchn_port_t port, const char *owner,
			   hv_evtchn_fn fn, void *opaque);

/*
 * After a restore (the backend's own restore): connects fn to port, which
 * the restored table holds for owner.  Until then the guest's sends on the
 * port are dropped.  Returns 0, or -EINVAL if port is not held for owner.
 */
int hv_evtchn_restore_backend(struct hv_domain *d, evtchn_port_t port, const char *owner,
			      hv_evtchn_fn fn, void *opaque);

/*
 * Disconnects the backend from port; the guest sees the channel unbound
 * again (as when dom0 closes its end).  fn is not called after this returns
 * (it waits for calls in flight), so it must not be called from fn.
 */
void hv_evtchn_unbind_backend(struct hv_domain *d, evtchn_port_t port);

/*
 * Backend to guest: marks port pending and, unless it is masked, raises the
 * upcall on its vCPU.  Safe from any thread.  Returns 0 or -EINVAL if port
 * is not connected to a backend.
 */
int hv_evtchn_notify(struct hv_domain *d, evtchn_port_t port);

/* Raises the guest's port bound to virq on vcpu (if any).  Any thread. */
void hv_evtchn_send_virq(struct hv_domain *d, unsigned vcpu, unsigned virq);

/*
 * True if any of the guest ports is pending in shared_info (SCHEDOP_poll).
 * Ports outside the ABI count as not pending.
 */
bool hv_evtchn_any_pending(struct hv_domain *d, const evtchn_port_t *ports, unsigned n);

/*
 * Re-raises the upcall of vcpu if its vcpu_info says events are pending
 * (after its vcpu_info moved, or after a restore: the device's unpause
 * does it for every vCPU).
 */
void hv_evtchn_kick_vcpu(struct hv_domain *d, struct hv_vcpu *v);

/*
 * shared_info was placed by a 32-bit (compat) or 64-bit guest: the word size
 * of its event bits.  Called by XENMEM_add_to_physmap.
 */
void hv_evtchn_set_layout(struct hv_domain *d, bool compat);

/* The hypercall __HYPERVISOR_event_channel_op. */
long hv_hc_event_channel_op(struct hv_vcpu *v, const struct hv_hcall *c);

#endif
