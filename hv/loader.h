/*
 * Guest kernel loading: ELF (32- or 64-bit) with XEN_ELFNOTE_PHYS32_ENTRY,
 * and Linux bzImage, whose compressed payload (LZ4 legacy frame, as Debian's
 * cloud kernel uses) is an ELF loaded the same way.
 *
 * The image is outside input: every length, offset and address in it is
 * checked, and a truncated or malicious image gives a clear message on
 * stderr and an error, never a crash or a write outside guest RAM.
 */
#ifndef HV_LOADER_H
#define HV_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hv_gmem;

/* Also patch the vmcall/vmmcall hypercall pair of post-XSA-466 Linux. */
#define HV_LOAD_PATCH_HYPERCALLS 0x1

struct hv_kernel {
	uint64_t entry;     /* guest-physical PVH entry (32-bit protected mode) */
	uint64_t load_lo;   /* lowest guest-physical byte written */
	uint64_t load_hi;   /* one past the highest byte written (incl. bss) */
	bool hypercalls_patched;
};

/*
 * Loads the kernel image in buf[0..len) into RAM of m.  Segments go at their
 * physical addresses (p_paddr) and must lie wholly in RAM.  With
 * HV_LOAD_PATCH_HYPERCALLS, the one 16-byte-aligned "vmmcall at X, vmcall at
 * X+16" pair in the loaded text is overwritten with "out %eax,$0xe4; nop"
 * (ABI.md §1); an image with no such pair loads unpatched, one with several
 * is refused.  Returns 0, or -ENOEXEC (not a loadable image: bad magic, no
 * PVH entry note, malformed or truncated), -ERANGE (does not fit in RAM),
 * -EINVAL (unknown flags), -ENOMEM (no memory to decompress into).  A
 * refused image leaves guest memory untouched.
 */
int hv_load_kernel(struct hv_gmem *m, const uint8_t *buf, size_t len, unsigned flags,
		   struct hv_kernel *k);

/*
 * Reads a whole file into a new buffer (caller frees).  Returns 0 or -errno;
 * files over max bytes give -EFBIG.
 */
int hv_read_file(const char *path, size_t max, uint8_t **buf, size_t *len);

#endif
