/*
 * selftest: the grant table.  Its size and version, frame 0 placed in RAM
 * and then moved into a memory-map hole (its entries go along), and the
 * grant and revoke protocol on an entry.  The backends' side of grants is
 * exercised by the block device check.
 */
#include "gnttab.h"
#include "hcall.h"
#include "selftest.h"

#define TEST_FRAME 0x12345

/* Frame 0's first home; Xen takes the RAM page while the frame is there. */
static uint8_t table_ram[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static void check_size_and_version(struct selftest *t)
{
	struct gnttab_get_version gv = { .dom = DOMID_SELF };
	uint32_t nr = 0, max = 0;
	long rc = gnttab_query(&nr, &max), rc_get;

	st_checkf(t, rc == 0 && max >= 1, "gnttab.query_size", "rc %ld, %u of at most %u frames",
		  rc, nr, max);
	st_expect(t, "gnttab.set_version.1", gnttab_set_v1(), 0);
	rc_get = hc_grant_table_op(GNTTABOP_get_version, &gv, 1);
	st_checkf(t, rc_get == 0 && gv.version == 1, "gnttab.get_version", "rc %ld, version %u",
		  rc_get, gv.version);
}

/* GNTTABOP_setup_table names where frame 0 is. */
static void check_setup_table(struct selftest *t, uint64_t gfn)
{
	xen_pfn_t list[1] = { 0 };
	struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 1 };
	long rc;

	set_xen_guest_handle(s.frame_list, list);
	rc = hc_grant_table_op(GNTTABOP_setup_table, &s, 1);
	st_checkf(t, rc == 0 && s.status == GNTST_okay && list[0] == gfn, "gnttab.setup_table",
		  "rc %ld, status %d, frame 0 at 0x%lx (placed at 0x%lx)", rc, s.status, list[0],
		  gfn);
}

/*
 * Frame 0 goes into RAM, an entry is granted there, and the frame moves
 * into a hole: the entry must be found there.  Returns the entry's
 * reference, or 0 if the frame could not be placed.
 */
static grant_ref_t check_place(struct selftest *t)
{
	uint64_t ram = (uintptr_t)table_ram / PAGE_SIZE, hole = st_hole_frame(t->k, 1);
	grant_entry_v1_t *e;
	grant_ref_t ref;
	long rc = gnttab_place(0, ram);

	st_expect(t, "gnttab.add_to_physmap.ram", rc, 0);
	if (rc || gnttab_alloc(1, &ref))
		return 0;
	if (!hole) {
		st_checkf(t, false, "gnttab.add_to_physmap.hole", "no hole next to shared_info");
		return 0;
	}
	gnttab_grant(ref, 0, TEST_FRAME, true);
	rc = gnttab_place(0, hole);
	e = gnttab_entry(ref);
	st_checkf(t, rc == 0 && e->frame == TEST_FRAME && e->domid == 0 &&
			     e->flags == (GTF_permit_access | GTF_readonly),
		  "gnttab.add_to_physmap.hole", "rc %ld at gfn 0x%lx; entry frame 0x%x dom %u "
		  "flags 0x%x", rc, hole, e->frame, e->domid, e->flags);
	check_setup_table(t, hole);
	return rc ? 0 : ref;
}

void st_gnttab(struct selftest *t)
{
	grant_ref_t ref;
	grant_entry_v1_t *e;
	bool revoked;

	check_size_and_version(t);
	ref = check_place(t);
	if (!ref)
		return;
	e = gnttab_entry(ref);
	revoked = gnttab_revoke(ref);
	st_checkf(t, revoked && e->flags == 0, "gnttab.revoke", "%s, flags 0x%x",
		  revoked ? "revoked" : "refused", e->flags);
	/* As a backend does while it copies from the page. */
	e->flags = GTF_permit_access | GTF_reading;
	revoked = gnttab_revoke(ref);
	st_checkf(t, !revoked, "gnttab.revoke.in_use", "a grant being read was revoked");
	e->flags = 0;
}
