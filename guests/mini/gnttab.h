/*
 * Grant table, version 1, guest side: placing the table's frames
 * (XENMEM_add_to_physmap) and granting frames to other domains.  Mini
 * hands out references once and never frees them: every user takes its
 * references at setup and re-grants them for each use.
 */
#ifndef MINI_GNTTAB_H
#define MINI_GNTTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "xen_abi.h"

#include "layout.h"

/* The most table frames mini places. */
#define GNTTAB_MAX_FRAMES 4
#define GNTTAB_PER_FRAME (PAGE_SIZE / sizeof(grant_entry_v1_t))

/*
 * GNTTABOP_query_size for this domain.  Returns 0, a negative Xen errno,
 * or the GNTST_* status (negative too) the hypervisor answered.
 */
long gnttab_query(uint32_t *nr_frames, uint32_t *max_frames);

/* GNTTABOP_set_version(1).  Returns 0 or a negative Xen errno. */
long gnttab_set_v1(void);

/*
 * Places table frame idx at guest frame gfn (mapped by the caller); a
 * frame that moves takes its entries along.  Ring 0 or 3, one caller at a
 * time.  Returns 0 or a negative Xen errno.
 */
long gnttab_place(unsigned idx, uint64_t gfn);

/* The entry for ref, or NULL if its frame is not placed. */
grant_entry_v1_t *gnttab_entry(grant_ref_t ref);

/*
 * Takes n consecutive references from the placed frames (the first
 * GNTTAB_NR_RESERVED_ENTRIES are never handed out).  Returns 0 and the
 * first, or -XEN_ENOSPC.
 */
long gnttab_alloc(unsigned n, grant_ref_t *first);

/* Lets domain dom access frame gfn through ref (read-only if readonly). */
void gnttab_grant(grant_ref_t ref, domid_t dom, uint64_t gfn, bool readonly);

/*
 * Ends the grant behind ref.  Returns false, leaving it in place, while the
 * grantee still uses it (GTF_reading or GTF_writing).
 */
bool gnttab_revoke(grant_ref_t ref);

#endif
