/*
 * Tests of hv/loader.c and hv/bzimage.c: images synthesized here (ELF32,
 * ELF64, bzImage around an LZ4 legacy frame), good and broken in every field
 * the loader checks, plus the real Debian cloud kernel when it is installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <glob.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xen/elfnote.h>

#include "gmem.h"
#include "loader.h"

#define RAM_BYTES (64ULL << 20)

/* Where a synthesized image puts things, in the file and in guest memory. */
#define PHOFF 0x40
#define SHOFF 0x140
#define NOTE_OFF 0x200
#define TEXT_OFF 0x400
#define TEXT_PADDR 0x100000ULL
#define DATA_PADDR 0x800000ULL
#define ENTRY (TEXT_PADDR + 0x40)
#define TEXT_LEN 0x1000
#define BSS_LEN 0x2000
#define DATA_LEN 0x100
#define MAX_NOTES 0x100

enum { PH_TEXT, PH_NOTE, PH_DATA, NR_PH };

/*
 * An ELF image described with 64-bit structures whatever its class, so that
 * tests can break any field before build() writes the file.
 */
struct layout {
	bool is64;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[NR_PH];
	Elf64_Shdr sh[2]; /* a null section and the notes; used if eh.e_shnum */
	uint8_t notes[MAX_NOTES];
	size_t notes_len;
	size_t text_len;
	size_t file_len;
};

struct img {
	uint8_t *buf;
	size_t len;
};

static const uint8_t vmmcall[3] = { 0x0f, 0x01, 0xd9 };
static const uint8_t vmcall[3] = { 0x0f, 0x01, 0xc1 };
static const uint8_t patched[3] = { 0xe7, 0xe4, 0x90 };

static char logbuf[8192];

/* File bytes: a pattern in which no vmmcall can appear (0x0f is followed by 0x1c). */
static uint8_t text_byte(size_t i)
{
	return (uint8_t)(i * 13 + 5);
}

static uint8_t data_byte(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

static void add_note(struct layout *l, const char *name, uint32_t type, const void *desc,
		     uint32_t descsz)
{
	Elf32_Nhdr n = { (uint32_t)strlen(name) + 1, descsz, type };
	size_t off = l->notes_len;

	assert_true(off + sizeof(n) + 2 * ((n.n_namesz + 3) & ~3U) + descsz + 3 <= MAX_NOTES);
	memcpy(l->notes + off, &n, sizeof(n));
	off += sizeof(n);
	memcpy(l->notes + off, name, n.n_namesz);
	off += (n.n_namesz + 3) & ~3U;
	memcpy(l->notes + off, desc, descsz);
	l->notes_len = off + ((descsz + 3) & ~3U);
}

/* A good image: text (with bss), a PT_NOTE with a build id and the entry, data. */
static void init_layout(struct layout *l, bool is64, size_t text_len)
{
	static const uint8_t build_id[20] = { 1, 2, 3 };
	uint64_t entry = ENTRY;

	memset(l, 0, sizeof(*l));
	l->is64 = is64;
	l->text_len = text_len;
	l->file_len = TEXT_OFF + text_len + DATA_LEN;
	memcpy(l->eh.e_ident, ELFMAG, SELFMAG);
	l->eh.e_ident[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
	l->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	l->eh.e_ident[EI_VERSION] = EV_CURRENT;
	l->eh.e_type = ET_EXEC;
	l->eh.e_machine = is64 ? EM_X86_64 : EM_386;
	l->eh.e_version = EV_CURRENT;
	l->eh.e_entry = 0xffffffff81000000ULL;
	l->eh.e_phoff = PHOFF;
	l->eh.e_phentsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	l->eh.e_phnum = NR_PH;
	l->eh.e_shentsize = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	add_note(l, "GNU", NT_GNU_BUILD_ID, build_id, sizeof(build_id));
	add_note(l, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &entry, is64 ? 8 : 4);
	l->ph[PH_TEXT] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, TEXT_OFF, 0, TEXT_PADDR, text_len,
				       text_len + BSS_LEN, 0x1000 };
	l->ph[PH_NOTE] = (Elf64_Phdr){ PT_NOTE, PF_R, NOTE_OFF, 0, 0, l->notes_len,
				       l->notes_len, 4 };
	l->ph[PH_DATA] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_W, TEXT_OFF + text_len, 0, DATA_PADDR,
				       DATA_LEN, DATA_LEN, 0x1000 };
}

/* Replaces the PT_NOTE by a note section, which the loader must fall back to. */
static void use_note_section(struct layout *l)
{
	l->ph[PH_NOTE].p_type = PT_NULL;
	l->eh.e_shoff = SHOFF;
	l->eh.e_shnum = 2;
	l->sh[1] = (Elf64_Shdr){ .sh_type = SHT_NOTE, .sh_offset = NOTE_OFF,
				 .sh_size = l->notes_len, .sh_addralign = 4 };
}

static void put_elf32_headers(uint8_t *buf, const struct layout *l)
{
	const Elf64_Ehdr *e = &l->eh;
	Elf32_Ehdr eh = { .e_type = e->e_type, .e_machine = e->e_machine,
			  .e_version = e->e_version, .e_entry = (uint32_t)e->e_entry,
			  .e_phoff = (uint32_t)e->e_phoff, .e_shoff = (uint32_t)e->e_shoff,
			  .e_ehsize = sizeof(eh), .e_phentsize = e->e_phentsize,
			  .e_phnum = e->e_phnum, .e_shentsize = e->e_shentsize,
			  .e_shnum = e->e_shnum };

	memcpy(eh.e_ident, e->e_ident, EI_NIDENT);
	memcpy(buf, &eh, sizeof(eh));
	for (unsigned i = 0; i < NR_PH; i++) {
		const Elf64_Phdr *p = &l->ph[i];
		Elf32_Phdr ph = { p->p_type, (uint32_t)p->p_offset, (uint32_t)p->p_vaddr,
				  (uint32_t)p->p_paddr, (uint32_t)p->p_filesz,
				  (uint32_t)p->p_memsz, p->p_flags, (uint32_t)p->p_align };

		memcpy(buf + PHOFF + i * sizeof(ph), &ph, sizeof(ph));
	}
	for (unsigned i = 0; i < 2; i++) {
		const Elf64_Shdr *s = &l->sh[i];
		Elf32_Shdr sh = { .sh_type = s->sh_type, .sh_offset = (uint32_t)s->sh_offset,
				  .sh_size = (uint32_t)s->sh_size,
				  .sh_addralign = (uint32_t)s->sh_addralign };

		memcpy(buf + SHOFF + i * sizeof(sh), &sh, sizeof(sh));
	}
}

/* Writes the file the layout describes (file_len bytes; the caller frees buf). */
static struct img build(const struct layout *l)
{
	size_t cap = TEXT_OFF + l->text_len + DATA_LEN;
	struct img im = { calloc(1, cap), l->file_len };

	assert_non_null(im.buf);
	assert_true(im.len <= cap);
	if (l->is64) {
		memcpy(im.buf, &l->eh, sizeof(l->eh));
		memcpy(im.buf + PHOFF, l->ph, sizeof(l->ph));
		memcpy(im.buf + SHOFF, l->sh, sizeof(l->sh));
	} else {
		put_elf32_headers(im.buf, l);
	}
	memcpy(im.buf + NOTE_OFF, l->notes, l->notes_len);
	for (size_t i = 0; i < l->text_len; i++)
		im.buf[TEXT_OFF + i] = text_byte(i);
	for (size_t i = 0; i < DATA_LEN; i++)
		im.buf[TEXT_OFF + l->text_len + i] = data_byte(i);
	return im;
}

static struct img good_elf(bool is64)
{
	struct layout l;

	init_layout(&l, is64, TEXT_LEN);
	return build(&l);
}

/* Puts a vmmcall at file offset off and a vmcall 16 bytes after it. */
static void put_pair(struct img *im, size_t off)
{
	memcpy(im->buf + off, vmmcall, sizeof(vmmcall));
	memcpy(im->buf + off + 16, vmcall, sizeof(vmcall));
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Wraps data in an LZ4 legacy frame of blocks of at most block bytes, plus the size. */
static struct img lz4_frame(const struct img *in, size_t block)
{
	size_t nblocks = (in->len + block - 1) / block;
	size_t cap = 8 + nblocks * (4 + (size_t)LZ4_compressBound((int)block));
	struct img out = { malloc(cap), 4 };

	assert_non_null(out.buf);
	put32(out.buf, 0x184c2102);
	for (size_t pos = 0; pos < in->len; pos += block) {
		int n = (int)(in->len - pos < block ? in->len - pos : block);
		int c = LZ4_compress_default((const char *)in->buf + pos, (char *)out.buf + out.len + 4,
					     n, LZ4_compressBound(n));

		assert_true(c > 0);
		put32(out.buf + out.len, (uint32_t)c);
		out.len += 4 + (size_t)c;
	}
	put32(out.buf + out.len, (uint32_t)in->len);
	out.len += 4;
	return out;
}

#define BZ_GAP 0x20 /* payload_offset: the payload does not start the protected-mode code */

/* A bzImage header (protocol 2.15) with the payload at the very end of the file. */
static struct img bzimage(const struct img *payload, uint8_t setup_sects)
{
	size_t start = ((setup_sects ? setup_sects : 4) + 1) * 512 + BZ_GAP;
	struct img im = { calloc(1, start + payload->len), start + payload->len };

	assert_non_null(im.buf);
	im.buf[0x1f1] = setup_sects;
	memcpy(im.buf + 0x202, "HdrS", 4);
	im.buf[0x206] = 0x0f;
	im.buf[0x207] = 0x02;
	put32(im.buf + 0x248, BZ_GAP);
	put32(im.buf + 0x24c, (uint32_t)payload->len);
	memcpy(im.buf + start, payload->buf, payload->len);
	return im;
}

/* The good ELF64, LZ4-compressed in blocks of block bytes, in a bzImage. */
static struct img good_bzimage(size_t block, void (*edit)(struct img *))
{
	struct img elf = good_elf(true), lz, bz;

	if (edit)
		edit(&elf);
	lz = lz4_frame(&elf, block);
	bz = bzimage(&lz, 1);
	free(elf.buf);
	free(lz.buf);
	return bz;
}

/* Loads buf[0..len) with stderr captured in logbuf; returns hv_load_kernel's result. */
static int load_buf(struct hv_gmem *m, const uint8_t *buf, size_t len, unsigned flags,
		    struct hv_kernel *k)
{
	int saved, fd, err;
	ssize_t n;

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = memfd_create("log", 0);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, STDERR_FILENO);
	err = hv_load_kernel(m, buf, len, flags, k);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, logbuf, sizeof(logbuf) - 1, 0);
	logbuf[n > 0 ? n : 0] = '\0';
	close(fd);
	return err;
}

static int load(struct hv_gmem *m, const struct img *im, unsigned flags, struct hv_kernel *k)
{
	return load_buf(m, im->buf, im->len, flags, k);
}

/* Expects the load to fail with err and a message containing msg; frees the image. */
static void expect_fail(struct hv_gmem *m, struct img im, int err, const char *msg)
{
	struct hv_kernel k;

	assert_int_equal(load(m, &im, HV_LOAD_PATCH_HYPERCALLS, &k), err);
	if (!strstr(logbuf, msg))
		fail_msg("expected \"%s\" in the message, got: %s", msg, logbuf);
	free(im.buf);
}

/* Builds the layout after edit() and expects the load to fail. */
static void expect_layout_fail(struct hv_gmem *m, bool is64, void (*edit)(struct layout *),
			       int err, const char *msg)
{
	struct layout l;

	init_layout(&l, is64, TEXT_LEN);
	edit(&l);
	expect_fail(m, build(&l), err, msg);
}

static void assert_gmem_bytes(struct hv_gmem *m, uint64_t gpa, const uint8_t *want, size_t n)
{
	uint8_t *got = malloc(n);

	assert_non_null(got);
	assert_int_equal(hv_gmem_read(m, gpa, got, n), 0);
	assert_memory_equal(got, want, n);
	free(got);
}

static void assert_gmem_filled(struct hv_gmem *m, uint64_t gpa, uint8_t c, size_t n)
{
	uint8_t *want = malloc(n);

	assert_non_null(want);
	memset(want, c, n);
	assert_gmem_bytes(m, gpa, want, n);
	free(want);
}

static int setup_gmem(void **state)
{
	struct hv_gmem *m = malloc(sizeof(*m));

	if (!m || hv_gmem_init(m, RAM_BYTES)) {
		free(m);
		return -1;
	}
	*state = m;
	return 0;
}

static int teardown_gmem(void **state)
{
	hv_gmem_destroy(*state);
	free(*state);
	return 0;
}

/* Dirties guest memory so that the tests see what the loader wrote or zeroed. */
static int scribble(void **state)
{
	return hv_gmem_fill(*state, 0, 0xaa, RAM_BYTES) ? -1 : 0;
}

/* Checks that the good image (built with good_elf) is in guest memory. */
static void check_loaded(struct hv_gmem *m, const struct img *im, const struct hv_kernel *k)
{
	assert_int_equal(k->entry, ENTRY);
	assert_int_equal(k->load_lo, TEXT_PADDR);
	assert_int_equal(k->load_hi, DATA_PADDR + DATA_LEN);
	assert_false(k->hypercalls_patched);
	assert_gmem_bytes(m, TEXT_PADDR, im->buf + TEXT_OFF, TEXT_LEN);
	assert_gmem_filled(m, TEXT_PADDR + TEXT_LEN, 0, BSS_LEN);
	assert_gmem_filled(m, TEXT_PADDR + TEXT_LEN + BSS_LEN, 0xaa, 0x1000);
	assert_gmem_bytes(m, DATA_PADDR, im->buf + TEXT_OFF + TEXT_LEN, DATA_LEN);
	assert_gmem_filled(m, TEXT_PADDR - 0x1000, 0xaa, 0x1000);
}

static void load_good(struct hv_gmem *m, const struct img *im)
{
	struct hv_kernel k;

	assert_int_equal(load(m, im, HV_LOAD_PATCH_HYPERCALLS, &k), 0);
	assert_string_equal(logbuf, "");
	check_loaded(m, im, &k);
}

static void test_elf64_good(void **state)
{
	struct img im = good_elf(true);

	load_good(*state, &im);
	free(im.buf);
}

static void test_elf32_good(void **state)
{
	struct img im = good_elf(false);

	load_good(*state, &im);
	free(im.buf);
}

/* A 4-byte entry note in an ELF64 and an 8-byte one in an ELF32 are both fine. */
static void test_entry_note_sizes(void **state)
{
	for (int is64 = 0; is64 < 2; is64++) {
		struct layout l;
		uint64_t entry = ENTRY;
		struct img im;

		init_layout(&l, is64, TEXT_LEN);
		l.notes_len = 0;
		add_note(&l, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &entry, is64 ? 4 : 8);
		l.ph[PH_NOTE].p_filesz = l.notes_len;
		im = build(&l);
		load_good(*state, &im);
		free(im.buf);
	}
}

static void test_note_section_fallback(void **state)
{
	for (int is64 = 0; is64 < 2; is64++) {
		struct layout l;
		struct img im;

		init_layout(&l, is64, TEXT_LEN);
		use_note_section(&l);
		im = build(&l);
		load_good(*state, &im);
		free(im.buf);
	}
}

/* Cutting the file anywhere must give an error, never a crash. */
static void test_truncated_elf(void **state)
{
	struct hv_kernel k;

	for (int variant = 0; variant < 4; variant++) {
		struct layout l;
		struct img im;

		init_layout(&l, variant & 1, TEXT_LEN);
		if (variant & 2)
			use_note_section(&l);
		im = build(&l);
		for (size_t n = 0; n < im.len; n++)
			if (load_buf(*state, im.buf, n, HV_LOAD_PATCH_HYPERCALLS, &k) != -ENOEXEC)
				fail_msg("variant %d cut at %zu bytes loaded", variant, n);
		free(im.buf);
	}
}

static void bad_magic(struct layout *l) { l->eh.e_ident[EI_MAG1] = 'e'; }
static void bad_class(struct layout *l) { l->eh.e_ident[EI_CLASS] = 3; }
static void big_endian(struct layout *l) { l->eh.e_ident[EI_DATA] = ELFDATA2MSB; }
static void bad_version(struct layout *l) { l->eh.e_ident[EI_VERSION] = 0; }
static void not_exec(struct layout *l) { l->eh.e_type = ET_DYN; }
static void arm64(struct layout *l) { l->eh.e_machine = EM_AARCH64; }

static void test_bad_ident(void **state)
{
	static const struct {
		void (*edit)(struct layout *);
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

static void phoff_past_end(struct layout *l) { l->eh.e_phoff = l->file_len - 8; }
static void phoff_wraps(struct layout *l) { l->eh.e_phoff = (uint64_t)-8; }
static void phnum_huge(struct layout *l) { l->eh.e_phnum = 0xffff; }
static void phnum_65(struct layout *l) { l->eh.e_phnum = 65; }
static void phentsize_small(struct layout *l) { l->eh.e_phentsize = 8; }
static void no_phdrs(struct layout *l) { l->eh.e_phnum = 0; }

static void test_bad_ehdr_fields(void **state)
{
	static const struct {
		void (*edit)(struct layout *);
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

static void offset_past_end(struct layout *l) { l->ph[PH_DATA].p_offset = l->file_len - 8; }
static void offset_wraps(struct layout *l) { l->ph[PH_TEXT].p_offset = (uint64_t)-8; }
static void filesz_past_end(struct layout *l)
{
	l->ph[PH_DATA].p_filesz = l->ph[PH_DATA].p_memsz += 1;
}
static void filesz_over_memsz(struct layout *l) { l->ph[PH_TEXT].p_memsz = TEXT_LEN - 1; }
static void note_past_end(struct layout *l) { l->ph[PH_NOTE].p_offset = l->file_len; }
static void overlapping(struct layout *l) { l->ph[PH_DATA].p_paddr = TEXT_PADDR + 0x2fff; }

static void test_bad_phdr_fields(void **state)
{
	static const struct {
		void (*edit)(struct layout *);
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

static void ends_past_ram(struct layout *l) { l->ph[PH_DATA].p_paddr = RAM_BYTES - DATA_LEN + 1; }
static void above_ram(struct layout *l) { l->ph[PH_DATA].p_paddr = RAM_BYTES; }
static void memsz_huge(struct layout *l) { l->ph[PH_TEXT].p_memsz = UINT32_MAX; }
static void paddr_wraps(struct layout *l) { l->ph[PH_TEXT].p_paddr = UINT32_MAX - 0xfff; }
static void paddr_wraps64(struct layout *l) { l->ph[PH_TEXT].p_paddr = UINT64_MAX - 0xfff; }

static void test_outside_ram(void **state)
{
	static void (*const edits[])(struct layout *) = {
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
	struct layout l;
	struct img im;

	(void)state;
	assert_int_equal(hv_gmem_init(&m, HV_LOWMEM_LIMIT + (1 << 20)), 0);
	init_layout(&l, true, TEXT_LEN);
	l.ph[PH_DATA].p_paddr = HV_HIGHMEM_START + 0x1000;
	im = build(&l);
	assert_int_equal(load(&m, &im, 0, &k), 0);
	assert_int_equal(k.load_hi, HV_HIGHMEM_START + 0x1000 + DATA_LEN);
	assert_gmem_bytes(&m, HV_HIGHMEM_START + 0x1000, im.buf + TEXT_OFF + TEXT_LEN, DATA_LEN);
	free(im.buf);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		l.ph[PH_DATA].p_paddr = bad[i];
		expect_fail(&m, build(&l), -ERANGE, "is not wholly inside guest RAM");
	}
	hv_gmem_destroy(&m);
}

/* Replaces the notes by one Xen note of the given type and description. */
static void one_note(struct layout *l, uint32_t type, uint64_t desc, uint32_t descsz)
{
	l->notes_len = 0;
	add_note(l, "Xen", type, &desc, descsz);
	l->ph[PH_NOTE].p_filesz = l->notes_len;
}

static void namesz_lies(struct layout *l) { put32(l->notes, 0x1000); }
static void namesz_wraps(struct layout *l) { put32(l->notes, UINT32_MAX); }
static void descsz_lies(struct layout *l) { put32(l->notes + 4, 0x1000); }
static void descsz_wraps(struct layout *l) { put32(l->notes + 4, UINT32_MAX - 2); }
static void note_hdr_cut(struct layout *l) { l->ph[PH_NOTE].p_filesz = l->notes_len + 8; }
static void desc_2(struct layout *l) { one_note(l, PHYS32, ENTRY, 2); }
static void entry_high(struct layout *l) { one_note(l, PHYS32, 1ULL << 32, 8); }
static void no_entry(struct layout *l) { one_note(l, XEN_ELFNOTE_ENTRY, ENTRY, 8); }
static void entry_in_bss(struct layout *l) { one_note(l, PHYS32, TEXT_PADDR + TEXT_LEN, 4); }
static void entry_elsewhere(struct layout *l) { one_note(l, PHYS32, 0x2000000, 4); }

static void test_bad_notes(void **state)
{
	static const struct {
		void (*edit)(struct layout *);
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

static void shoff_past_end(struct layout *l) { use_note_section(l); l->eh.e_shoff = l->file_len; }
static void shnum_huge(struct layout *l) { use_note_section(l); l->eh.e_shnum = 0xff00; }
static void section_past_end(struct layout *l)
{
	use_note_section(l);
	l->sh[1].sh_offset = l->file_len - 4;
}
static void section_note_lies(struct layout *l) { use_note_section(l); put32(l->notes + 4, 0x100); }

static void test_bad_sections(void **state)
{
	static const struct {
		void (*edit)(struct layout *);
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
	struct img im = good_elf(true);
	struct hv_kernel k;

	assert_int_equal(hv_load_kernel(*state, im.buf, im.len, 0x2, &k), -EINVAL);
	free(im.buf);
}

static void test_bzimage_good(void **state)
{
	struct img elf = good_elf(true);
	/* One block, many small blocks, and setup_sects 0 (meaning 4). */
	struct img bz[3] = { good_bzimage(8 << 20, NULL), good_bzimage(0x400, NULL) };
	struct img lz = lz4_frame(&elf, 8 << 20);

	bz[2] = bzimage(&lz, 0);
	for (int i = 0; i < 3; i++) {
		struct hv_kernel k;

		scribble(state);
		assert_int_equal(load(*state, &bz[i], HV_LOAD_PATCH_HYPERCALLS, &k), 0);
		check_loaded(*state, &elf, &k);
		free(bz[i].buf);
	}
	free(lz.buf);
	free(elf.buf);
}

/* Several LZ4 blocks of the 8 MiB the format allows, then a short one. */
static void test_bzimage_big(void **state)
{
	struct layout l;
	struct img elf, lz, bz;
	struct hv_kernel k;

	init_layout(&l, true, (17 << 20) + 0x123);
	l.ph[PH_DATA].p_paddr = 0x2000000;
	elf = build(&l);
	lz = lz4_frame(&elf, 8 << 20);
	bz = bzimage(&lz, 1);
	assert_int_equal(load(*state, &bz, 0, &k), 0);
	assert_int_equal(k.load_hi, 0x2000000 + DATA_LEN);
	assert_gmem_bytes(*state, TEXT_PADDR, elf.buf + TEXT_OFF, l.text_len);
	free(bz.buf);
	free(lz.buf);
	free(elf.buf);
}

static void test_bzimage_truncated(void **state)
{
	struct img bz = good_bzimage(0x100, NULL);
	size_t start = 2 * 512 + BZ_GAP, plen = bz.len - start;
	struct hv_kernel k;

	for (size_t n = 0; n < bz.len; n++)
		if (load_buf(*state, bz.buf, n, 0, &k) != -ENOEXEC)
			fail_msg("bzImage cut at %zu bytes loaded", n);
	/* A header that agrees with the cut: the frame itself is truncated. */
	for (size_t n = 0; n < plen; n++) {
		put32(bz.buf + 0x24c, (uint32_t)n);
		if (load_buf(*state, bz.buf, start + n, 0, &k) != -ENOEXEC)
			fail_msg("payload cut at %zu bytes loaded", n);
	}
	free(bz.buf);
}

/* A good bzImage with the 32-bit word at off set to v. */
static struct img bz_with(size_t off, uint32_t v)
{
	struct img bz = good_bzimage(8 << 20, NULL);

	put32(bz.buf + off, v);
	return bz;
}

static void test_bzimage_bad_header(void **state)
{
	struct img old = good_bzimage(8 << 20, NULL), tiny = good_bzimage(8 << 20, NULL);
	struct img sects = good_bzimage(8 << 20, NULL);

	old.buf[0x206] = 0x07;
	expect_fail(*state, old, -ENOEXEC, "boot protocol 2.07 is older than 2.08");
	tiny.len = 0x24f;
	expect_fail(*state, tiny, -ENOEXEC, "setup header truncated");
	sects.buf[0x1f1] = 0xff;
	expect_fail(*state, sects, -ENOEXEC, "after 255 setup sectors) extends past end of file");
	expect_fail(*state, bz_with(0x248, BZ_GAP + 1), -ENOEXEC, "extends past end of file");
	expect_fail(*state, bz_with(0x248, UINT32_MAX), -ENOEXEC, "extends past end of file");
	expect_fail(*state, bz_with(0x24c, UINT32_MAX), -ENOEXEC, "extends past end of file");
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
		expect_fail(*state, bzimage(&p, 1), -ENOEXEC, msg);
	}
	expect_fail(*state, bz_with(2 * 512 + BZ_GAP, 0x12345678), -ENOEXEC,
		    "unknown compression format");
	expect_fail(*state, bz_with(0x24c, 0), -ENOEXEC, "unknown compression format");
}

static void test_bzimage_bad_lz4(void **state)
{
	struct img bz = good_bzimage(8 << 20, NULL);
	size_t last = bz.len - 4, first_block = 2 * 512 + BZ_GAP + 4;
	uint32_t size;

	memcpy(&size, bz.buf + last, 4);
	expect_fail(*state, bz_with(last, size + 1), -ENOEXEC, "decompresses to");
	expect_fail(*state, bz_with(last, size - 1), -ENOEXEC, "corrupt or decompresses past");
	expect_fail(*state, bz_with(last, 0), -ENOEXEC, "uncompressed size of 0 bytes");
	expect_fail(*state, bz_with(last, (512 << 20) + 1), -ENOEXEC, "(must be 1 to");
	expect_fail(*state, bz_with(first_block, (uint32_t)bz.len), -ENOEXEC,
		    "past the end of the payload");
	expect_fail(*state, bz_with(first_block, 2), -ENOEXEC, "kernel: bzImage LZ4 block");
	memset(bz.buf + first_block + 4, 0xff, 64);
	expect_fail(*state, bz, -ENOEXEC, "is corrupt");
}

/* Two stray bytes between the last block and the size: a cut block header. */
static void test_bzimage_stray_bytes(void **state)
{
	struct img elf = good_elf(true), lz = lz4_frame(&elf, 8 << 20);

	lz.buf = realloc(lz.buf, lz.len + 2);
	assert_non_null(lz.buf);
	memmove(lz.buf + lz.len - 2, lz.buf + lz.len - 4, 4);
	lz.buf[lz.len - 4] = lz.buf[lz.len - 3] = 0;
	lz.len += 2;
	expect_fail(*state, bzimage(&lz, 1), -ENOEXEC, "block header at payload offset");
	free(lz.buf);
	free(elf.buf);
}

static void test_bzimage_bad_payload(void **state)
{
	uint8_t junk[100] = { 0 };
	struct img p = { junk, sizeof(junk) }, lz = lz4_frame(&p, 8 << 20);
	struct layout l;
	struct img elf, lz2;

	expect_fail(*state, bzimage(&lz, 1), -ENOEXEC, "kernel (bzImage payload): not an ELF");
	init_layout(&l, true, TEXT_LEN);
	no_entry(&l);
	elf = build(&l);
	lz2 = lz4_frame(&elf, 8 << 20);
	expect_fail(*state, bzimage(&lz2, 1), -ENOEXEC,
		    "kernel (bzImage payload): image has no PVH entry point");
	free(lz.buf);
	free(lz2.buf);
	free(elf.buf);
}

/*
 * Loads im with the patch flag and checks whether the pair at file offset off,
 * loaded at gpa, was patched; frees the image.
 */
static void check_patch(struct hv_gmem *m, struct img im, size_t off, uint64_t gpa, bool want)
{
	struct hv_kernel k;

	scribble((void **)&m);
	assert_int_equal(load(m, &im, HV_LOAD_PATCH_HYPERCALLS, &k), 0);
	assert_int_equal(k.hypercalls_patched, want);
	assert_gmem_bytes(m, gpa, want ? patched : vmmcall, 3);
	assert_gmem_bytes(m, gpa + 3, im.buf + off + 3, 13);
	assert_gmem_bytes(m, gpa + 16, want ? patched : vmcall, 3);
	free(im.buf);
}

static struct img elf_with_pair(size_t x)
{
	struct img im = good_elf(true);

	put_pair(&im, TEXT_OFF + x);
	return im;
}

/* Checks the pair at text offset x was (or was not) patched. */
static void check_text_patch(struct hv_gmem *m, size_t x, bool want)
{
	check_patch(m, elf_with_pair(x), TEXT_OFF + x, TEXT_PADDR + x, want);
}

static void test_patch_one(void **state)
{
	struct img im = elf_with_pair(0x230);
	struct hv_kernel k;

	assert_int_equal(load(*state, &im, 0, &k), 0);
	assert_false(k.hypercalls_patched);
	assert_gmem_bytes(*state, TEXT_PADDR + 0x230, vmmcall, 3);
	free(im.buf);
	check_text_patch(*state, 0x230, true);
	check_text_patch(*state, 0, true);
	check_text_patch(*state, TEXT_LEN - 32, true);
}

static void test_patch_none(void **state)
{
	struct img cut = good_elf(true), data = good_elf(true);
	struct hv_kernel k;

	check_text_patch(*state, 0x238, false); /* misaligned */
	/* Not executable. */
	put_pair(&data, TEXT_OFF + TEXT_LEN + 0x10);
	check_patch(*state, data, TEXT_OFF + TEXT_LEN + 0x10, DATA_PADDR + 0x10, false);
	/* The vmcall would be past the text's file bytes (the file has one there). */
	put_pair(&cut, TEXT_OFF + TEXT_LEN - 16);
	assert_int_equal(load(*state, &cut, HV_LOAD_PATCH_HYPERCALLS, &k), 0);
	assert_false(k.hypercalls_patched);
	assert_gmem_bytes(*state, TEXT_PADDR + TEXT_LEN - 16, vmmcall, 3);
	free(cut.buf);
}

/* The alignment is that of the guest-physical address, not of the file offset. */
static void test_patch_paddr_alignment(void **state)
{
	struct layout l;
	struct img im;
	struct hv_kernel k;

	init_layout(&l, true, TEXT_LEN);
	l.ph[PH_TEXT].p_paddr = TEXT_PADDR + 8;
	im = build(&l);
	put_pair(&im, TEXT_OFF + 0x38);
	assert_int_equal(load(*state, &im, HV_LOAD_PATCH_HYPERCALLS, &k), 0);
	assert_true(k.hypercalls_patched);
	assert_gmem_bytes(*state, TEXT_PADDR + 0x40, patched, 3);
	free(im.buf);
}

static void test_patch_ambiguous(void **state)
{
	struct img im = elf_with_pair(0x100);

	scribble(state);
	put_pair(&im, TEXT_OFF + 0x400);
	expect_fail(*state, im, -ENOEXEC, "2 vmmcall/vmcall hypercall pairs (the first at 0x100100)");
	/* Refused before anything was written. */
	assert_gmem_filled(*state, TEXT_PADDR, 0xaa, TEXT_LEN);
}

static void edit_pair(struct img *elf)
{
	put_pair(elf, TEXT_OFF + 0x500);
}

static void edit_two_pairs(struct img *elf)
{
	put_pair(elf, TEXT_OFF + 0x500);
	put_pair(elf, TEXT_OFF + 0x700);
}

static void test_patch_bzimage(void **state)
{
	struct img bz = good_bzimage(8 << 20, edit_pair);
	struct hv_kernel k;

	assert_int_equal(load(*state, &bz, HV_LOAD_PATCH_HYPERCALLS, &k), 0);
	assert_true(k.hypercalls_patched);
	assert_gmem_bytes(*state, TEXT_PADDR + 0x500, patched, 3);
	assert_gmem_bytes(*state, TEXT_PADDR + 0x510, patched, 3);
	free(bz.buf);
	expect_fail(*state, good_bzimage(8 << 20, edit_two_pairs), -ENOEXEC, "refusing to guess");
	bz = good_bzimage(8 << 20, NULL);
	assert_int_equal(load(*state, &bz, HV_LOAD_PATCH_HYPERCALLS, &k), 0);
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

#define T(f) cmocka_unit_test_setup(f, scribble)

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
		T(test_bzimage_good),
		T(test_bzimage_big),
		T(test_bzimage_truncated),
		T(test_bzimage_bad_header),
		T(test_bzimage_unsupported),
		T(test_bzimage_bad_lz4),
		T(test_bzimage_stray_bytes),
		T(test_bzimage_bad_payload),
		T(test_patch_one),
		T(test_patch_none),
		T(test_patch_paddr_alignment),
		T(test_patch_ambiguous),
		T(test_patch_bzimage),
		cmocka_unit_test(test_debian_kernel),
		cmocka_unit_test(test_mini_guest),
		cmocka_unit_test(test_read_file),
	};

	return cmocka_run_group_tests(tests, setup_gmem, teardown_gmem);
}
