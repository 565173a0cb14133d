/*
 * What the files of the save-restore library share and nothing outside
 * uses: error reporting, record output, frame sets, and the conversions
 * between tern-hv's vCPU state and the records that carry it.
 */
#ifndef SR_INT_H
#define SR_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sr.h"
#include "sr_wire.h"

/*
 * Records the first error of ctx: the message (prefixed with the record
 * being read and its offset, if any) and returns err, so that callers can
 * write "return sr__fail(ctx, -EINVAL, ...)".
 */
int sr__fail(struct sr_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes iov[0..n) to ctx's sink, counting the bytes.  0 or -errno. */
int sr__write(struct sr_ctx *ctx, const struct iovec *iov, unsigned n);

/*
 * Writes a record of type: its header, the body gathered from
 * body[0..n), and zero padding to 8 bytes.  0 or -errno (logged in ctx).
 */
int sr__write_record(struct sr_ctx *ctx, uint32_t type, const struct iovec *body, unsigned n);

/* Bytes of padding after a body of len bytes. */
static inline uint32_t sr__pad(uint64_t len)
{
	return (uint32_t)(-len & (SR_ALIGN - 1));
}

/* Asks the domain for its info and checks the answer.  0 or -errno. */
int sr__get_info(struct sr_ctx *ctx);

/*
 * Writes to out the parts of the ranges in cur that no range of old
 * covers (both lists sorted and disjoint).  Returns how many, at most
 * nr_cur + nr_old.
 */
unsigned sr__ranges_subtract(const struct sr_range *cur, unsigned nr_cur, const struct sr_range *old,
			     unsigned nr_old, struct sr_range *out);

/* One bit per frame of a set of ranges. */
struct sr_pfnset {
	unsigned nr;
	struct sr_range r[SR_MAX_RANGES];
	uint64_t *bits[SR_MAX_RANGES];
};

/* Sets s up, empty, over ranges r[0..nr).  0 or -ENOMEM. */
int sr__pfnset_init(struct sr_pfnset *s, const struct sr_range *r, unsigned nr);
void sr__pfnset_destroy(struct sr_pfnset *s);

/* Finds pfn: true with its range index and bit number, or false. */
bool sr__pfnset_find(const struct sr_pfnset *s, uint64_t pfn, unsigned *ri, uint64_t *bit);

/* ORs a bitmap piece (sr_dirty_fn's arguments) in, ignoring frames outside. */
void sr__pfnset_merge(struct sr_pfnset *s, uint64_t first, const uint64_t *bits, uint64_t nr_bits);

/* Frames in the set. */
uint64_t sr__pfnset_count(const struct sr_pfnset *s);

/* Empties the set. */
void sr__pfnset_clear(struct sr_pfnset *s);

/*
 * Builds the HVM_CONTEXT blob for vcpus[0..nr): Xen's save header, then
 * per vCPU the CPU, LAPIC, LAPIC_REGS, MTRR, CPU_XSAVE and CPU_MSR records,
 * then END.  *blob is malloc'd.  0 or -errno (-ENOTSUP: a state Xen's
 * records cannot hold).
 */
int sr__hvm_encode(struct sr_ctx *ctx, const struct hv_vcpu_state *vcpus, unsigned nr, uint32_t tsc_khz,
		   uint8_t **blob, size_t *len);

/*
 * Reads an HVM_CONTEXT blob into vcpus[0..nr) (the fields Xen's records
 * hold; sr__vcpu_rec_decode fills the rest).  Every descriptor, length,
 * instance and reserved bit is checked.  0 or -EINVAL with the reason.
 */
int sr__hvm_decode(struct sr_ctx *ctx, const uint8_t *blob, size_t len, struct hv_vcpu_state *vcpus,
		   unsigned nr, uint32_t tsc_khz);

/* Fills r from what s has beyond Xen's records (see struct sr_vcpu_rec). */
void sr__vcpu_rec_encode(const struct hv_vcpu_state *s, unsigned id, struct sr_vcpu_rec *r);

/* Checks r (for vCPU id) and copies it into s.  0 or -EINVAL. */
int sr__vcpu_rec_decode(struct sr_ctx *ctx, const struct sr_vcpu_rec *r, unsigned id, struct hv_vcpu_state *s);

/* Sends the frames of r[0..nr), or of set, as PAGE_DATA records. */
int sr__send_ranges(struct sr_ctx *ctx, const struct sr_range *r, unsigned nr);
int sr__send_pfnset(struct sr_ctx *ctx, const struct sr_pfnset *set);

/*
 * Restore: reads one PAGE_DATA body of len bytes into the domain.
 * populated holds the frames that received data so far; a zero frame
 * among them is cleared, one outside is already zero.  0 or -errno.
 */
int sr__restore_pages(struct sr_ctx *ctx, struct sr_pfnset *populated, uint32_t len);

/*
 * Reads exactly len bytes from the stream.  0, -EPIPE (with a message
 * naming the record) if it ends first, or the source's -errno.
 */
int sr__read(struct sr_ctx *ctx, void *buf, size_t len);

#endif
