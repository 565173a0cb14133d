/*
 * libFuzzer target for hv/cpuid_policy.c: the input, NUL-terminated, is
 * one policy string; whatever parses is applied to a small CPUID table,
 * and everything is freed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kvm.h>

#include "cpuid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvm_cpuid_entry2 table[] = {
		{ .function = 1, .ecx = 0xfffffffe, .edx = 0x1 },
		{ .function = 7, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .ebx = 0x5a5a5a5a },
		{ .function = 0xd, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0x80000001, .edx = 0xffffffff },
	};
	struct hv_cpuid_policy p = { 0 };
	char *spec = malloc(size + 1), err[256];

	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	if (!hv_cpuid_policy_parse(&p, spec, err, sizeof(err)))
		hv_cpuid_policy_apply(&p, table, sizeof(table) / sizeof(table[0]));
	hv_cpuid_policy_free(&p);
	free(spec);
	return 0;
}
