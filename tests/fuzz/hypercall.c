/*
 * libFuzzer target for the hypercall layer: arbitrary hypercall numbers,
 * arguments, CPL and paging modes, with the input also laid into guest
 * memory so that pointer arguments and page tables are fuzzed too.  The
 * domain is marked stopped so that no call can block.
 *
 * Input: mode (1 byte: bits 0-1 paging mode, bit 2 32-bit caller, bit 3
 * CPL 3), number (1 byte), five arguments (8 bytes each), then up to 64 KiB
 * placed at guest-physical 0 (page tables, when paging is on, at 0x1000).
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "fake_domain.h"
#include "hypercall.h"
#include "log.h"

#define HEADER (2 + 5 * 8)
#define PAYLOAD_MAX 65536

static struct fake_domain f;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fake_domain_init(&f, 16, 2))
		fatal("cannot build the fuzzing domain");
	f.d.console.out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	return 0;
}

static void set_mode(struct kvm_sregs *s, unsigned mode)
{
	static const uint64_t cr0[] = { 0x1, 0x80010001, 0x80010001, 0x80010001 };
	static const uint64_t cr4[] = { 0, 0x20, 0x20, 0x10 };
	static const uint64_t efer[] = { 0, 0x500, 0, 0 };

	memset(s, 0, sizeof(*s));
	s->cr0 = cr0[mode];
	s->cr4 = cr4[mode];
	s->efer = efer[mode];
	s->cr3 = 0x1000;
	s->cs.l = mode == 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_vcpu *v = &f.d.vcpus[0];
	struct hv_hcall c = { 0 };
	size_t payload;

	if (size < HEADER)
		return 0;
	set_mode(&v->run->s.regs.sregs, data[0] & 3);
	c.long_mode = !(data[0] & 4) && (data[0] & 3) == 1;
	c.cpl = data[0] & 8 ? 3 : 0;
	c.nr = data[1];
	memcpy(c.arg, data + 2, 5 * 8);
	payload = size - HEADER < PAYLOAD_MAX ? size - HEADER : PAYLOAD_MAX;
	hv_gmem_fill(&f.d.mem, 0, 0, PAYLOAD_MAX);
	hv_gmem_write(&f.d.mem, 0, data + HEADER, payload);
	f.d.stop = HV_STOP_DESTROY;
	hv_hypercall(v, &c);
	return 0;
}
