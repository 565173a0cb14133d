#include "loader.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xen/elfnote.h>

#include "gmem.h"
#include "loader_int.h"
#include "log.h"

/* ELF structures are copied out of the image as they are: x86 is little-endian. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the loader assumes a little-endian host");

/*
 * Kernels have a handful of program headers and a few dozen sections.  The
 * limits bound the work a hostile image can cause (each header may cover the
 * whole file).
 */
#define MAX_PHDRS 64
#define MAX_SHDRS 1024

/* Post-XSA-466 Linux's hypercall stubs (ABI.md §1) and what replaces both. */
#define PAIR_ALIGN 16
static const uint8_t vmmcall[3] = { 0x0f, 0x01, 0xd9 };
static const uint8_t vmcall[3] = { 0x0f, 0x01, 0xc1 };
static const uint8_t out_e4[3] = { 0xe7, 0xe4, 0x90 }; /* out %eax,$0xe4; nop */

/* A program or section header, whatever the ELF class. */
struct hdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

/* Where a table of headers lies in the file. */
struct table {
	uint64_t off;
	unsigned entsize;
	unsigned num;
};

struct elf {
	const char *name; /* for messages: "kernel" or what it came from */
	const uint8_t *buf;
	size_t len;
	bool is64;
	struct table sh;
	unsigned nr_ph;
	struct hdr ph[MAX_PHDRS];
};

static bool is_elf(const uint8_t *buf, size_t len)
{
	return len >= SELFMAG && memcmp(buf, ELFMAG, SELFMAG) == 0;
}

static int check_ident(const struct elf *e)
{
	const uint8_t *id = e->buf;

	if (e->len < EI_NIDENT) {
		log_warnx("%s: ELF identification truncated (%zu bytes)", e->name, e->len);
		return -ENOEXEC;
	}
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64) {
		log_warnx("%s: ELF class %u is neither 32- nor 64-bit", e->name, id[EI_CLASS]);
		return -ENOEXEC;
	}
	if (id[EI_DATA] != ELFDATA2LSB || id[EI_VERSION] != EV_CURRENT) {
		log_warnx("%s: ELF image is not little-endian version 1 (data %u, version %u)",
			  e->name, id[EI_DATA], id[EI_VERSION]);
		return -ENOEXEC;
	}
	return 0;
}

/* Checks that a table of num entries of entsize bytes (at least min) is in the file. */
static int check_table(const struct elf *e, const char *what, const struct table *t,
		       size_t min, unsigned max)
{
	uint64_t size = (uint64_t)t->entsize * t->num;

	if (t->num > max) {
		log_warnx("%s: ELF image has %u %s headers (at most %u supported)", e->name, t->num,
			  what, max);
		return -ENOEXEC;
	}
	if (t->num == 0)
		return 0;
	if (t->entsize < min) {
		log_warnx("%s: ELF %s header size %u is below %zu", e->name, what, t->entsize, min);
		return -ENOEXEC;
	}
	if (t->off > e->len || size > e->len - t->off) {
		log_warnx("%s: ELF %s header table (offset 0x%llx, %u entries of %u bytes) extends "
			  "past end of file (%zu bytes)", e->name, what, (unsigned long long)t->off,
			  t->num, t->entsize, e->len);
		return -ENOEXEC;
	}
	return 0;
}

/* Reads the file header of the class check_ident found. */
static int read_ehdr(struct elf *e, struct table *ph)
{
	unsigned type, machine;

	if (e->len < (e->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr))) {
		log_warnx("%s: ELF header truncated (file is %zu bytes)", e->name, e->len);
		return -ENOEXEC;
	}
	if (e->is64) {
		Elf64_Ehdr h;

		memcpy(&h, e->buf, sizeof(h));
		type = h.e_type;
		machine = h.e_machine;
		*ph = (struct table){ h.e_phoff, h.e_phentsize, h.e_phnum };
		e->sh = (struct table){ h.e_shoff, h.e_shentsize, h.e_shnum };
	} else {
		Elf32_Ehdr h;

		memcpy(&h, e->buf, sizeof(h));
		type = h.e_type;
		machine = h.e_machine;
		*ph = (struct table){ h.e_phoff, h.e_phentsize, h.e_phnum };
		e->sh = (struct table){ h.e_shoff, h.e_shentsize, h.e_shnum };
	}
	/* Either machine in either class: a 64-bit kernel may come in an ELF32 wrapper. */
	if (type != ET_EXEC || (machine != EM_386 && machine != EM_X86_64)) {
		log_warnx("%s: ELF image is not an x86 executable (type %u, machine %u)", e->name,
			  type, machine);
		return -ENOEXEC;
	}
	return check_table(e, "program", ph, e->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr),
			   MAX_PHDRS);
}

static void get_phdr(const struct elf *e, const struct table *t, unsigned i, struct hdr *h)
{
	const uint8_t *p = e->buf + t->off + (uint64_t)i * t->entsize;

	if (e->is64) {
		Elf64_Phdr ph;

		memcpy(&ph, p, sizeof(ph));
		*h = (struct hdr){ ph.p_type, ph.p_flags, ph.p_offset, ph.p_paddr,
				   ph.p_filesz, ph.p_memsz, ph.p_align };
	} else {
		Elf32_Phdr ph;

		memcpy(&ph, p, sizeof(ph));
		*h = (struct hdr){ ph.p_type, ph.p_flags, ph.p_offset, ph.p_paddr,
				   ph.p_filesz, ph.p_memsz, ph.p_align };
	}
}

/* Reads section header i as a header with no load address. */
static void get_shdr(const struct elf *e, unsigned i, struct hdr *h)
{
	const uint8_t *p = e->buf + e->sh.off + (uint64_t)i * e->sh.entsize;

	if (e->is64) {
		Elf64_Shdr sh;

		memcpy(&sh, p, sizeof(sh));
		*h = (struct hdr){ sh.sh_type, 0, sh.sh_offset, 0, sh.sh_size, 0, sh.sh_addralign };
	} else {
		Elf32_Shdr sh;

		memcpy(&sh, p, sizeof(sh));
		*h = (struct hdr){ sh.sh_type, 0, sh.sh_offset, 0, sh.sh_size, 0, sh.sh_addralign };
	}
}

/* Checks that header i's file bytes [offset, offset + filesz) are in the file. */
static int check_in_file(const struct elf *e, const char *what, unsigned i, const struct hdr *h)
{
	if (h->offset > e->len || h->filesz > e->len - h->offset) {
		log_warnx("%s: ELF %s header %u extends past end of file (offset 0x%llx, size "
			  "0x%llx, file 0x%zx)", e->name, what, i, (unsigned long long)h->offset,
			  (unsigned long long)h->filesz, e->len);
		return -ENOEXEC;
	}
	return 0;
}

/* True if every page of [gpa, gpa + size) is RAM. */
static bool in_ram(struct hv_gmem *m, uint64_t gpa, uint64_t size)
{
	uint64_t end = gpa + size;

	if (end < gpa || end > hv_gmem_ram_end(m))
		return false;
	for (uint64_t pg = gpa & ~(HV_PAGE_SIZE - 1); pg < end; pg += HV_PAGE_SIZE)
		if (!hv_gmem_is_ram(m, pg))
			return false;
	return true;
}

static bool overlap(const struct hdr *a, const struct hdr *b)
{
	return a->paddr < b->paddr + b->memsz && b->paddr < a->paddr + a->memsz;
}

/* Checks PT_LOAD header i (ph[i]) against the file, RAM and the ones before it. */
static int check_load(struct hv_gmem *m, const struct elf *e, unsigned i)
{
	const struct hdr *h = &e->ph[i];
	int err;

	err = check_in_file(e, "program", i, h);
	if (err)
		return err;
	if (h->filesz > h->memsz) {
		log_warnx("%s: ELF program header %u has a file size (0x%llx) above its memory "
			  "size (0x%llx)", e->name, i, (unsigned long long)h->filesz,
			  (unsigned long long)h->memsz);
		return -ENOEXEC;
	}
	if (h->memsz && !in_ram(m, h->paddr, h->memsz)) {
		log_warnx("%s: ELF program header %u (physical 0x%llx, size 0x%llx) is not "
			  "wholly inside guest RAM (0x%llx bytes)", e->name, i,
			  (unsigned long long)h->paddr, (unsigned long long)h->memsz,
			  (unsigned long long)m->ram_size);
		return -ERANGE;
	}
	for (unsigned j = 0; j < i; j++) {
		if (h->memsz && e->ph[j].type == PT_LOAD && e->ph[j].memsz &&
		    overlap(h, &e->ph[j])) {
			log_warnx("%s: ELF program headers %u and %u overlap in guest memory",
				  e->name, j, i);
			return -ENOEXEC;
		}
	}
	return 0;
}

/* Reads and checks the program headers; PT_LOAD and PT_NOTE must be in the file. */
static int read_phdrs(struct hv_gmem *m, struct elf *e, const struct table *ph)
{
	int err = 0;

	e->nr_ph = ph->num;
	for (unsigned i = 0; i < e->nr_ph && !err; i++) {
		get_phdr(e, ph, i, &e->ph[i]);
		if (e->ph[i].type == PT_LOAD)
			err = check_load(m, e, i);
		else if (e->ph[i].type == PT_NOTE)
			err = check_in_file(e, "program", i, &e->ph[i]);
	}
	return err;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Reads the PHYS32_ENTRY note's value into *entry, unless one was found already. */
static int entry_note(const struct elf *e, const uint8_t *desc, uint32_t descsz,
		      uint64_t *entry)
{
	uint64_t v = 0;

	if (*entry != UINT64_MAX)
		return 0;
	if (descsz != 4 && descsz != 8) {
		log_warnx("%s: XEN_ELFNOTE_PHYS32_ENTRY note has %u bytes (want 4 or 8)", e->name,
			  descsz);
		return -ENOEXEC;
	}
	memcpy(&v, desc, descsz);
	if (v > UINT32_MAX) {
		log_warnx("%s: PVH entry point 0x%llx is above 4 GiB", e->name,
			  (unsigned long long)v);
		return -ENOEXEC;
	}
	*entry = v;
	return 0;
}

/*
 * Walks the notes in the file bytes of header i (a PT_NOTE or SHT_NOTE),
 * checking each lies within it, and takes the first PVH entry note.
 */
static int scan_notes(const struct elf *e, const char *what, unsigned i, const struct hdr *h,
		      uint64_t *entry)
{
	const uint8_t *p = e->buf + h->offset;
	uint64_t a = h->align == 8 ? 8 : 4, off = 0, desc;
	Elf32_Nhdr n; /* the same layout in both classes */
	int err;

	while (off < h->filesz) {
		if (h->filesz - off < sizeof(n))
			goto bad;
		memcpy(&n, p + off, sizeof(n));
		desc = align_up(off + sizeof(n) + n.n_namesz, a);
		if (desc > h->filesz || n.n_descsz > h->filesz - desc)
			goto bad;
		if (n.n_type == XEN_ELFNOTE_PHYS32_ENTRY && n.n_namesz == 4 &&
		    !memcmp(p + off + sizeof(n), "Xen", 4)) {
			err = entry_note(e, p + desc, n.n_descsz, entry);
			if (err)
				return err;
		}
		off = align_up(desc + n.n_descsz, a);
	}
	return 0;

bad:
	log_warnx("%s: ELF %s header %u: note at offset 0x%llx runs past the end of its %llu "
		  "bytes", e->name, what, i, (unsigned long long)off,
		  (unsigned long long)h->filesz);
	return -ENOEXEC;
}

/* Finds the PVH entry note in the PT_NOTE segments, or in note sections if there are none. */
static int find_entry(const struct elf *e, uint64_t *entry)
{
	bool segments = false;
	struct hdr h;
	int err = 0;

	*entry = UINT64_MAX;
	for (unsigned i = 0; i < e->nr_ph && !err; i++) {
		if (e->ph[i].type == PT_NOTE) {
			segments = true;
			err = scan_notes(e, "program", i, &e->ph[i], entry);
		}
	}
	if (segments || err)
		return err;
	err = check_table(e, "section", &e->sh, e->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr),
			  MAX_SHDRS);
	for (unsigned i = 0; i < e->sh.num && !err; i++) {
		get_shdr(e, i, &h);
		if (h.type != SHT_NOTE)
			continue;
		err = check_in_file(e, "section", i, &h);
		if (!err)
			err = scan_notes(e, "section", i, &h, entry);
	}
	return err;
}

/* Checks that the entry point is in the file bytes of a loaded segment. */
static int check_entry(const struct elf *e, uint64_t entry)
{
	if (entry == UINT64_MAX) {
		log_warnx("%s: image has no PVH entry point (no XEN_ELFNOTE_PHYS32_ENTRY note); "
			  "is it a Linux kernel built with CONFIG_PVH?", e->name);
		return -ENOEXEC;
	}
	for (unsigned i = 0; i < e->nr_ph; i++) {
		const struct hdr *h = &e->ph[i];

		if (h->type == PT_LOAD && entry >= h->paddr && entry - h->paddr < h->filesz)
			return 0;
	}
	log_warnx("%s: PVH entry point 0x%llx is not inside a loaded segment", e->name,
		  (unsigned long long)entry);
	return -ENOEXEC;
}

/*
 * Counts the hypercall pairs in segment h's file bytes, keeping the first
 * address in *gpa.  X is 16-byte aligned in guest-physical space, so only
 * every 16th byte can start a pair: the scan strides over the text.
 */
static unsigned count_pairs(const struct elf *e, const struct hdr *h, unsigned found,
			    uint64_t *gpa)
{
	const uint8_t *p = e->buf + h->offset;
	uint64_t last;

	if (h->filesz < PAIR_ALIGN + sizeof(vmcall))
		return found;
	last = h->filesz - PAIR_ALIGN - sizeof(vmcall);
	for (uint64_t i = -h->paddr & (PAIR_ALIGN - 1); i <= last; i += PAIR_ALIGN) {
		if (!memcmp(p + i, vmmcall, sizeof(vmmcall)) &&
		    !memcmp(p + i + PAIR_ALIGN, vmcall, sizeof(vmcall)) && !found++)
			*gpa = h->paddr + i;
	}
	return found;
}

/* Finds the one hypercall pair in the executable segments; *gpa = UINT64_MAX if none. */
static int find_pair(const struct elf *e, uint64_t *gpa)
{
	unsigned found = 0;
	uint64_t first = UINT64_MAX;

	for (unsigned i = 0; i < e->nr_ph; i++)
		if (e->ph[i].type == PT_LOAD && (e->ph[i].flags & PF_X))
			found = count_pairs(e, &e->ph[i], found, &first);
	if (found > 1) {
		log_warnx("%s: %u vmmcall/vmcall hypercall pairs (the first at 0x%llx); refusing "
			  "to guess which to patch", e->name, found, (unsigned long long)first);
		return -ENOEXEC;
	}
	*gpa = first;
	return 0;
}

/* Copies the checked segments into guest memory, zeroes their bss, and sets k's bounds. */
static int load_segments(struct hv_gmem *m, const struct elf *e, struct hv_kernel *k)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	int err;

	for (unsigned i = 0; i < e->nr_ph; i++) {
		const struct hdr *h = &e->ph[i];

		if (h->type != PT_LOAD || !h->memsz)
			continue;
		err = hv_gmem_write(m, h->paddr, e->buf + h->offset, h->filesz);
		if (!err)
			err = hv_gmem_fill(m, h->paddr + h->filesz, 0, h->memsz - h->filesz);
		if (err)
			return err;
		if (h->paddr < lo)
			lo = h->paddr;
		if (h->paddr + h->memsz > hi)
			hi = h->paddr + h->memsz;
	}
	k->load_lo = lo;
	k->load_hi = hi;
	return 0;
}

/*
 * Loads an ELF image into guest memory and fills *k.  Everything is checked,
 * and the hypercall pair found, before the first byte is written.
 */
static int load_elf(struct hv_gmem *m, struct elf *e, unsigned flags, struct hv_kernel *k)
{
	uint64_t entry, pair = UINT64_MAX;
	struct table ph;
	int err;

	err = check_ident(e);
	if (err)
		return err;
	e->is64 = e->buf[EI_CLASS] == ELFCLASS64;
	err = read_ehdr(e, &ph);
	if (!err)
		err = read_phdrs(m, e, &ph);
	if (!err)
		err = find_entry(e, &entry);
	if (!err)
		err = check_entry(e, entry);
	if (!err && (flags & HV_LOAD_PATCH_HYPERCALLS))
		err = find_pair(e, &pair);
	if (!err)
		err = load_segments(m, e, k);
	if (err)
		return err;
	if (pair != UINT64_MAX) {
		err = hv_gmem_write(m, pair, out_e4, sizeof(out_e4));
		if (!err)
			err = hv_gmem_write(m, pair + PAIR_ALIGN, out_e4, sizeof(out_e4));
	}
	k->entry = entry;
	k->hypercalls_patched = pair != UINT64_MAX;
	return err;
}

/* Unwraps a bzImage and loads the ELF image inside. */
static int load_bzimage(struct hv_gmem *m, const uint8_t *buf, size_t len, unsigned flags,
			struct hv_kernel *k)
{
	struct elf e = { .name = "kernel (bzImage payload)" };
	uint8_t *payload;
	size_t n;
	int err;

	err = hv__bzimage_payload(buf, len, &payload, &n);
	if (err)
		return err;
	e.buf = payload;
	e.len = n;
	if (is_elf(payload, n)) {
		err = load_elf(m, &e, flags, k);
	} else {
		log_warnx("%s: not an ELF image", e.name);
		err = -ENOEXEC;
	}
	free(payload);
	return err;
}

int hv_load_kernel(struct hv_gmem *m, const uint8_t *buf, size_t len, unsigned flags,
		   struct hv_kernel *k)
{
	struct elf e = { .name = "kernel", .buf = buf, .len = len };

	if (flags & ~HV_LOAD_PATCH_HYPERCALLS)
		return -EINVAL;
	if (is_elf(buf, len))
		return load_elf(m, &e, flags, k);
	if (hv__is_bzimage(buf, len))
		return load_bzimage(m, buf, len, flags, k);
	log_warnx("kernel: neither an ELF image nor a bzImage (no ELF magic, no \"HdrS\" at 0x202)");
	return -ENOEXEC;
}

int hv_read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	uint8_t *data;
	struct stat st;
	size_t size, got = 0;
	ssize_t r;
	int fd, err;

	/* O_NONBLOCK: opening a FIFO must not hang; it is refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto err_close;
	}
	if ((uint64_t)st.st_size > max) {
		err = -EFBIG;
		goto err_close;
	}
	size = (size_t)st.st_size;
	data = malloc(size ? size : 1);
	if (!data) {
		err = -ENOMEM;
		goto err_close;
	}
	while (got < size) {
		r = read(fd, data + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) { /* an error, or the file shrank while we read it */
			err = r < 0 ? -errno : -EIO;
			goto err_free;
		}
		got += (size_t)r;
	}
	close(fd);
	*buf = data;
	*len = size;
	return 0;

err_free:
	free(data);
err_close:
	close(fd);
	return err;
}
