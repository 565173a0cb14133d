/*
 * What evtchn.c (the ports and their hypercalls) and evtchn_state.c (their
 * sub-record) share: the port table.  Nothing else includes this.
 */
#ifndef HV_EVTCHN_INT_H
#define HV_EVTCHN_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>

#include "config.h"
#include "device.h"
#include "evtchn.h"

/* Ports of a 32-bit guest's shared_info (32 words of 32 bits). */
#define HV_EVTCHN_NR_PORTS_32 1024

struct hv_evtchn_port {
	uint8_t state;         /* EVTCHNSTAT_* */
	uint32_t vcpu;         /* the vCPU notified */
	domid_t remote_dom;    /* unbound: who may bind; interdomain: the peer */
	evtchn_port_t remote;  /* interdomain within the guest: the other end */
	uint32_t virq;
	/*
	 * Interdomain to a backend: who it is (a port with an owner is a
	 * backend's, see evtchn.h), and its callback, NULL after a restore
	 * until the owner takes the port back.
	 */
	char owner[HV_EVTCHN_OWNER_MAX];
	hv_evtchn_fn fn;
	void *opaque;
};

struct hv_evtchn {
	pthread_mutex_t lock;
	/* Held for reading around backend callbacks, for writing by unbind. */
	pthread_rwlock_t calls;
	/* Below: protected by lock. */
	struct hv_evtchn_port ports[EVTCHN_2L_NR_CHANNELS];
	/* The port of each VIRQ: [vcpu] for per-vCPU ones, [0] for global ones. */
	evtchn_port_t virq[HV_CONFIG_MAX_VCPUS][NR_VIRQS];
	bool restored;         /* unpause re-raises what was pending */
};

/* VIRQs bound per vCPU; the others are global (bound on vCPU 0). */
static inline bool hv__evtchn_virq_per_vcpu(uint32_t virq)
{
	return virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF ||
	       virq == VIRQ_XENPMU;
}

/* The row of virq[] that a port bound to virq on vcpu is in. */
static inline uint32_t hv__evtchn_virq_row(uint32_t virq, uint32_t vcpu)
{
	return hv__evtchn_virq_per_vcpu(virq) ? vcpu : 0;
}

/* The event-channel device's save, restore and unpause (evtchn_state.c). */
int hv__evtchn_save(struct hv_domain *d, struct hv_state_buf *out);
int hv__evtchn_restore(struct hv_domain *d, uint32_t version, const uint8_t *body, size_t len);
void hv__evtchn_unpause(struct hv_domain *d);

#endif
