/*
 * The instruction decoder of the kvm_pvm assist (hv/insn.c): encodings as
 * Linux and compilers emit them, each with what it must decode to, then the
 * forms it must refuse and every truncation of the good ones.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "insn.h"

#define NO HV_INSN_NOREG

struct good {
	const char *what;
	uint8_t bytes[HV_INSN_MAX];
	size_t n;
	bool long64;
	struct hv_insn want;
};

static const struct good goods[] = {
	{ "int3", { 0xcc }, 1, true, { .op = HV_INSN_INT3, .len = 1 } },
	{ "fwait", { 0x9b }, 1, true, { .op = HV_INSN_FWAIT, .len = 1 } },
	{ "clac", { 0x0f, 0x01, 0xca }, 3, true, { .op = HV_INSN_CLAC, .len = 3 } },
	{ "stac", { 0x0f, 0x01, 0xcb }, 3, false, { .op = HV_INSN_STAC, .len = 3 } },
	{ "popcnt %rdi,%rax", { 0xf3, 0x48, 0x0f, 0xb8, 0xc7 }, 5, true,
	  { .op = HV_INSN_POPCNT, .len = 5, .opsize = 8, .reg = 0, .rm = 7 } },
	{ "popcnt %r9d,%r10d", { 0xf3, 0x45, 0x0f, 0xb8, 0xd1 }, 5, true,
	  { .op = HV_INSN_POPCNT, .len = 5, .opsize = 4, .reg = 10, .rm = 9 } },
	{ "popcnt %cx,%dx", { 0x66, 0xf3, 0x0f, 0xb8, 0xd1 }, 5, true,
	  { .op = HV_INSN_POPCNT, .len = 5, .opsize = 2, .reg = 2, .rm = 1 } },
	{ "popcnt 0x8(%rbx),%rax", { 0xf3, 0x48, 0x0f, 0xb8, 0x43, 0x08 }, 6, true,
	  { .op = HV_INSN_POPCNT, .len = 6, .opsize = 8, .mem = true, .base = 3, .index = NO,
	    .scale = 1, .addr_size = 8, .seg = HV_SEG_DS, .disp = 8 } },
	{ "ldmxcsr -0x4(%rsp)", { 0x0f, 0xae, 0x54, 0x24, 0xfc }, 5, true,
	  { .op = HV_INSN_LDMXCSR, .len = 5, .opsize = 4, .reg = 2, .mem = true, .base = 4,
	    .index = NO, .scale = 1, .addr_size = 8, .seg = HV_SEG_SS, .disp = -4 } },
	{ "stmxcsr 0x100(%rbp)", { 0x0f, 0xae, 0x9d, 0x00, 0x01, 0x00, 0x00 }, 7, true,
	  { .op = HV_INSN_STMXCSR, .len = 7, .opsize = 4, .reg = 3, .mem = true, .base = 5,
	    .index = NO, .scale = 1, .addr_size = 8, .seg = HV_SEG_SS, .disp = 0x100 } },
	{ "ldmxcsr 0x10(%rip)", { 0x0f, 0xae, 0x15, 0x10, 0x00, 0x00, 0x00 }, 7, true,
	  { .op = HV_INSN_LDMXCSR, .len = 7, .opsize = 4, .reg = 2, .mem = true, .base = NO,
	    .index = NO, .scale = 1, .rip_rel = true, .addr_size = 8, .seg = HV_SEG_DS,
	    .disp = 0x10 } },
	{ "ldmxcsr %gs:0x20(%r12,%r13,8)", { 0x65, 0x43, 0x0f, 0xae, 0x54, 0xec, 0x20 }, 7, true,
	  { .op = HV_INSN_LDMXCSR, .len = 7, .opsize = 4, .reg = 2, .mem = true, .base = 12,
	    .index = 13, .scale = 8, .addr_size = 8, .seg = HV_SEG_GS, .disp = 0x20 } },
	{ "ldmxcsr 0x1234 (32-bit absolute)", { 0x0f, 0xae, 0x15, 0x34, 0x12, 0x00, 0x00 }, 7,
	  false,
	  { .op = HV_INSN_LDMXCSR, .len = 7, .opsize = 4, .reg = 2, .mem = true, .base = NO,
	    .index = NO, .scale = 1, .addr_size = 4, .seg = HV_SEG_DS, .disp = 0x1234 } },
	{ "ldmxcsr (%eax) with 67 in 64-bit mode", { 0x67, 0x0f, 0xae, 0x10 }, 4, true,
	  { .op = HV_INSN_LDMXCSR, .len = 4, .opsize = 4, .reg = 2, .mem = true, .base = 0,
	    .index = NO, .scale = 1, .addr_size = 4, .seg = HV_SEG_DS } },
	{ "ldmxcsr 0x40(,%rcx,4)", { 0x0f, 0xae, 0x14, 0x8d, 0x40, 0x00, 0x00, 0x00 }, 8, true,
	  { .op = HV_INSN_LDMXCSR, .len = 8, .opsize = 4, .reg = 2, .mem = true, .base = NO,
	    .index = 1, .scale = 4, .addr_size = 8, .seg = HV_SEG_DS, .disp = 0x40 } },
};

static void decodes_known_forms(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(goods) / sizeof(goods[0]); k++) {
		const struct good *g = &goods[k];
		struct hv_insn got;

		print_message("%s\n", g->what);
		assert_int_equal(hv_insn_decode(g->bytes, g->n, g->long64, &got), 0);
		assert_memory_equal(&got, &g->want, sizeof(got));
		/* Bytes after the instruction are not looked at. */
		assert_int_equal(hv_insn_decode(g->bytes, HV_INSN_MAX, g->long64, &got), 0);
		assert_int_equal(got.len, g->want.len);
		for (size_t cut = 0; cut < g->n; cut++)
			assert_int_equal(hv_insn_decode(g->bytes, cut, g->long64, &got), -ENODATA);
	}
}

static void refuses_the_rest(void **state)
{
	static const struct {
		uint8_t bytes[HV_INSN_MAX];
		size_t n;
		bool long64;
	} bad[] = {
		{ { 0x90 }, 1, true },                         /* nop */
		{ { 0x0f, 0x01, 0xc1 }, 3, true },             /* vmcall */
		{ { 0x0f, 0xb8, 0xc0 }, 3, true },             /* jmpe, not popcnt */
		{ { 0xf2, 0xf3, 0x0f, 0xb8, 0xc0 }, 5, true }, /* repne popcnt */
		{ { 0x0f, 0xae, 0xd0 }, 3, true },             /* ldmxcsr with a register */
		{ { 0x0f, 0xae, 0x28 }, 3, true },             /* xrstor (/5) */
		{ { 0xf3, 0x0f, 0xae, 0x10 }, 4, true },       /* rep ldmxcsr */
		{ { 0x67, 0x0f, 0xae, 0x10 }, 4, false },      /* 16-bit addressing */
		{ { 0x48, 0x90 }, 2, true },                    /* REX then nop */
		{ { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		    0x66, 0x66 },
		  HV_INSN_MAX, true },                          /* prefixes only */
	};
	struct hv_insn got;

	(void)state;
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		assert_int_equal(hv_insn_decode(bad[k].bytes, bad[k].n, bad[k].long64, &got),
				 -EINVAL);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(hv_insn_name(HV_INSN_POPCNT), "popcnt");
	assert_string_equal(hv_insn_name(HV_INSN_INT3), "int3");
	assert_string_equal(hv_insn_name((enum hv_insn_op)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decodes_known_forms),
		cmocka_unit_test(refuses_the_rest),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
