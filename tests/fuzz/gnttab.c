/*
 * libFuzzer target for grant tables with random tables: the input lays out
 * a table in guest memory, then runs a sequence of backend copies, maps and
 * unmaps, guest rewrites of entries, frame placements and GNTTABOP calls.
 * Checked: every copy that succeeds moved the granted bytes, a write never
 * lands in a read-only grant, and once the backend holds nothing, no entry
 * is left with GTF_reading or GTF_writing.
 *
 * Input: a count N (1 byte), N grant entries (8 bytes each, written to
 * frame 0), then operations of 8 bytes: kind, arg, ref (2), offset (2),
 * len (2).
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <xen/memory.h>

#include "fake_domain.h"
#include "gnttab.h"
#include "hypercall.h"
#include "log.h"

#define TABLE_GFN 0x20ULL
#define DATA_GFN 0x40ULL
#define NR_DATA 80        /* granted frames fall in DATA_GFN .. + NR_DATA */
#define HOLE_GFN 0x10000ULL /* above the 16 MiB of RAM; 8 of them at most */
#define NR_SLOTS 8
#define ARG 0x1000ULL

enum op { COPY_FROM, COPY_TO, MAP, UNMAP, REWRITE, PLACE, HYPERCALL, NR_OPS };

struct op_bytes {
	uint8_t kind, arg;
	uint16_t ref, offset, len;
};

static struct fake_domain f;
static struct hv_grant_map slots[NR_SLOTS];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fake_domain_init(&f, 16, 1))
		fatal("cannot build the fuzzing domain");
	f.d.console.out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	f.d.vcpus[0].run->s.regs.sregs.cr0 = 1;
	return 0;
}

/* An entry as the fuzzer's guest writes it: never the backend's flags. */
static void write_entry(uint64_t gpa, const void *raw)
{
	grant_entry_v1_t e;

	memcpy(&e, raw, sizeof(e));
	e.flags &= ~(GTF_reading | GTF_writing);
	e.domid &= 1; /* half for dom0 */
	if (!(e.frame & 0x80000000u))
		e.frame = DATA_GFN + e.frame % NR_DATA;
	hv_gmem_write(&f.d.mem, gpa, &e, sizeof(e));
}

/* Where entry ref is now (frame_gfn mirrors the table), 0 if nowhere. */
static uint64_t entry_gpa(uint64_t frame_gfn[HV_GNTTAB_MAX_FRAMES], grant_ref_t ref)
{
	unsigned frame = ref / 512;

	if (frame >= HV_GNTTAB_MAX_FRAMES || !frame_gfn[frame])
		return 0;
	return (frame_gfn[frame] << 12) + (ref % 512) * 8;
}

static grant_entry_v1_t read_entry(uint64_t gpa)
{
	grant_entry_v1_t e = { 0 };

	hv_gmem_read(&f.d.mem, gpa, &e, sizeof(e));
	return e;
}

static void copy_op(const struct op_bytes *o, uint64_t frame_gfn[HV_GNTTAB_MAX_FRAMES], bool to)
{
	static uint8_t buf[4096], mem[4096];
	uint16_t offset = o->offset % 4200, len = o->len % 4200;
	uint64_t gpa = entry_gpa(frame_gfn, o->ref);
	grant_entry_v1_t e = read_entry(gpa);
	int err;

	memset(buf, o->arg, sizeof(buf));
	if (to)
		err = hv_gnttab_copy_to(&f.d, o->ref, offset, buf, len);
	else
		err = hv_gnttab_copy_from(&f.d, o->ref, offset, buf, len);
	if (err)
		return;
	if (!gpa || (to && (e.flags & GTF_readonly)) || offset + len > 4096)
		__builtin_trap();
	hv_gmem_read(&f.d.mem, ((uint64_t)e.frame << 12) + offset, mem, len);
	if (memcmp(buf, mem, len))
		__builtin_trap();
}

static void map_op(const struct op_bytes *o)
{
	struct hv_grant_map *m = &slots[o->arg % NR_SLOTS];

	if (m->host)
		return;
	if (hv_gnttab_map(&f.d, o->ref, o->arg & 0x80, m) == 0 && m->write)
		memset(m->host, o->arg, 4096);
}

/* Places frame arg % 8 (sometimes beyond the maximum) at a RAM page or a hole. */
static void place_op(const struct op_bytes *o, uint64_t frame_gfn[HV_GNTTAB_MAX_FRAMES])
{
	uint64_t idx = o->arg & 0x40 ? HV_GNTTAB_MAX_FRAMES - 4 + o->arg % 8 : o->arg % 8;
	uint64_t gfn = o->offset & 1 ? HOLE_GFN + o->offset % 8 : TABLE_GFN + o->offset % 8;

	if (hv_gnttab_add_frame(&f.d, idx, gfn) != 0)
		return;
	for (unsigned i = 0; i < HV_GNTTAB_MAX_FRAMES; i++)
		if (frame_gfn[i] == gfn)
			frame_gfn[i] = 0;
	frame_gfn[idx] = gfn;
}

/* A GNTTABOP with the operation's bytes as its argument struct. */
static void hypercall_op(const struct op_bytes *o)
{
	struct hv_hcall c = { .nr = __HYPERVISOR_grant_table_op,
			      .arg = { o->arg % 12, ARG, o->len % 3 }, .long_mode = o->arg & 0x80 };
	uint8_t arg[24] = { 0 };

	memcpy(arg, o, sizeof(*o));
	memcpy(arg + 16, &(uint64_t){ ARG + 64 }, sizeof(uint64_t)); /* a frame list */
	hv_gmem_write(&f.d.mem, ARG, arg, sizeof(arg));
	hv_hypercall(&f.d.vcpus[0], &c);
}

static void run(const struct op_bytes *o, uint64_t frame_gfn[HV_GNTTAB_MAX_FRAMES])
{
	uint64_t gpa;

	switch (o->kind % NR_OPS) {
	case COPY_FROM: copy_op(o, frame_gfn, false); break;
	case COPY_TO: copy_op(o, frame_gfn, true); break;
	case MAP: map_op(o); break;
	case UNMAP: hv_gnttab_unmap(&f.d, &slots[o->arg % NR_SLOTS]); break;
	case REWRITE:
		gpa = entry_gpa(frame_gfn, o->ref % 1024);
		if (gpa)
			write_entry(gpa, (const uint8_t *)o);
		break;
	case PLACE: place_op(o, frame_gfn); break;
	default: hypercall_op(o); break;
	}
}

/* Nothing is held: no entry of a placed frame may keep the backend's flags. */
static void check_flags(uint64_t frame_gfn[HV_GNTTAB_MAX_FRAMES])
{
	for (unsigned frame = 0; frame < HV_GNTTAB_MAX_FRAMES; frame++) {
		for (unsigned i = 0; frame_gfn[frame] && i < 512; i++)
			if (read_entry((frame_gfn[frame] << 12) + i * 8).flags &
			    (GTF_reading | GTF_writing))
				__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t frame_gfn[HV_GNTTAB_MAX_FRAMES] = { TABLE_GFN };
	size_t n = size ? data[0] : 0, off = 1;

	if (size < 1 + n * 8)
		return 0;
	/* A fresh table each time: the device state does not carry over. */
	hv_devices_exit(&f.d);
	if (hv_devices_init(&f.d))
		fatal("cannot restart the devices");
	hv_gmem_fill(&f.d.mem, TABLE_GFN << 12, 0, 8 << 12);
	hv_gmem_fill(&f.d.mem, DATA_GFN << 12, 0, NR_DATA << 12);
	if (hv_gnttab_add_frame(&f.d, 0, TABLE_GFN))
		fatal("cannot place the table");
	for (size_t i = 0; i < n; i++, off += 8)
		write_entry((TABLE_GFN << 12) + i * 8, data + off);
	for (; off + sizeof(struct op_bytes) <= size; off += sizeof(struct op_bytes)) {
		struct op_bytes o;

		memcpy(&o, data + off, sizeof(o));
		run(&o, frame_gfn);
	}
	for (unsigned i = 0; i < NR_SLOTS; i++)
		hv_gnttab_unmap(&f.d, &slots[i]);
	check_flags(frame_gfn);
	return 0;
}
