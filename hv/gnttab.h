/*
 * Grant tables, version 1: the guest's table frames (placed with
 * XENMEM_add_to_physmap, in RAM or in holes), the GNTTABOP hypercalls, and
 * the backend side: copies to and from granted pages and mappings of them,
 * which honour GTF_permit_access, GTF_readonly and the grantee domid, and
 * set GTF_reading/GTF_writing while they last.
 *
 * Grant references come from the guest: a bad, revoked or read-only-for-a-
 * write reference is an error for that request (-EINVAL / -EPERM), never a
 * crash.  Every access goes through the guest-memory access layer.
 */
#ifndef HV_GNTTAB_H
#define HV_GNTTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/grant_table.h>

struct hv_domain;
struct hv_vcpu;
struct hv_hcall;

/* Frames a guest may have in its table (GNTTABOP_query_size's maximum). */
#define HV_GNTTAB_MAX_FRAMES 64

/* The hypercall __HYPERVISOR_grant_table_op. */
long hv_hc_grant_table_op(struct hv_vcpu *v, const struct hv_hcall *c);

/*
 * XENMEM_add_to_physmap with XENMAPSPACE_grant_table: frame idx of the table
 * appears at guest frame gfn (backed if it is a hole).  Returns 0 or a
 * negative Xen errno for the guest.
 */
long hv_gnttab_add_frame(struct hv_domain *d, uint64_t idx, uint64_t gfn);

/*
 * Copies len bytes between buf and the page granted by ref, from offset
 * (offset + len within the page).  Returns 0, -EINVAL (bad reference or
 * range, not granted to the backends' domain), -EPERM (write to a
 * read-only grant).
 */
int hv_gnttab_copy_from(struct hv_domain *d, grant_ref_t ref, uint16_t offset, void *buf,
			size_t len);
int hv_gnttab_copy_to(struct hv_domain *d, grant_ref_t ref, uint16_t offset, const void *buf,
		      size_t len);

/* A granted page held by a backend (for shared rings). */
struct hv_grant_map {
	grant_ref_t ref;
	bool write;
	uint64_t gpa;
	void *host; /* the page, valid until hv_gnttab_unmap */
};

/*
 * Maps the page granted by ref, for writing too if write: sets GTF_reading
 * (and GTF_writing) until hv_gnttab_unmap.  Same errors as the copies.
 */
int hv_gnttab_map(struct hv_domain *d, grant_ref_t ref, bool write, struct hv_grant_map *m);
void hv_gnttab_unmap(struct hv_domain *d, struct hv_grant_map *m);

/*
 * After a restore (the backend's own restore): takes back the mapping of
 * ref at gpa that the backend held when the state was saved, as
 * hv_gnttab_map made it, counted and with GTF_reading (and GTF_writing) set
 * in the entry.  The entry is not checked again: the guest granted it
 * before the save, and a grant revoked since stays mapped, as it would
 * have.  Returns 0, or -EINVAL if ref is outside the table (or its frame
 * is not placed) or gpa is not a backed page.
 */
int hv_gnttab_adopt(struct hv_domain *d, grant_ref_t ref, bool write, uint64_t gpa,
		    struct hv_grant_map *m);

#endif
