/*
 * libFuzzer target for hv/insn.c: the first byte picks the CPU mode, the
 * rest are instruction bytes.  A decode that succeeds must describe an
 * instruction no longer than the bytes given, with registers in range.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "insn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_insn i;

	if (size < 1)
		return 0;
	if (hv_insn_decode(data + 1, size - 1, data[0] & 1, &i) != 0)
		return 0;
	if (i.len == 0 || i.len > size - 1 || i.len > HV_INSN_MAX || i.reg > 15 || i.rm > 15)
		abort();
	if (i.mem && ((i.base > 15 && i.base != HV_INSN_NOREG) ||
		      (i.index > 15 && i.index != HV_INSN_NOREG) || i.scale == 0 || i.scale > 8))
		abort();
	return 0;
}
