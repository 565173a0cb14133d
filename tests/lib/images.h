/*
 * Kernel images synthesized for the unit tests of hv/loader.c and
 * hv/bzimage.c (ELF32, ELF64, bzImage around an LZ4 legacy frame), and the
 * helpers that load them into a guest and check what landed there.
 *
 * The helpers report with cmocka assertions: they are for cmocka tests only
 * (the fuzzers do not link them).  Each struct img owns its buf, which the
 * caller frees unless a helper says it takes the image.
 */
#ifndef TESTS_IMAGES_H
#define TESTS_IMAGES_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hv_gmem;
struct hv_kernel;

/* The guest RAM img_setup_gmem makes. */
#define IMG_RAM_BYTES (64ULL << 20)

/* Where a synthesized image puts things, in the file and in guest memory. */
#define IMG_TEXT_OFF 0x400
#define IMG_TEXT_PADDR 0x100000ULL
#define IMG_DATA_PADDR 0x800000ULL
#define IMG_ENTRY (IMG_TEXT_PADDR + 0x40)
#define IMG_TEXT_LEN 0x1000
#define IMG_BSS_LEN 0x2000
#define IMG_DATA_LEN 0x100
#define IMG_MAX_NOTES 0x100

/* payload_offset of img_bzimage: the payload does not start the protected-mode code. */
#define IMG_BZ_GAP 0x20

enum { IMG_PH_TEXT, IMG_PH_NOTE, IMG_PH_DATA, IMG_NR_PH };

/*
 * An ELF image described with 64-bit structures whatever its class, so that
 * tests can break any field before img_build() writes the file.
 */
struct img_layout {
	bool is64;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[IMG_NR_PH];
	Elf64_Shdr sh[2]; /* a null section and the notes; used if eh.e_shnum */
	uint8_t notes[IMG_MAX_NOTES];
	size_t notes_len;
	size_t text_len;
	size_t file_len;
};

struct img {
	uint8_t *buf;
	size_t len;
};

/* Stores v at p, which need not be aligned, in the host's (little-endian) order. */
void img_put32(uint8_t *p, uint32_t v);

/* Appends a note (name, type, descsz bytes of desc) to the layout's notes. */
void img_add_note(struct img_layout *l, const char *name, uint32_t type, const void *desc,
		  uint32_t descsz);

/* Replaces the notes by one Xen note whose description is descsz bytes of desc. */
void img_one_note(struct img_layout *l, uint32_t type, uint64_t desc, uint32_t descsz);

/*
 * Makes l a good image of text_len bytes of text: text (with bss), a PT_NOTE
 * with a build id and the PVH entry, and data.
 */
void img_init_layout(struct img_layout *l, bool is64, size_t text_len);

/* Replaces the PT_NOTE by a note section, which the loader must fall back to. */
void img_use_note_section(struct img_layout *l);

/* Writes the file the layout describes (l->file_len bytes; the caller frees buf). */
struct img img_build(const struct img_layout *l);

/* The good image of img_init_layout with IMG_TEXT_LEN bytes of text. */
struct img img_good_elf(bool is64);

/* Wraps in in an LZ4 legacy frame of blocks of at most block bytes, plus the size. */
struct img img_lz4_frame(const struct img *in, size_t block);

/*
 * A bzImage header (protocol 2.15) with setup_sects setup sectors (0 means
 * 4), IMG_BZ_GAP bytes, then a copy of payload at the very end of the file.
 */
struct img img_bzimage(const struct img *payload, uint8_t setup_sects);

/*
 * The good ELF64, changed by edit (if not NULL), LZ4-compressed in blocks of
 * block bytes, in a bzImage with one setup sector.
 */
struct img img_good_bzimage(size_t block, void (*edit)(struct img *));

/*
 * Loads buf[0..len) with stderr captured for img_log; returns
 * hv_load_kernel's result.
 */
int img_load_buf(struct hv_gmem *m, const uint8_t *buf, size_t len, unsigned flags,
		 struct hv_kernel *k);

/* img_load_buf of the whole image. */
int img_load(struct hv_gmem *m, const struct img *im, unsigned flags, struct hv_kernel *k);

/* What the loader wrote on stderr during the last img_load_buf (static storage). */
const char *img_log(void);

/*
 * Expects the load (with the hypercall patch) to fail with err and a message
 * containing msg; frees the image.
 */
void img_expect_fail(struct hv_gmem *m, struct img im, int err, const char *msg);

/* Asserts that guest memory at gpa holds the n bytes at want. */
void img_assert_gmem_bytes(struct hv_gmem *m, uint64_t gpa, const uint8_t *want, size_t n);

/* Asserts that guest memory at gpa holds n bytes of value c. */
void img_assert_gmem_filled(struct hv_gmem *m, uint64_t gpa, uint8_t c, size_t n);

/*
 * Checks that the good image im (from img_good_elf) is in guest memory
 * as k describes it, with the guest's other bytes still scribbled.
 */
void img_check_loaded(struct hv_gmem *m, const struct img *im, const struct hv_kernel *k);

/*
 * cmocka group setup and teardown: *state becomes a guest of IMG_RAM_BYTES,
 * which teardown destroys.  Setup returns 0, or -1 if it cannot be made.
 */
int img_setup_gmem(void **state);
int img_teardown_gmem(void **state);

/*
 * cmocka test setup: dirties the guest in *state with 0xaa, so that tests see
 * what the loader wrote or zeroed.  Returns 0 or -1.
 */
int img_scribble(void **state);

#endif
