/*
 * Tests of hv/bzimage.c: bzImages around LZ4 legacy frames of the ELF64
 * images that tests/lib/images.c synthesizes, good, truncated, and broken in
 * the setup header, the compression format, the frame and the payload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/elfnote.h>

#include "gmem.h"
#include "images.h"
#include "loader.h"

static void test_bzimage_good(void **state)
{
	struct img elf = img_good_elf(true);
	/* One block, many small blocks, and setup_sects 0 (meaning 4). */
	struct img bz[3] = { img_good_bzimage(8 << 20, NULL), img_good_bzimage(0x400, NULL) };
	struct img lz = img_lz4_frame(&elf, 8 << 20);

	bz[2] = img_bzimage(&lz, 0);
	for (int i = 0; i < 3; i++) {
		struct hv_kernel k;

		img_scribble(state);
		assert_int_equal(img_load(*state, &bz[i], HV_LOAD_PATCH_HYPERCALLS, &k), 0);
		img_check_loaded(*state, &elf, &k);
		free(bz[i].buf);
	}
	free(lz.buf);
	free(elf.buf);
}

/* Several LZ4 blocks of the 8 MiB the format allows, then a short one. */
static void test_bzimage_big(void **state)
{
	struct img_layout l;
	struct img elf, lz, bz;
	struct hv_kernel k;

	img_init_layout(&l, true, (17 << 20) + 0x123);
	l.ph[IMG_PH_DATA].p_paddr = 0x2000000;
	elf = img_build(&l);
	lz = img_lz4_frame(&elf, 8 << 20);
	bz = img_bzimage(&lz, 1);
	assert_int_equal(img_load(*state, &bz, 0, &k), 0);
	assert_int_equal(k.load_hi, 0x2000000 + IMG_DATA_LEN);
	img_assert_gmem_bytes(*state, IMG_TEXT_PADDR, elf.buf + IMG_TEXT_OFF, l.text_len);
	free(bz.buf);
	free(lz.buf);
	free(elf.buf);
}

static void test_bzimage_truncated(void **state)
{
	struct img bz = img_good_bzimage(0x100, NULL);
	size_t start = 2 * 512 + IMG_BZ_GAP, plen = bz.len - start;
	struct hv_kernel k;

	for (size_t n = 0; n < bz.len; n++)
		if (img_load_buf(*state, bz.buf, n, 0, &k) != -ENOEXEC)
			fail_msg("bzImage cut at %zu bytes loaded", n);
	/* A header that agrees with the cut: the frame itself is truncated. */
	for (size_t n = 0; n < plen; n++) {
		img_put32(bz.buf + 0x24c, (uint32_t)n);
		if (img_load_buf(*state, bz.buf, start + n, 0, &k) != -ENOEXEC)
			fail_msg("payload cut at %zu bytes loaded", n);
	}
	free(bz.buf);
}

/* A good bzImage with the 32-bit word at off set to v. */
static struct img bz_with(size_t off, uint32_t v)
{
	struct img bz = img_good_bzimage(8 << 20, NULL);

	img_put32(bz.buf + off, v);
	return bz;
}

static void test_bzimage_bad_header(void **state)
{
	struct img old = img_good_bzimage(8 << 20, NULL), tiny = img_good_bzimage(8 << 20, NULL);
	struct img sects = img_good_bzimage(8 << 20, NULL);

	old.buf[0x206] = 0x07;
	img_expect_fail(*state, old, -ENOEXEC, "boot protocol 2.07 is older than 2.08");
	tiny.len = 0x24f;
	img_expect_fail(*state, tiny, -ENOEXEC, "setup header truncated");
	sects.buf[0x1f1] = 0xff;
	img_expect_fail(*state, sects, -ENOEXEC,
			"after 255 setup sectors) extends past end of file");
	img_expect_fail(*state, bz_with(0x248, IMG_BZ_GAP + 1), -ENOEXEC,
			"extends past end of file");
	img_expect_fail(*state, bz_with(0x248, UINT32_MAX), -ENOEXEC, "extends past end of file");
	img_expect_fail(*state, bz_with(0x24c, UINT32_MAX), -ENOEXEC, "extends past end of file");
}

static void test_bzimage_unsupported(void **state)
{
	static const struct {
		const char *name;
		uint8_t magic[6];
	} cases[] = {
		{ "gzip", { 0x1f, 0x8b, 0x08 } },
		{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0 } },
		{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd } },
		{ "bzip2", { 'B', 'Z', 'h', '9' } },
		{ "lzma", { 0x5d, 0, 0, 0x80 } },
		{ "lzo", { 0x89, 'L', 'Z', 'O', 0 } },
	};
	char msg[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct img p = { (uint8_t *)cases[i].magic, sizeof(cases[i].magic) };

		snprintf(msg, sizeof(msg), "payload is %s-compressed", cases[i].name);
		img_expect_fail(*state, img_bzimage(&p, 1), -ENOEXEC, msg);
	}
	img_expect_fail(*state, bz_with(2 * 512 + IMG_BZ_GAP, 0x12345678), -ENOEXEC,
			"unknown compression format");
	img_expect_fail(*state, bz_with(0x24c, 0), -ENOEXEC, "unknown compression format");
}

static void test_bzimage_bad_lz4(void **state)
{
	struct img bz = img_good_bzimage(8 << 20, NULL);
	size_t last = bz.len - 4, first_block = 2 * 512 + IMG_BZ_GAP + 4;
	uint32_t size;

	memcpy(&size, bz.buf + last, 4);
	img_expect_fail(*state, bz_with(last, size + 1), -ENOEXEC, "decompresses to");
	img_expect_fail(*state, bz_with(last, size - 1), -ENOEXEC, "corrupt or decompresses past");
	img_expect_fail(*state, bz_with(last, 0), -ENOEXEC, "uncompressed size of 0 bytes");
	img_expect_fail(*state, bz_with(last, (512 << 20) + 1), -ENOEXEC, "(must be 1 to");
	img_expect_fail(*state, bz_with(first_block, (uint32_t)bz.len), -ENOEXEC,
			"past the end of the payload");
	img_expect_fail(*state, bz_with(first_block, 2), -ENOEXEC, "kernel: bzImage LZ4 block");
	memset(bz.buf + first_block + 4, 0xff, 64);
	img_expect_fail(*state, bz, -ENOEXEC, "is corrupt");
}

/* Two stray bytes between the last block and the size: a cut block header. */
static void test_bzimage_stray_bytes(void **state)
{
	struct img elf = img_good_elf(true), lz = img_lz4_frame(&elf, 8 << 20);

	lz.buf = realloc(lz.buf, lz.len + 2);
	assert_non_null(lz.buf);
	memmove(lz.buf + lz.len - 2, lz.buf + lz.len - 4, 4);
	lz.buf[lz.len - 4] = lz.buf[lz.len - 3] = 0;
	lz.len += 2;
	img_expect_fail(*state, img_bzimage(&lz, 1), -ENOEXEC, "block header at payload offset");
	free(lz.buf);
	free(elf.buf);
}

static void test_bzimage_bad_payload(void **state)
{
	uint8_t junk[100] = { 0 };
	struct img p = { junk, sizeof(junk) }, lz = img_lz4_frame(&p, 8 << 20);
	struct img_layout l;
	struct img elf, lz2;

	img_expect_fail(*state, img_bzimage(&lz, 1), -ENOEXEC,
			"kernel (bzImage payload): not an ELF");
	img_init_layout(&l, true, IMG_TEXT_LEN);
	img_one_note(&l, XEN_ELFNOTE_ENTRY, IMG_ENTRY, 8);
	elf = img_build(&l);
	lz2 = img_lz4_frame(&elf, 8 << 20);
	img_expect_fail(*state, img_bzimage(&lz2, 1), -ENOEXEC,
			"kernel (bzImage payload): image has no PVH entry point");
	free(lz.buf);
	free(lz2.buf);
	free(elf.buf);
}

#define T(f) cmocka_unit_test_setup(f, img_scribble)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bzimage_good),
		T(test_bzimage_big),
		T(test_bzimage_truncated),
		T(test_bzimage_bad_header),
		T(test_bzimage_unsupported),
		T(test_bzimage_bad_lz4),
		T(test_bzimage_stray_bytes),
		T(test_bzimage_bad_payload),
	};

	return cmocka_run_group_tests(tests, img_setup_gmem, img_teardown_gmem);
}
