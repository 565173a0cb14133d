#include "loader_int.h"

#include <errno.h>
#include <lz4.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/*
 * Fields of the x86 boot protocol's setup header (Linux
 * Documentation/arch/x86/boot.rst), as offsets from the start of the file.
 */
#define BZ_SETUP_SECTS 0x1f1
#define BZ_SIGNATURE 0x202
#define BZ_VERSION 0x206
#define BZ_PAYLOAD_OFFSET 0x248
#define BZ_PAYLOAD_LENGTH 0x24c
#define BZ_HEADER_END 0x250
/* payload_offset and payload_length appeared in boot protocol 2.08. */
#define BZ_MIN_VERSION 0x208

/*
 * The LZ4 legacy frame (what "lz4 -l" writes): the magic, then blocks of a
 * 32-bit compressed size and the data, each block decompressing to at most
 * 8 MiB.  Linux's build appends the uncompressed size as a 32-bit word.
 */
#define LZ4_LEGACY_MAGIC 0x184c2102U
#define LZ4_LEGACY_BLOCK (8U << 20)
/*
 * No kernel we boot comes near this; it bounds what a hostile image costs, as
 * does LZ4's best ratio: each input byte yields at most 255 output bytes.
 */
#define MAX_UNCOMPRESSED (512U << 20)
#define LZ4_MAX_RATIO 255U

static const struct {
	const char *name;
	size_t len;
	uint8_t magic[6];
} unsupported[] = {
	{ "gzip", 2, { 0x1f, 0x8b } },
	{ "xz", 6, { 0xfd, '7', 'z', 'X', 'Z', 0x00 } },
	{ "zstd", 4, { 0x28, 0xb5, 0x2f, 0xfd } },
	{ "bzip2", 3, { 'B', 'Z', 'h' } },
	{ "lzma", 3, { 0x5d, 0x00, 0x00 } },
	{ "lzo", 4, { 0x89, 'L', 'Z', 'O' } },
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool hv__is_bzimage(const uint8_t *buf, size_t len)
{
	return len >= BZ_SIGNATURE + 4 && memcmp(buf + BZ_SIGNATURE, "HdrS", 4) == 0;
}

/* Finds the payload from the setup header; *p and *n describe it within buf. */
static int find_payload(const uint8_t *buf, size_t len, const uint8_t **p, size_t *n)
{
	unsigned version, sects;
	uint64_t start, off, plen;

	if (len < BZ_HEADER_END) {
		log_warnx("kernel: bzImage setup header truncated (file is %zu bytes)", len);
		return -ENOEXEC;
	}
	version = buf[BZ_VERSION] | buf[BZ_VERSION + 1] << 8;
	if (version < BZ_MIN_VERSION) {
		log_warnx("kernel: bzImage boot protocol %u.%02u is older than 2.08", version >> 8,
			  version & 0xff);
		return -ENOEXEC;
	}
	/* The protected-mode code follows the boot sector and the setup sectors. */
	sects = buf[BZ_SETUP_SECTS] ? buf[BZ_SETUP_SECTS] : 4;
	start = (uint64_t)(sects + 1) * 512;
	off = le32(buf + BZ_PAYLOAD_OFFSET);
	plen = le32(buf + BZ_PAYLOAD_LENGTH);
	if (start + off + plen > len) {
		log_warnx("kernel: bzImage payload (offset 0x%llx, length 0x%llx after %u setup "
			  "sectors) extends past end of file (%zu bytes)",
			  (unsigned long long)off, (unsigned long long)plen, sects, len);
		return -ENOEXEC;
	}
	*p = buf + start + off;
	*n = (size_t)plen;
	return 0;
}

/* Decompresses the block at p[*pos] into dst[*done..total) and steps past it. */
static int lz4_block(const uint8_t *p, size_t *pos, size_t end, uint8_t *dst, size_t total,
		     size_t *done)
{
	size_t at = *pos, room = total - *done;
	uint32_t csize;
	int r;

	if (end - at < 4) {
		log_warnx("kernel: bzImage LZ4 block header at payload offset 0x%zx truncated", at);
		return -ENOEXEC;
	}
	csize = le32(p + at);
	at += 4;
	if (csize == LZ4_LEGACY_MAGIC) { /* the next of concatenated frames */
		*pos = at;
		return 0;
	}
	if (csize > end - at || csize > LZ4_COMPRESSBOUND(LZ4_LEGACY_BLOCK)) {
		log_warnx("kernel: bzImage LZ4 block at payload offset 0x%zx has size 0x%x, past "
			  "the end of the payload or over the format's limit", at - 4, csize);
		return -ENOEXEC;
	}
	if (room > LZ4_LEGACY_BLOCK)
		room = LZ4_LEGACY_BLOCK;
	r = LZ4_decompress_safe((const char *)p + at, (char *)dst + *done, (int)csize, (int)room);
	if (r < 0) {
		log_warnx("kernel: bzImage LZ4 block at payload offset 0x%zx is corrupt or "
			  "decompresses past the recorded size (%zu bytes)", at - 4, total);
		return -ENOEXEC;
	}
	*done += (size_t)r;
	*pos = at + csize;
	return 0;
}

/* Decompresses the LZ4 legacy frame p[0..n) into a new buffer. */
static int lz4_legacy(const uint8_t *p, size_t n, uint8_t **out, size_t *out_len)
{
	size_t total, done = 0, pos = 4;
	uint8_t *dst;
	int err;

	if (n < 8) {
		log_warnx("kernel: bzImage LZ4 payload truncated (%zu bytes)", n);
		return -ENOEXEC;
	}
	total = le32(p + n - 4);
	if (total == 0 || total > MAX_UNCOMPRESSED || total / LZ4_MAX_RATIO > n - 8) {
		log_warnx("kernel: bzImage payload of %zu bytes records an uncompressed size of "
			  "%zu bytes (must be 1 to %u, and at most %u times the payload)", n, total,
			  MAX_UNCOMPRESSED, LZ4_MAX_RATIO);
		return -ENOEXEC;
	}
	dst = malloc(total);
	if (!dst)
		return -ENOMEM;
	while (pos < n - 4) {
		err = lz4_block(p, &pos, n - 4, dst, total, &done);
		if (err)
			goto err_free;
	}
	if (done != total) {
		log_warnx("kernel: bzImage payload decompresses to %zu bytes, but records %zu",
			  done, total);
		err = -ENOEXEC;
		goto err_free;
	}
	*out = dst;
	*out_len = total;
	return 0;

err_free:
	free(dst);
	return err;
}

int hv__bzimage_payload(const uint8_t *buf, size_t len, uint8_t **elf, size_t *elf_len)
{
	const uint8_t *p;
	size_t n;
	int err;

	err = find_payload(buf, len, &p, &n);
	if (err)
		return err;
	if (n >= 4 && le32(p) == LZ4_LEGACY_MAGIC)
		return lz4_legacy(p, n, elf, elf_len);
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		if (n >= unsupported[i].len && !memcmp(p, unsupported[i].magic, unsupported[i].len)) {
			log_warnx("kernel: bzImage payload is %s-compressed; only LZ4 is supported "
				  "(build the kernel with CONFIG_KERNEL_LZ4)", unsupported[i].name);
			return -ENOEXEC;
		}
	}
	log_warnx("kernel: bzImage payload (%zu bytes) has an unknown compression format", n);
	return -ENOEXEC;
}
