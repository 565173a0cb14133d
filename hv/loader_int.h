/*
 * Between the two halves of the kernel loader: loader.c (ELF, the hypercall
 * patch, the entry point hv_load_kernel) and bzimage.c (unwrapping a Linux
 * bzImage to the ELF image inside it).  Not for use outside those files.
 */
#ifndef HV_LOADER_INT_H
#define HV_LOADER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True if buf[0..len) carries the "HdrS" signature of the x86 boot protocol. */
bool hv__is_bzimage(const uint8_t *buf, size_t len);

/*
 * Checks the setup header of the bzImage in buf[0..len) and decompresses its
 * payload into a new buffer *elf of *elf_len bytes, which the caller frees.
 * Only the LZ4 legacy frame is supported.  Returns 0, -ENOEXEC (malformed,
 * truncated or unsupported compression; a message names what is wrong) or
 * -ENOMEM.
 */
int hv__bzimage_payload(const uint8_t *buf, size_t len, uint8_t **elf, size_t *elf_len);

#endif
