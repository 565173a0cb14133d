/*
 * Tests of hv/loader.c: ELF32 and ELF64 images synthesized by
 * tests/lib/images.c, good and broken in every field the loader checks; the
 * hypercall patch (in ELF and bzImage kernels); hv_read_file; and the real
 * Debian cloud kernel and our mini guest when they are at hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xen/elfnote.h>

#include "gmem.h"
#include "images.h"
#include "loader.h"

static const uint8_t vmmcall[3] = { 0x0f, 0x01, 0xd9 };
static const uint8_t vmcall[3] = { 0x0f, 0x01, 0xc1 };
static const uint8_t patched[3] = { 0xe7, 0xe4, 0x90 };

/* Puts a vmmcall at file offset off and a vmcall 16 bytes after it. */
static void put_pair(struct img *im, size_t off)
{
	memcpy(im->buf + off, vmmcall, sizeof(vmmcall));
	memcpy(im->buf + off + 16, vmcall, sizeof(vmcall));
}

/* Builds the layout after edit() and expects the load to fail. */
static void expect_layout_fail(struct hv_gmem *m, bool is64, void (*edit)(struct img_layout *),
			       int err, const char *msg)
{
	struct img_layout l;

	img_init_layout(&l, is64, IMG_TEXT_LEN);
	edit(&l);
	img_expect_fail(m, img_build(&l), err, msg);
}

static void load_good(struct hv_gmem *m, const struct img *im)
{
	struct hv_kernel k;

	assert_int_equal(img_load(m, im, HV_LOAD_PATCH_HYPERCALLS, &k), 0);
	assert_string_equal(img_log(), "");
	img_check_loaded(m, im, &k);
}

static void test_elf64_good(void **state)
{
	struct img im = img_good_elf(true);

	load_good(*state, &im);
	free(im.buf);
}

static void test_elf32_good(void **state)
{
	struct img im = img_good_elf(false);

	load_good(*state, &im);
	free(im.buf);
}

/* A 4-byte entry note in an ELF64 and an 8-byte one in an ELF32 are both fine. */
static void test_entry_note_sizes(void **state)
{
	for (int is64 = 0; is64 < 2; is64++) {
		struct img_layout l;
		uint64_t entry = IMG_ENTRY;
		struct img im;

		img_init_layout(&l, is64, IMG_TEXT_LEN);
		l.notes_len = 0;
		img_add_note(&l, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &entry, is64 ? 4 : 8);
		l.ph[IMG_PH_NOTE].p_filesz = l.notes_len;
		im = img_build(&l);
		load_good(*state, &im);
		free(im.buf);
	}
}

static void test_note_section_fallback(void **state)
{
	for (int is64 = 0; is64 < 2; is64++) {
		struct img_layout l;
		struct img im;

		img_init_layout(&l, is64, IMG_TEXT_LEN);
		img_use_note_section(&l);
		im = img_build(&l);
		load_good(*state, &im);
		free(im.buf);
	}
}

/* Cutting the file anywhere must give an error, never a crash. */
static void test_truncated_elf(void **state)
{
	struct hv_kernel k;

	for (int variant = 0; variant < 4; variant++) {
		struct img_layout l;
		struct img im;

		img_init_layout(&l, variant & 1, IMG_TEXT_LEN);
		if (variant & 2)
			img_use_note_section(&l);
		im = img_build(&l);
		for (size_t n = 0; n < im.len; n++)
			if (img_load_buf(*state, im.buf, n, HV_LOAD_PATCH_HYPERCALLS, &k) !=
			    -ENOEXEC)
				fail_msg("variant %d cut at %zu bytes loaded", variant, n);
		free(im.buf);
	}
}

static void bad_magic(struct img_layout *l) { l->eh.e_ident[EI_MAG1] = 'e'; }
static void bad_class(struct img_layout *l) { l->eh.e_ident[EI_CLASS] = 3; }
static void big_endian(struct img_layout *l) { l->eh.e_ident[EI_DATA] = ELFDATA2MSB; }
static void bad_version(struct img_layout *l) { l->eh.e_ident[EI_VERSION] = 0; }
static void not_exec(struct img_layout *l) { l->eh.e_type = ET_DYN; }
static void arm64(struct img_layout *l) { l->eh.e_machine = EM_AARCH64; }

static void test_bad_ident(void **state)
{
	static const struct {
		void (*edit)(struct img_layout *);
		const char *msg;
	} cases[] = {
		{ bad_magic, "neither an ELF image nor a bzImage" },
		{ bad_class, "ELF class 3" },
		{ big_endian, "not little-endian" },
		{ bad_version, "not little-endian version 1" },
		{ not_exec, "not an x86 executable (type 3" },
		{ arm64, "machine 183" },
	};

	for (int is64 = 0; is64 < 2; is64++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			expect_layout_fail(*state, is64, cases[i].edit, -ENOEXEC, cases[i].msg);
}

static void phoff_past_end(struct img_layout *l) { l->eh.e_phoff = l->file_len - 8; }
static void phoff_wraps(struct img_layout *l) { l->eh.e_phoff = (uint64_t)-8; }
static void phnum_huge(struct img_layout *l) { l->eh.e_phnum = 0xffff; }
static void phnum_65(struct img_layout *l) { l->eh.e_phnum = 65; }
static void phentsize_small(struct img_layout *l) { l->eh.e_phentsize = 8; }
static void no_phdrs(struct img_layout *l) { l->eh.e_phnum = 0; }

static void test_bad_ehdr_fields(void **state)
{
	static const struct {
		void (*edit)(struct img_layout *);
		const char *msg;
	} cases[] = {
		{ phoff_past_end, "program header table (offset" },
		{ phoff_wraps, "extends past end of file" },
		{ phnum_huge, "65535 program headers (at most 64" },
		{ phnum_65, "65 program headers" },
		{ phentsize_small, "program header size 8 is below" },
		{ no_phdrs, "no PVH entry point" },
	};

	for (int is64 = 0; is64 < 2; is64++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			expect_layout_fail(*state, is64, cases[i].edit, -ENOEXEC, cases[i].msg);
}

static void offset_past_end(struct img_layout *l) { l->ph[IMG_PH_DATA].p_offset = l->file_len - 8; }
static void offset_wraps(struct img_layout *l) { l->ph[IMG_PH_TEXT].p_offset = (uint64_t)-8; }
static void filesz_past_end(struct img_layout *l)
{
	l->ph[IMG_PH_DATA].p_filesz = l->ph[IMG_PH_DATA].p_memsz += 1;
}
static void filesz_over_memsz(struct img_layout *l)
{
	l->ph[IMG_PH_TEXT].p_memsz = IMG_TEXT_LEN - 1;
}
static void note_past_end(struct img_layout *l) { l->ph[IMG_PH_NOTE].p_offset = l->file_len; }
static void overlapping(struct img_layout *l)
{
	l->ph[IMG_PH_DATA].p_paddr = IMG_TEXT_PADDR + 0x2fff;
}

static void test_bad_phdr_fields(void **state)
{
	static const struct {
		void (*edit)(struct img_layout *);
		const char *msg;
	} cases[] = {
		{ offset_past_end, "ELF program header 2 extends past end of file (offset" },
		{ offset_wraps, "ELF program header 0 extends past end of file" },
		{ filesz_past_end, "ELF program header 2 extends past end of file" },
		{ filesz_over_memsz, "file size (0x1000) above its memory size (0xfff)" },
		{ note_past_end, "ELF program header 1 extends past end of file" },
		{ overlapping, "program headers 0 and 2 overlap" },
	};

	for (int is64 = 0; is64 < 2; is64++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			expect_layout_fail(*state, is64, cases[i].edit, -ENOEXEC, cases[i].msg);
}

static void ends_past_ram(struct img_layout *l)
{
	l->ph[IMG_PH_DATA].p_paddr = IMG_RAM_BYTES - IMG_DATA_LEN + 1;
}
static void above_ram(struct img_layout *l) { l->ph[IMG_PH_DATA].p_paddr = IMG_RAM_BYTES; }
static void memsz_huge(struct img_layout *l) { l->ph[IMG_PH_TEXT].p_memsz = UINT32_MAX; }
static void paddr_wraps(struct img_layout *l) { l->ph[IMG_PH_TEXT].p_paddr = UINT32_MAX - 0xfff; }
static void paddr_wraps64(struct img_layout *l) { l->ph[IMG_PH_TEXT].p_paddr = UINT64_MAX - 0xfff; }

static void test_outside_ram(void **state)
{
	static void (*const edits[])(struct img_layout *) = {
		ends_past_ram, above_ram, memsz_huge, paddr_wraps,
	};

	for (int is64 = 0; is64 < 2; is64++)
		for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++)
			expect_layout_fail(*state, is64, edits[i], -ERANGE,
					   "is not wholly inside guest RAM");
	expect_layout_fail(*state, true, paddr_wraps64, -ERANGE, "is not wholly inside guest RAM");
}

#define PHYS32 XEN_ELFNOTE_PHYS32_ENTRY

/* With more than 3 GiB, RAM continues at 4 GiB: segments may go there, not in the hole. */
static void test_ram_above_4g(void **state)
{
	static const uint64_t bad[] = { HV_LOWMEM_LIMIT - 0x80, HV_LOWMEM_LIMIT + 0x1000,
					HV_HIGHMEM_START - 0x80 };
	struct hv_gmem m;
	struct hv_kernel k;
	struct img_layout l;
	struct img im;

	(void)state;
	assert_int_equal(hv_gmem_init(&m, HV_LOWMEM_LIMIT + (1 << 20)), 0);
	img_init_layout(&l, true, IMG_TEXT_LEN);
	l.ph[IMG_PH_DATA].p_paddr = HV_HIGHMEM_START + 0x1000;
	im = img_build(&l);
	assert_int_equal(img_load(&m, &im, 0, &k), 0);
	assert_int_equal(k.load_hi, HV_HIGHMEM_START + 0x1000 + IMG_DATA_LEN);
	img_assert_gmem_bytes(&m, HV_HIGHMEM_START + 0x1000, im.buf + IMG_TEXT_OFF + IMG_TEXT_LEN,
			      IMG_DATA_LEN);
	free(im.buf);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		l.ph[IMG_PH_DATA].p_paddr = bad[i];
		img_expect_fail(&m, img_build(&l), -ERANGE, "is not wholly inside guest RAM");
	}
	hv_gmem_destroy(&m);
}


static void namesz_lies(struct img_layout *l) { img_put32(l->notes, 0x1000); }
static void namesz_wraps(struct img_layout *l) { img_put32(l->notes, UINT32_MAX); }
static void descsz_lies(struct img_layout *l) { img_put32(l->notes + 4, 0x1000); }
static void descsz_wraps(struct img_layout *l) { img_put32(l->notes + 4, UINT32_MAX - 2); }
static void note_hdr_cut(struct img_layout *l) { l->ph[IMG_PH_NOTE].p_filesz = l->notes_len + 8; }
static void desc_2(struct img_layout *l) { img_one_note(l, PHYS32, IMG_ENTRY, 2); }
static void entry_high(struct img_layout *l) { img_one_note(l, PHYS32, 1ULL << 32, 8); }
static void no_entry(struct img_layout *l) { img_one_note(l, XEN_ELFNOTE_ENTRY, IMG_ENTRY, 8); }
static void entry_in_bss(struct img_layout *l)
{
	img_one_note(l, PHYS32, IMG_TEXT_PADDR + IMG_TEXT_LEN, 4);
}
static void entry_elsewhere(struct img_layout *l) { img_one_note(l, PHYS32, 0x2000000, 4); }

static void test_bad_notes(void **state)
{
	static const struct {
		void (*edit)(struct img_layout *);
		const char *msg;
	} cases[] = {
		{ namesz_lies, "note at offset 0x0 runs past the end" },
		{ namesz_wraps, "note at offset 0x0 runs past the end" },
		{ descsz_lies, "note at offset 0x0 runs past the end" },
		{ descsz_wraps, "note at offset 0x0 runs past the end" },
		{ note_hdr_cut, "runs past the end" },
		{ desc_2, "PHYS32_ENTRY note has 2 bytes" },
		{ entry_high, "PVH entry point 0x100000000 is above 4 GiB" },
		{ no_entry, "no PVH entry point" },
		{ entry_in_bss, "PVH entry point 0x101000 is not inside a loaded segment" },
		{ entry_elsewhere, "is not inside a loaded segment" },
	};

	for (int is64 = 0; is64 < 2; is64++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			expect_layout_fail(*state, is64, cases[i].edit, -ENOEXEC, cases[i].msg);
}

static void shoff_past_end(struct img_layout *l)
{
	img_use_note_section(l);
	l->eh.e_shoff = l->file_len;
}
static void shnum_huge(struct img_layout *l) { img_use_note_section(l); l->eh.e_shnum = 0xff00; }
static void section_past_end(struct img_layout *l)
{
	img_use_note_section(l);
	l->sh[1].sh_offset = l->file_len - 4;
}
static void section_note_lies(struct img_layout *l)
{
	img_use_note_section(l);
	img_put32(l->notes + 4, 0x100);
}

static void test_bad_sections(void **state)
{
	static const struct {
		void (*edit)(struct img_layout *);
		const char *msg;
	} cases[] = {
		{ shoff_past_end, "section header table (offset" },
		{ shnum_huge, "65280 section headers" },
		{ section_past_end, "ELF section header 1 extends past end of file" },
		{ section_note_lies, "ELF section header 1: note at offset 0x0 runs past" },
	};

	for (int is64 = 0; is64 < 2; is64++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			expect_layout_fail(*state, is64, cases[i].edit, -ENOEXEC, cases[i].msg);
}

static void test_bad_flags(void **state)
{
	struct img im = img_good_elf(true);
	struct hv_kernel k;

	assert_int_equal(hv_load_kernel(*state, im.buf, im.len, 0x2, &k), -EINVAL);
	free(im.buf);
}

/*
 * Loads im with the patch flag and checks whether the pair at file offset off,
 * loaded at gpa, was patched; frees the image.
 */
static void check_patch(struct hv_gmem *m, struct img im, size_t off, uint64_t gpa, bool want)
{
	struct hv_kernel k;

	img_scribble((void **)&m);
	assert_int_equal(img_load(m, &im, HV_LOAD_PATCH_HYPERCALLS, &k), 0);
	assert_int_equal(k.hypercalls_patched, want);
	img_assert_gmem_bytes(m, gpa, want ? patched : vmmcall, 3);
	img_assert_gmem_bytes(m, gpa + 3, im.buf + off + 3, 13);
	img_assert_gmem_bytes(m, gpa + 16, want ? patched : vmcall, 3);
	free(im.buf);
}

static struct img elf_with_pair(size_t x)
{
	struct img im = img_good_elf(true);

	put_pair(&im, IMG_TEXT_OFF + x);
	return im;
}

/* Checks the pair at text offset x was (or was not) patched. */
static void check_text_patch(struct hv_gmem *m, size_t x, bool want)
{
	check_patch(m, elf_with_pair(x), IMG_TEXT_OFF + x, IMG_TEXT_PADDR + x, want);
}

static void test_patch_one(void **state)
{
	struct img im = elf_with_pair(0x230);
	struct hv_kernel k;

	assert_int_equal(img_load(*state, &im, 0, &k), 0);
	assert_false(k.hypercalls_patched);
	img_assert_gmem_bytes(*state, IMG_TEXT_PADDR + 0x230, vmmcall, 3);
	free(im.buf);
	check_text_patch(*state, 0x230, true);
	check_text_patch(*state, 0, true);
	check_text_patch(*state, IMG_TEXT_LEN - 32, true);
}

static void test_patch_none(void **state)
{
	struct img cut = img_good_elf(true), data = img_good_elf(true);
	struct hv_kernel k;

	check_text_patch(*state, 0x238, false); /* misaligned */
	/* Not executable. */
	put_pair(&data, IMG_TEXT_OFF + IMG_TEXT_LEN + 0x10);
	check_patch(*state, data, IMG_TEXT_OFF + IMG_TEXT_LEN + 0x10, IMG_DATA_PADDR + 0x10, false);
	/* The vmcall would be past the text's file bytes (the file has one there). */
	put_pair(&cut, IMG_TEXT_OFF + IMG_TEXT_LEN - 16);
	assert_int_equal(img_load(*state, &cut, HV_LOAD_PATCH_HYPERCALLS, &k), 0);
	assert_false(k.hypercalls_patched);
	img_assert_gmem_bytes(*state, IMG_TEXT_PADDR + IMG_TEXT_LEN - 16, vmmcall, 3);
	free(cut.buf);
}

/* The alignment is that of the guest-physical address, not of the file offset. */
static void test_patch_paddr_alignment(void **state)
{
	struct img_layout l;
	struct img im;
	struct hv_kernel k;

	img_init_layout(&l, true, IMG_TEXT_LEN);
	l.ph[IMG_PH_TEXT].p_paddr = IMG_TEXT_PADDR + 8;
	im = img_build(&l);
	put_pair(&im, IMG_TEXT_OFF + 0x38);
	assert_int_equal(img_load(*state, &im, HV_LOAD_PATCH_HYPERCALLS, &k), 0);
	assert_true(k.hypercalls_patched);
	img_assert_gmem_bytes(*state, IMG_TEXT_PADDR + 0x40, patched, 3);
	free(im.buf);
}

static void test_patch_ambiguous(void **state)
{
	struct img im = elf_with_pair(0x100);

	img_scribble(state);
	put_pair(&im, IMG_TEXT_OFF + 0x400);
	img_expect_fail(*state, im, -ENOEXEC,
			"2 vmmcall/vmcall hypercall pairs (the first at 0x100100)");
	/* Refused before anything was written. */
	img_assert_gmem_filled(*state, IMG_TEXT_PADDR, 0xaa, IMG_TEXT_LEN);
}

static void edit_pair(struct img *elf)
{
	put_pair(elf, IMG_TEXT_OFF + 0x500);
}

static void edit_two_pairs(struct img *elf)
{
	put_pair(elf, IMG_TEXT_OFF + 0x500);
	put_pair(elf, IMG_TEXT_OFF + 0x700);
}

static void test_patch_bzimage(void **state)
{
	struct img bz = img_good_bzimage(8 << 20, edit_pair);
	struct hv_kernel k;

	assert_int_equal(img_load(*state, &bz, HV_LOAD_PATCH_HYPERCALLS, &k), 0);
	assert_true(k.hypercalls_patched);
	img_assert_gmem_bytes(*state, IMG_TEXT_PADDR + 0x500, patched, 3);
	img_assert_gmem_bytes(*state, IMG_TEXT_PADDR + 0x510, patched, 3);
	free(bz.buf);
	img_expect_fail(*state, img_good_bzimage(8 << 20, edit_two_pairs), -ENOEXEC,
			"refusing to guess");
	bz = img_good_bzimage(8 << 20, NULL);
	assert_int_equal(img_load(*state, &bz, HV_LOAD_PATCH_HYPERCALLS, &k), 0);
	assert_false(k.hypercalls_patched);
	free(bz.buf);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Counts 16-byte-aligned vmmcall/vmcall pairs left in guest memory [lo, hi). */
static unsigned pairs_left(struct hv_gmem *m, uint64_t lo, uint64_t hi)
{
	size_t n = hi - lo;
	uint8_t *buf = malloc(n);
	unsigned found = 0;

	assert_non_null(buf);
	assert_int_equal(hv_gmem_read(m, lo, buf, n), 0);
	for (size_t i = -lo & 15; i + 19 <= n; i += 16)
		found += !memcmp(buf + i, vmmcall, 3) && !memcmp(buf + i + 16, vmcall, 3);
	free(buf);
	return found;
}

/* Loads file (with a fresh guest of ram bytes) and prints how long it took. */
static void load_file(const char *path, uint64_t ram, unsigned flags, struct hv_kernel *k)
{
	struct hv_gmem m;
	uint8_t *buf;
	size_t len;
	double t0, t1;

	assert_int_equal(hv_read_file(path, 1 << 30, &buf, &len), 0);
	assert_int_equal(hv_gmem_init(&m, ram), 0);
	t0 = now();
	assert_int_equal(hv_load_kernel(&m, buf, len, flags, k), 0);
	t1 = now();
	print_message("%s: loaded%s in %.1f ms: entry 0x%llx, [0x%llx, 0x%llx)\n", path,
		      k->hypercalls_patched ? " and patched" : "", (t1 - t0) * 1e3,
		      (unsigned long long)k->entry, (unsigned long long)k->load_lo,
		      (unsigned long long)k->load_hi);
	assert_true(k->entry >= k->load_lo && k->entry < k->load_hi);
	if (flags & HV_LOAD_PATCH_HYPERCALLS)
		assert_int_equal(pairs_left(&m, k->load_lo, k->load_hi), 0);
	hv_gmem_destroy(&m);
	free(buf);
}

/* Debian's cloud kernel, as the install script installs it (ABI.md §2). */
static void test_debian_kernel(void **state)
{
	const char *ci = getenv("CI");
	struct hv_kernel k;
	glob_t g;

	(void)state;
	if (glob("/boot/vmlinuz-*-cloud-amd64", 0, NULL, &g) != 0) {
		if (ci && !strcmp(ci, "true"))
			fail_msg("no /boot/vmlinuz-*-cloud-amd64 (install linux-image-cloud-amd64)");
		skip();
	}
	load_file(g.gl_pathv[g.gl_pathc - 1], 256ULL << 20, 0, &k);
	assert_false(k.hypercalls_patched);
	load_file(g.gl_pathv[g.gl_pathc - 1], 256ULL << 20, HV_LOAD_PATCH_HYPERCALLS, &k);
	assert_true(k.hypercalls_patched);
	globfree(&g);
}

/* Our own test guest, when a build of it is at hand (optional). */
static void test_mini_guest(void **state)
{
	const char *build = getenv("TERN_BUILD");
	char path[4096];
	struct hv_kernel k;

	(void)state;
	snprintf(path, sizeof(path), "%s/guests/mini/mini", build ? build : "");
	if (!build || access(path, R_OK) != 0)
		skip();
	load_file(path, 64ULL << 20, HV_LOAD_PATCH_HYPERCALLS, &k);
}

static void test_read_file(void **state)
{
	char dir[] = "/tmp/tern-loader-XXXXXX", path[64], fifo[64];
	static const char text[] = "0123456789";
	uint8_t *buf;
	size_t len;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/file", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(hv_read_file(path, 10, &buf, &len), 0);
	assert_int_equal(len, 0);
	free(buf);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(hv_read_file(path, 10, &buf, &len), 0);
	assert_int_equal(len, 10);
	assert_memory_equal(buf, text, 10);
	free(buf);
	assert_int_equal(hv_read_file(path, 9, &buf, &len), -EFBIG);
	assert_int_equal(hv_read_file(dir, 10, &buf, &len), -EISDIR);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(hv_read_file(fifo, 10, &buf, &len), -EINVAL);
	unlink(fifo);
	unlink(path);
	assert_int_equal(hv_read_file(path, 10, &buf, &len), -ENOENT);
	rmdir(dir);
}

#define T(f) cmocka_unit_test_setup(f, img_scribble)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_elf64_good),
		T(test_elf32_good),
		T(test_entry_note_sizes),
		T(test_note_section_fallback),
		T(test_truncated_elf),
		T(test_bad_ident),
		T(test_bad_ehdr_fields),
		T(test_bad_phdr_fields),
		T(test_outside_ram),
		cmocka_unit_test(test_ram_above_4g),
		T(test_bad_notes),
		T(test_bad_sections),
		T(test_bad_flags),
		T(test_patch_one),
		T(test_patch_none),
		T(test_patch_paddr_alignment),
		T(test_patch_ambiguous),
		T(test_patch_bzimage),
		cmocka_unit_test(test_debian_kernel),
		cmocka_unit_test(test_mini_guest),
		cmocka_unit_test(test_read_file),
	};

	return cmocka_run_group_tests(tests, img_setup_gmem, img_teardown_gmem);
}
