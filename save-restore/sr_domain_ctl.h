/*
 * The save-restore ops backed by a running tern-hv, through its control
 * socket (hv/ctl_client.h, docs/control.md): guest memory mapped from the
 * domain's memfds (no page goes through the socket), log-dirty through
 * the shared bitmap, vCPU and device state through their messages.
 *
 * Saving: any domain; the save pauses it (sr_save).  Restoring: a domain
 * started with `tern-hv --incoming` (paused, never run); frames in memory
 * holes are backed (POPULATE) as the stream asks for them.
 *
 * HVM_PARAMS and X86_TSC_INFO repeat, for Xen's tools, values that
 * tern-hv restores from its own platform and time sub-records in the
 * device state: on save they are read from those sub-records, and on
 * restore a stream where they disagree with them is refused.
 */
#ifndef SR_DOMAIN_CTL_H
#define SR_DOMAIN_CTL_H

#include "ctl_client.h"
#include "sr.h"

struct sr_ctl_domain {
	struct hv_ctl_client *c;      /* connected; the caller's */
	struct hv_ctl_guest_mem mem;
	bool mapped;
	bool incoming;
	int dirty_fd;                 /* -1: log-dirty off */
	const uint64_t *dirty_map;
	size_t dirty_map_len;
	uint64_t dirty_frames;
	uint8_t *blob;                /* save: the device state, read once */
	size_t blob_len;
	/* Restore: X86_TSC_INFO and HVM_PARAMS, to check against the blob. */
	struct sr_tsc tsc;
	unsigned nr_params;
	struct sr_param params[SR_MAX_PARAMS];
};

/* Sets d up over the connected client c (which stays the caller's). */
void sr_ctl_domain_init(struct sr_ctl_domain *d, struct hv_ctl_client *c);

extern const struct sr_domain_ops sr_ctl_domain_ops;

#endif
