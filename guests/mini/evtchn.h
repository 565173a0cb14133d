/*
 * Event channels, 2-level ABI, guest side: the EVTCHNOP calls, the upcall
 * handler, and waiting for a port.
 *
 * A port mini listens on is bound to one vCPU with evtchn_bind(): the
 * upcall handler on that vCPU clears its pending bit, counts it and calls
 * its handler.  The handler runs in ring 0 with interrupts disabled; on
 * kvm_pvm hosts ring 0 is emulated, so handlers only note what happened.
 *
 * Waiting (evtchn_wait) works in two ways, chosen by the port's mask bit:
 * an unmasked port wakes the waiter through the upcall (the usual way); a
 * masked port raises no interrupt at all and the waiter consumes its
 * pending bit itself after SCHEDOP_poll returns, which costs one hypercall
 * and no ring-0 code.  Interrupts are only ever enabled while a vCPU
 * halts, so code between waits never races with a handler on its own vCPU.
 */
#ifndef MINI_EVTCHN_H
#define MINI_EVTCHN_H

#include <stdbool.h>
#include <stdint.h>

#include "xen_abi.h"

struct cpu;

/* Ports mini can bind handlers to (the hypervisor hands out low ports first). */
#define EVTCHN_MAX_PORTS 1024

typedef void (*evtchn_fn)(evtchn_port_t port, void *arg);

/*
 * Routes c's upcalls to UPCALL_VECTOR (HVMOP_set_evtchn_upcall_vector).
 * Call on c's vCPU once its local APIC is enabled.  Returns 0 or a negative
 * Xen errno.
 */
long evtchn_init_cpu(struct cpu *c);

/*
 * Handles port's events on vCPU cpu, calling fn(port, arg) if fn is not
 * NULL; an event already pending on the port is dropped.  Returns false if
 * port is beyond EVTCHN_MAX_PORTS.
 */
bool evtchn_bind(evtchn_port_t port, unsigned cpu, evtchn_fn fn, void *arg);

/* Moves port's handling to vCPU cpu (after EVTCHNOP_bind_vcpu). */
void evtchn_move(evtchn_port_t port, unsigned cpu);

/* Stops handling port (before closing it). */
void evtchn_unbind(evtchn_port_t port);

/* How many times the handler side has taken an event on port. */
uint32_t evtchn_count(evtchn_port_t port);

/* The EVTCHNOP calls; each returns 0 or a negative Xen errno. */
long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
long evtchn_bind_virq(uint32_t virq, unsigned vcpu, evtchn_port_t *port);
long evtchn_bind_ipi(unsigned vcpu, evtchn_port_t *port);
long evtchn_send(evtchn_port_t port);
long evtchn_close(evtchn_port_t port);
long evtchn_unmask(evtchn_port_t port);

/* The port's bits in shared_info (which must be mapped). */
void evtchn_mask(evtchn_port_t port);
bool evtchn_is_masked(evtchn_port_t port);
bool evtchn_is_pending(evtchn_port_t port);
void evtchn_clear(evtchn_port_t port);

/*
 * Sleeps in SCHEDOP_poll until port is pending or system time deadline
 * passes (0: no deadline).  Returns 0 or a negative Xen errno.
 */
long evtchn_poll(evtchn_port_t port, uint64_t deadline);

/*
 * Waits until done(arg) returns true (true) or the system time passes
 * deadline (false; 0: wait for ever), sleeping on port in between, as the
 * header comment describes.  The port must be bound to the calling vCPU.
 */
bool evtchn_wait(evtchn_port_t port, bool (*done)(void *), void *arg, uint64_t deadline);

/*
 * evtchn_wait() until port's count (see evtchn_count) is no longer from:
 * its handler has taken an event.
 */
bool evtchn_wait_count(evtchn_port_t port, uint32_t from, uint64_t deadline);

/* The upcall handler, called by trap_dispatch() on the vCPU c describes. */
void evtchn_upcall(struct cpu *c);

#endif
