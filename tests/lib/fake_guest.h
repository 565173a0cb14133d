/*
 * The guest's side of the ABI for tests and fuzzers on a fake domain: the
 * hypercalls a kernel makes (as a 64-bit guest at CPL 0 with paging off),
 * the bits it reads in shared_info, grant entries it writes, and a
 * xenstore client on its ring.  The client keeps no state of its own (the
 * ring's indices are in guest memory), so it carries on across a restore.
 */
#ifndef TESTS_FAKE_GUEST_H
#define TESTS_FAKE_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/io/xs_wire.h>

struct hv_domain;
struct hv_vcpu;

/* The guest page that hypercall arguments are passed in. */
#define FAKE_GUEST_ARG 0x1000ULL

/*
 * Runs hypercall nr with arguments (cmd, FAKE_GUEST_ARG, 1) on v, *arg
 * (size bytes) copied to FAKE_GUEST_ARG before and back after.  Returns
 * what the guest gets.
 */
long fake_guest_hypercall(struct hv_vcpu *v, uint64_t nr, uint64_t cmd, void *arg, size_t size);

/*
 * VCPUOP cmd for vCPU vcpu on v, its argument (n bytes of arg) at
 * FAKE_GUEST_ARG.
 */
long fake_guest_vcpu_op(struct hv_vcpu *v, unsigned cmd, unsigned vcpu, const void *arg,
			size_t n);

/* EVTCHNOP cmd on v. */
long fake_guest_evtchn(struct hv_vcpu *v, uint32_t cmd, void *arg, size_t size);

/* XENMEM_add_to_physmap of shared_info (or of grant frame idx) at gfn. */
long fake_guest_map_shared_info(struct hv_vcpu *v, uint64_t gfn);
long fake_guest_map_grant_frame(struct hv_vcpu *v, uint64_t idx, uint64_t gfn);

/* True if port is pending (or masked) in d's 64-bit shared_info. */
bool fake_guest_pending(struct hv_domain *d, evtchn_port_t port);
bool fake_guest_masked(struct hv_domain *d, evtchn_port_t port);

/* Writes grant entry ref of a v1 table whose first frame is at table_gfn. */
void fake_guest_grant(struct hv_domain *d, uint64_t table_gfn, grant_ref_t ref,
		      uint16_t flags, uint32_t frame);

/*
 * A fuzzer's grant table: writes the page of a v1 table at table_gfn from
 * n raw 8-byte entries (the rest of the page zero), made what a guest
 * writes: no GTF_reading or GTF_writing, granted to domain 0 or 1, and
 * each frame one of the nr_data pages from data_gfn unless its top bit
 * asks for a wild one.
 */
void fake_guest_fuzz_grants(struct hv_domain *d, uint64_t table_gfn, const uint8_t *raw,
			    size_t n, uint64_t data_gfn, unsigned nr_data);

/* The flags of grant entry ref. */
uint16_t fake_guest_grant_flags(struct hv_domain *d, uint64_t table_gfn, grant_ref_t ref);

/*
 * Puts a xenstore request (header h, payload of h->len bytes) in the ring
 * at HV_XENSTORE_GFN and notifies the store's port.  Returns 0 or -ENOSPC
 * (no room in the ring).
 */
int fake_guest_xs_send(struct hv_domain *d, const struct xsd_sockmsg *h, const void *payload);

/*
 * Takes the next whole message (reply or watch event) from the ring into
 * h and payload (size bytes, NUL-terminated when there is room), waiting
 * up to two seconds.  Returns 0, -ETIMEDOUT or -E2BIG (payload too small:
 * the message is consumed anyway).
 */
int fake_guest_xs_recv(struct hv_domain *d, struct xsd_sockmsg *h, char *payload, size_t size);

/*
 * Puts n bytes (part of a request) in the ring without notifying.  Returns
 * 0 or -ENOSPC.
 */
int fake_guest_xs_put(struct hv_domain *d, const void *bytes, size_t n);

#endif
