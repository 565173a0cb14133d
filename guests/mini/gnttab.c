/*
 * Grant table v1.  The frames live where gnttab_place() put them; their
 * addresses are recorded here (identity-mapped).
 */
#include "gnttab.h"
#include "hcall.h"

static grant_entry_v1_t *frames[GNTTAB_MAX_FRAMES];
static grant_ref_t next_ref = GNTTAB_NR_RESERVED_ENTRIES;

long gnttab_query(uint32_t *nr_frames, uint32_t *max_frames)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	long rc = hc_grant_table_op(GNTTABOP_query_size, &q, 1);

	*nr_frames = q.nr_frames;
	*max_frames = q.max_nr_frames;
	return rc ? rc : q.status;
}

long gnttab_set_v1(void)
{
	struct gnttab_set_version v = { .version = 1 };

	return hc_grant_table_op(GNTTABOP_set_version, &v, 1);
}

long gnttab_place(unsigned idx, uint64_t gfn)
{
	struct xen_add_to_physmap x = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_grant_table,
		.idx = idx,
		.gpfn = gfn,
	};
	long rc;

	if (idx >= GNTTAB_MAX_FRAMES)
		return -XEN_EINVAL;
	rc = hc_memory_op(XENMEM_add_to_physmap, &x);
	if (rc == 0)
		frames[idx] = (grant_entry_v1_t *)(uintptr_t)(gfn * PAGE_SIZE);
	return rc;
}

grant_entry_v1_t *gnttab_entry(grant_ref_t ref)
{
	grant_entry_v1_t *f = ref / GNTTAB_PER_FRAME < GNTTAB_MAX_FRAMES
				      ? frames[ref / GNTTAB_PER_FRAME]
				      : NULL;

	return f ? &f[ref % GNTTAB_PER_FRAME] : NULL;
}

long gnttab_alloc(unsigned n, grant_ref_t *first)
{
	uint64_t end = (uint64_t)next_ref + n;

	if (!n || end > GNTTAB_MAX_FRAMES * GNTTAB_PER_FRAME)
		return -XEN_ENOSPC;
	for (uint64_t f = next_ref / GNTTAB_PER_FRAME; f <= (end - 1) / GNTTAB_PER_FRAME; f++)
		if (!frames[f])
			return -XEN_ENOSPC;
	*first = next_ref;
	next_ref += n;
	return 0;
}

void gnttab_grant(grant_ref_t ref, domid_t dom, uint64_t gfn, bool readonly)
{
	grant_entry_v1_t *e = gnttab_entry(ref);

	e->frame = (uint32_t)gfn;
	e->domid = dom;
	/* The grantee may use the entry as soon as the flags say so. */
	__atomic_store_n(&e->flags, GTF_permit_access | (readonly ? GTF_readonly : 0),
			 __ATOMIC_RELEASE);
}

bool gnttab_revoke(grant_ref_t ref)
{
	grant_entry_v1_t *e = gnttab_entry(ref);
	uint16_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

	/* A grantee that starts a use sets its flag atomically: retry until one of us wins. */
	do {
		if (flags & (GTF_reading | GTF_writing))
			return false;
	} while (!__atomic_compare_exchange_n(&e->flags, &flags, 0, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	return true;
}
