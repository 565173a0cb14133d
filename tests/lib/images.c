/*
 * Kernel images synthesized for the loader's unit tests, and the helpers
 * that load them and check guest memory (see images.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "images.h"

#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xen/elfnote.h>

#include "gmem.h"
#include "loader.h"

/* Where the headers and notes go in the file (the rest is in images.h). */
#define PHOFF 0x40
#define SHOFF 0x140
#define NOTE_OFF 0x200

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

void img_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

void img_add_note(struct img_layout *l, const char *name, uint32_t type, const void *desc,
		  uint32_t descsz)
{
	Elf32_Nhdr n = { (uint32_t)strlen(name) + 1, descsz, type };
	size_t off = l->notes_len;

	assert_true(off + sizeof(n) + 2 * ((n.n_namesz + 3) & ~3U) + descsz + 3 <= IMG_MAX_NOTES);
	memcpy(l->notes + off, &n, sizeof(n));
	off += sizeof(n);
	memcpy(l->notes + off, name, n.n_namesz);
	off += (n.n_namesz + 3) & ~3U;
	memcpy(l->notes + off, desc, descsz);
	l->notes_len = off + ((descsz + 3) & ~3U);
}

void img_one_note(struct img_layout *l, uint32_t type, uint64_t desc, uint32_t descsz)
{
	l->notes_len = 0;
	img_add_note(l, "Xen", type, &desc, descsz);
	l->ph[IMG_PH_NOTE].p_filesz = l->notes_len;
}

void img_init_layout(struct img_layout *l, bool is64, size_t text_len)
{
	static const uint8_t build_id[20] = { 1, 2, 3 };
	uint64_t entry = IMG_ENTRY;

	memset(l, 0, sizeof(*l));
	l->is64 = is64;
	l->text_len = text_len;
	l->file_len = IMG_TEXT_OFF + text_len + IMG_DATA_LEN;
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
	l->eh.e_phnum = IMG_NR_PH;
	l->eh.e_shentsize = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	img_add_note(l, "GNU", NT_GNU_BUILD_ID, build_id, sizeof(build_id));
	img_add_note(l, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &entry, is64 ? 8 : 4);
	l->ph[IMG_PH_TEXT] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, IMG_TEXT_OFF, 0, IMG_TEXT_PADDR,
					   text_len, text_len + IMG_BSS_LEN, 0x1000 };
	l->ph[IMG_PH_NOTE] = (Elf64_Phdr){ PT_NOTE, PF_R, NOTE_OFF, 0, 0, l->notes_len,
					   l->notes_len, 4 };
	l->ph[IMG_PH_DATA] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_W, IMG_TEXT_OFF + text_len, 0,
					   IMG_DATA_PADDR, IMG_DATA_LEN, IMG_DATA_LEN, 0x1000 };
}

void img_use_note_section(struct img_layout *l)
{
	l->ph[IMG_PH_NOTE].p_type = PT_NULL;
	l->eh.e_shoff = SHOFF;
	l->eh.e_shnum = 2;
	l->sh[1] = (Elf64_Shdr){ .sh_type = SHT_NOTE, .sh_offset = NOTE_OFF,
				 .sh_size = l->notes_len, .sh_addralign = 4 };
}

static void put_elf32_headers(uint8_t *buf, const struct img_layout *l)
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
	for (unsigned i = 0; i < IMG_NR_PH; i++) {
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

struct img img_build(const struct img_layout *l)
{
	size_t cap = IMG_TEXT_OFF + l->text_len + IMG_DATA_LEN;
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
		im.buf[IMG_TEXT_OFF + i] = text_byte(i);
	for (size_t i = 0; i < IMG_DATA_LEN; i++)
		im.buf[IMG_TEXT_OFF + l->text_len + i] = data_byte(i);
	return im;
}

struct img img_good_elf(bool is64)
{
	struct img_layout l;

	img_init_layout(&l, is64, IMG_TEXT_LEN);
	return img_build(&l);
}

struct img img_lz4_frame(const struct img *in, size_t block)
{
	size_t nblocks = (in->len + block - 1) / block;
	size_t cap = 8 + nblocks * (4 + (size_t)LZ4_compressBound((int)block));
	struct img out = { malloc(cap), 4 };

	assert_non_null(out.buf);
	img_put32(out.buf, 0x184c2102);
	for (size_t pos = 0; pos < in->len; pos += block) {
		int n = (int)(in->len - pos < block ? in->len - pos : block);
		char *dst = (char *)out.buf + out.len + 4;
		int c = LZ4_compress_default((const char *)in->buf + pos, dst, n,
					     LZ4_compressBound(n));

		assert_true(c > 0);
		img_put32(out.buf + out.len, (uint32_t)c);
		out.len += 4 + (size_t)c;
	}
	img_put32(out.buf + out.len, (uint32_t)in->len);
	out.len += 4;
	return out;
}

struct img img_bzimage(const struct img *payload, uint8_t setup_sects)
{
	size_t start = ((setup_sects ? setup_sects : 4) + 1) * 512 + IMG_BZ_GAP;
	struct img im = { calloc(1, start + payload->len), start + payload->len };

	assert_non_null(im.buf);
	im.buf[0x1f1] = setup_sects;
	memcpy(im.buf + 0x202, "HdrS", 4);
	im.buf[0x206] = 0x0f;
	im.buf[0x207] = 0x02;
	img_put32(im.buf + 0x248, IMG_BZ_GAP);
	img_put32(im.buf + 0x24c, (uint32_t)payload->len);
	memcpy(im.buf + start, payload->buf, payload->len);
	return im;
}

struct img img_good_bzimage(size_t block, void (*edit)(struct img *))
{
	struct img elf = img_good_elf(true), lz, bz;

	if (edit)
		edit(&elf);
	lz = img_lz4_frame(&elf, block);
	bz = img_bzimage(&lz, 1);
	free(elf.buf);
	free(lz.buf);
	return bz;
}

int img_load_buf(struct hv_gmem *m, const uint8_t *buf, size_t len, unsigned flags,
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

int img_load(struct hv_gmem *m, const struct img *im, unsigned flags, struct hv_kernel *k)
{
	return img_load_buf(m, im->buf, im->len, flags, k);
}

const char *img_log(void)
{
	return logbuf;
}

void img_expect_fail(struct hv_gmem *m, struct img im, int err, const char *msg)
{
	struct hv_kernel k;

	assert_int_equal(img_load(m, &im, HV_LOAD_PATCH_HYPERCALLS, &k), err);
	if (!strstr(logbuf, msg))
		fail_msg("expected \"%s\" in the message, got: %s", msg, logbuf);
	free(im.buf);
}

void img_assert_gmem_bytes(struct hv_gmem *m, uint64_t gpa, const uint8_t *want, size_t n)
{
	uint8_t *got = malloc(n);

	assert_non_null(got);
	assert_int_equal(hv_gmem_read(m, gpa, got, n), 0);
	assert_memory_equal(got, want, n);
	free(got);
}

void img_assert_gmem_filled(struct hv_gmem *m, uint64_t gpa, uint8_t c, size_t n)
{
	uint8_t *want = malloc(n);

	assert_non_null(want);
	memset(want, c, n);
	img_assert_gmem_bytes(m, gpa, want, n);
	free(want);
}

void img_check_loaded(struct hv_gmem *m, const struct img *im, const struct hv_kernel *k)
{
	assert_int_equal(k->entry, IMG_ENTRY);
	assert_int_equal(k->load_lo, IMG_TEXT_PADDR);
	assert_int_equal(k->load_hi, IMG_DATA_PADDR + IMG_DATA_LEN);
	assert_false(k->hypercalls_patched);
	img_assert_gmem_bytes(m, IMG_TEXT_PADDR, im->buf + IMG_TEXT_OFF, IMG_TEXT_LEN);
	img_assert_gmem_filled(m, IMG_TEXT_PADDR + IMG_TEXT_LEN, 0, IMG_BSS_LEN);
	img_assert_gmem_filled(m, IMG_TEXT_PADDR + IMG_TEXT_LEN + IMG_BSS_LEN, 0xaa, 0x1000);
	img_assert_gmem_bytes(m, IMG_DATA_PADDR, im->buf + IMG_TEXT_OFF + IMG_TEXT_LEN,
			      IMG_DATA_LEN);
	img_assert_gmem_filled(m, IMG_TEXT_PADDR - 0x1000, 0xaa, 0x1000);
}

int img_setup_gmem(void **state)
{
	struct hv_gmem *m = malloc(sizeof(*m));

	if (!m || hv_gmem_init(m, IMG_RAM_BYTES)) {
		free(m);
		return -1;
	}
	*state = m;
	return 0;
}

int img_teardown_gmem(void **state)
{
	hv_gmem_destroy(*state);
	free(*state);
	return 0;
}

int img_scribble(void **state)
{
	return hv_gmem_fill(*state, 0, 0xaa, IMG_RAM_BYTES) ? -1 : 0;
}
