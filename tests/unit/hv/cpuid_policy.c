/*
 * Tests for hv/cpuid_policy.c: both cpuid= syntaxes, the feature table,
 * errors, and applying rules to a small synthetic CPUID table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <linux/kvm.h>

#include "cpuid.h"

#define BIT(n) (UINT32_C(1) << (n))
#define X31 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define ALL_X X31 "x"

_Static_assert(sizeof(ALL_X) == 33, "32 bits");

static void parse_ok(struct hv_cpuid_policy *p, const char *spec)
{
	char err[256] = "";

	if (hv_cpuid_policy_parse(p, spec, err, sizeof(err)))
		fail_msg("\"%s\": %s", spec, err);
}

static void assert_rule(const struct hv_cpuid_rule *r, uint32_t leaf, uint32_t subleaf,
			enum hv_cpuid_reg reg, uint32_t clear, uint32_t set)
{
	assert_int_equal(r->leaf, leaf);
	assert_int_equal(r->subleaf, subleaf);
	assert_false(r->any_subleaf);
	assert_int_equal(r->reg, reg);
	assert_int_equal(r->clear, clear);
	assert_int_equal(r->set, set);
}

static void test_libxl_masks(void **state)
{
	struct hv_cpuid_policy p = { 0 };

	(void)state;
	parse_ok(&p, "host,cx16=0,popcnt=0,smap=0,hypervisor=1");
	assert_int_equal(p.nr_rules, 2);
	assert_rule(&p.rules[0], 1, 0, HV_ECX, BIT(13) | BIT(23), BIT(31));
	assert_rule(&p.rules[1], 7, 0, HV_EBX, BIT(20), 0);
	hv_cpuid_policy_free(&p);
	assert_null(p.rules);
	assert_int_equal(p.nr_rules, 0);
}

/* Later items override earlier ones bit by bit; x, k and s add no rule. */
static void test_libxl_override(void **state)
{
	struct hv_cpuid_policy p = { 0 };

	(void)state;
	parse_ok(&p, "host,cx16=0,cx16=x,sse3=k,avx=s,,lm=1,lm=0,");
	assert_int_equal(p.nr_rules, 1);
	assert_rule(&p.rules[0], 0x80000001, 0, HV_EDX, BIT(29), 0);
	hv_cpuid_policy_free(&p);

	parse_ok(&p, "host");
	assert_int_equal(p.nr_rules, 0);
	assert_null(p.rules);
}

/* Every leaf and register the table covers, and the spellings of a few. */
static void test_feature_table(void **state)
{
	static const struct {
		const char *name;
		uint32_t leaf, subleaf;
		enum hv_cpuid_reg reg;
		unsigned bit;
	} cases[] = {
		{ "fpu", 1, 0, HV_EDX, 0 }, { "cx8", 1, 0, HV_EDX, 8 },
		{ "sep", 1, 0, HV_EDX, 11 }, { "sysenter", 1, 0, HV_EDX, 11 },
		{ "clfsh", 1, 0, HV_EDX, 19 }, { "pbe", 1, 0, HV_EDX, 31 },
		{ "sse3", 1, 0, HV_ECX, 0 }, { "ds-cpl", 1, 0, HV_ECX, 4 },
		{ "cntx-id", 1, 0, HV_ECX, 10 }, { "cx16", 1, 0, HV_ECX, 13 },
		{ "sse4.1", 1, 0, HV_ECX, 19 }, { "sse4_2", 1, 0, HV_ECX, 20 },
		{ "tsc-deadline", 1, 0, HV_ECX, 24 }, { "hypervisor", 1, 0, HV_ECX, 31 },
		{ "fsgsbase", 7, 0, HV_EBX, 0 }, { "tsc_adjust", 7, 0, HV_EBX, 1 },
		{ "pqm", 7, 0, HV_EBX, 12 }, { "avx512-ifma", 7, 0, HV_EBX, 21 },
		{ "avx512vl", 7, 0, HV_EBX, 31 }, { "prefetchwt1", 7, 0, HV_ECX, 0 },
		{ "ospke", 7, 0, HV_ECX, 4 }, { "pks", 7, 0, HV_ECX, 31 },
		{ "md-clear", 7, 0, HV_EDX, 10 }, { "ssbd", 7, 0, HV_EDX, 31 },
		{ "avx512-bf16", 7, 1, HV_EAX, 5 }, { "xsaveopt", 0xd, 1, HV_EAX, 0 },
		{ "xsaves", 0xd, 1, HV_EAX, 3 }, { "lahfsahf", 0x80000001, 0, HV_ECX, 0 },
		{ "svm", 0x80000001, 0, HV_ECX, 2 }, { "perfctr_nb", 0x80000001, 0, HV_ECX, 24 },
		{ "syscall", 0x80000001, 0, HV_EDX, 11 }, { "nx", 0x80000001, 0, HV_EDX, 20 },
		{ "page1gb", 0x80000001, 0, HV_EDX, 26 }, { "3dnow", 0x80000001, 0, HV_EDX, 31 },
		{ "invtsc", 0x80000007, 0, HV_EDX, 8 },
	};
	char spec[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hv_cpuid_policy p = { 0 };

		snprintf(spec, sizeof(spec), "host,%s=1", cases[i].name);
		parse_ok(&p, spec);
		assert_int_equal(p.nr_rules, 1);
		assert_rule(&p.rules[0], cases[i].leaf, cases[i].subleaf, cases[i].reg, 0,
			    BIT(cases[i].bit));
		hv_cpuid_policy_free(&p);
	}
}

static void test_xend(void **state)
{
	struct hv_cpuid_policy p = { 0 };

	(void)state;
	/* MSB first: the first character is bit 31 */
	parse_ok(&p, "0x80000001:edx=0xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1");
	assert_int_equal(p.nr_rules, 1);
	assert_rule(&p.rules[0], 0x80000001, 0, HV_EDX, BIT(31), BIT(0));

	/* appends to p; subleaf in decimal; blanks after commas; all-x adds nothing */
	parse_ok(&p, "13,1:eax=xxxxxxxxxxxxxxxxxxxxxxxxxxxx0kxs, ebx=" ALL_X
		     ",ecx=1111111111111111000000000000000k");
	assert_int_equal(p.nr_rules, 3);
	assert_rule(&p.rules[1], 0xd, 1, HV_EAX, BIT(3), 0);
	assert_rule(&p.rules[2], 0xd, 1, HV_ECX, 0x0000fffe, 0xffff0000);

	/* a register given twice: the second wins */
	parse_ok(&p, "0x7,0x0:ebx=" ALL_X ",ebx=0xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	assert_int_equal(p.nr_rules, 4);
	assert_rule(&p.rules[3], 7, 0, HV_EBX, BIT(31), 0);
	hv_cpuid_policy_free(&p);
}

static void assert_parse_error(const char *spec, const char *msg)
{
	struct hv_cpuid_policy p = { 0 };
	char err[256] = "";

	parse_ok(&p, "host,cx16=0");
	assert_int_equal(hv_cpuid_policy_parse(&p, spec, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
	/* p is unchanged */
	assert_int_equal(p.nr_rules, 1);
	assert_rule(&p.rules[0], 1, 0, HV_ECX, BIT(13), 0);
	hv_cpuid_policy_free(&p);
}

#define BAD_VALUE "the value must be 0, 1, x, k or s"

static void test_errors(void **state)
{
	(void)state;
	assert_parse_error("", "\"\" (column 1): empty CPUID policy");
	assert_parse_error("cx16=0", "\"cx16=0\" (column 1): a CPUID policy starts with "
				     "\"host\" or a leaf number");
	assert_parse_error("hosts,cx16=0", "\"hosts\" (column 1): a CPUID policy starts with "
					   "\"host\" or a leaf number");
	assert_parse_error("host,cx17=0", "\"cx17=0\" (column 6): unknown CPUID feature \"cx17\"");
	assert_parse_error("host,smap=0,cx16", "\"cx16\" (column 13): expected NAME=VALUE");
	assert_parse_error("host,cx16=2", "\"cx16=2\" (column 6): " BAD_VALUE);
	assert_parse_error("host,cx16=", "\"cx16=\" (column 6): " BAD_VALUE);
	assert_parse_error("host,cx16=00", "\"cx16=00\" (column 6): " BAD_VALUE);
	assert_parse_error("host,=1", "\"=1\" (column 6): unknown CPUID feature \"\"");
	assert_parse_error("1:eax=0101", "\"eax=0101\" (column 3): expected 32 characters of 0, "
					 "1, x, k or s, not 4");
	assert_parse_error("1:eax=" ALL_X "x", "\"eax=" ALL_X "x\" (column 3): expected 32 "
					       "characters of 0, 1, x, k or s, not 33");
	assert_parse_error("1:eax=" ALL_X ",efx=" ALL_X,
			   "\"efx=" ALL_X "\" (column 40): expected eax=, "
			   "ebx=, ecx= or edx= and 32 bits");
	assert_parse_error("1:eax=" ALL_X ",", "\"\" (column 40): expected eax=, ebx=, ecx= or "
						"edx= and 32 bits");
	assert_parse_error("1:", "\"\" (column 3): expected eax=, ebx=, ecx= or edx= and 32 bits");
	assert_parse_error("1:ecx=" X31 "2",
			   "\"ecx=" X31 "2\" (column 3): character 32 "
			   "('2') is not 0, 1, x, k or s");
	assert_parse_error("0x1g:eax=" ALL_X, "\"0x1g\" (column 1): the leaf is not a "
					      "hexadecimal number");
	assert_parse_error("1x:eax=" ALL_X, "\"1x\" (column 1): the leaf is not a decimal number");
	assert_parse_error("0x:eax=" ALL_X, "\"0x\" (column 1): expected a leaf number");
	assert_parse_error("07:eax=" ALL_X, "\"07\" (column 1): the leaf has a leading zero "
					    "(octal is not supported)");
	assert_parse_error("0x100000000:eax=" ALL_X, "\"0x100000000\" (column 1): the leaf is "
						     "larger than 0xffffffff");
	assert_parse_error("7,:eax=" ALL_X, "\"\" (column 3): expected a subleaf number");
	assert_parse_error("7,0,1:eax=" ALL_X, "\",1\" (column 4): expected ':' after the leaf "
					       "and subleaf");
	assert_parse_error("7", "\"\" (column 2): expected ':' after the leaf and subleaf");
	assert_parse_error("host,averyveryveryveryveryveryverylongfeaturename=0",
			   "\"averyveryveryveryveryveryverylongfeature...\" (column 6): unknown "
			   "CPUID feature \"averyveryveryveryveryveryverylongfeature\"");
}

/* A tiny table shaped like KVM's: leaf 1 unindexed, leaf 7 and 0xd indexed. */
static void fill_table(struct kvm_cpuid_entry2 *e)
{
	static const struct kvm_cpuid_entry2 table[] = {
		{ .function = 1, .eax = 0x11, .ecx = 0x00002000, .edx = 0x0000ffff },
		{ .function = 7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		  .ebx = 0xffffffff },
		{ .function = 7, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		  .ebx = 0xffffffff },
		{ .function = 0xd, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		  .eax = 0xf },
		{ .function = 0x80000001, .ecx = 0x1, .edx = 0x20000000 },
	};

	memcpy(e, table, sizeof(table));
}

static void test_apply(void **state)
{
	struct hv_cpuid_policy p = { 0 };
	struct kvm_cpuid_entry2 e[5];

	(void)state;
	fill_table(e);
	parse_ok(&p, "host,cx16=0,x2apic=1,smap=0,xsaves=0,lm=0,lahfsahf=1");
	/* leaf 1 has no subleaves: a rule for another subleaf still applies */
	parse_ok(&p, "1,5:edx=xxxxxxxxxxxxxxxx0000000000000000");
	hv_cpuid_policy_apply(&p, e, 5);
	assert_int_equal(e[0].ecx, BIT(21));
	assert_int_equal(e[0].edx, 0);
	assert_int_equal(e[0].eax, 0x11);
	assert_int_equal(e[1].ebx, ~BIT(20));
	assert_int_equal(e[2].ebx, 0xffffffff); /* subleaf 1 untouched */
	assert_int_equal(e[3].eax, 0x7);
	assert_int_equal(e[4].ecx, 0x1);
	assert_int_equal(e[4].edx, 0);
	hv_cpuid_policy_free(&p);
}

/* Rules apply in order; any_subleaf reaches every subleaf. */
static void test_apply_order(void **state)
{
	struct hv_cpuid_rule rules[] = {
		{ .leaf = 7, .any_subleaf = true, .reg = HV_EBX, .clear = 0xff },
		{ .leaf = 7, .subleaf = 1, .reg = HV_EBX, .set = 0x1 },
	};
	struct hv_cpuid_policy p = { rules, 2 };
	struct kvm_cpuid_entry2 e[5];

	(void)state;
	fill_table(e);
	hv_cpuid_policy_apply(&p, e, 5);
	assert_int_equal(e[1].ebx, 0xffffff00);
	assert_int_equal(e[2].ebx, 0xffffff01);
	assert_int_equal(e[0].ebx, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libxl_masks),
		cmocka_unit_test(test_libxl_override),
		cmocka_unit_test(test_feature_table),
		cmocka_unit_test(test_xend),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_apply_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
