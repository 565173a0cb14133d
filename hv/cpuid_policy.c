/*
 * CPUID feature masks written in xl.cfg's cpuid= syntaxes (see cpuid.h),
 * and their application to the CPUID table that tern-hv gives KVM.
 *
 * Matching subleaves: a rule names a leaf and a subleaf (0 when the policy
 * names none: libxl feature names of leaves 1 and 0x80000001, or an xend
 * item without ",SUBLEAF").  A table entry whose KVM flags do not include
 * KVM_CPUID_FLAG_SIGNIFCANT_INDEX answers every subleaf of its leaf, so any
 * rule for that leaf applies to it whatever its subleaf; an entry with a
 * significant index takes only rules for its own subleaf, or rules with
 * any_subleaf set.
 *
 * Within one policy string, later items override earlier ones bit by bit,
 * as in libxl: "host,cx16=0,cx16=x" leaves cx16 alone.  Separate policy
 * strings are separate rules, applied in order.
 */
#include "cpuid.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kvm.h>

struct feature {
	const char *name;
	uint32_t leaf;
	uint32_t subleaf;
	enum hv_cpuid_reg reg;
	unsigned bit;
};

#define L1_ECX(n, b) { n, 0x00000001, 0, HV_ECX, b }
#define L1_EDX(n, b) { n, 0x00000001, 0, HV_EDX, b }
#define L7_EBX(n, b) { n, 0x00000007, 0, HV_EBX, b }
#define L7_ECX(n, b) { n, 0x00000007, 0, HV_ECX, b }
#define L7_EDX(n, b) { n, 0x00000007, 0, HV_EDX, b }
#define L71_EAX(n, b) { n, 0x00000007, 1, HV_EAX, b }
#define LD1_EAX(n, b) { n, 0x0000000d, 1, HV_EAX, b }
#define E1_ECX(n, b) { n, 0x80000001, 0, HV_ECX, b }
#define E1_EDX(n, b) { n, 0x80000001, 0, HV_EDX, b }
#define E7_EDX(n, b) { n, 0x80000007, 0, HV_EDX, b }

/*
 * Single-bit feature names: those of xl.cfg(5) and libxl's table, and the
 * names Xen derives from its public cpufeatureset.h (lower case, '-' for
 * '_'), so that files written for any Xen release work.  Bits from the
 * Intel SDM and AMD APM, cross-checked with cpufeatureset.h.
 */
static const struct feature features[] = {
	L1_EDX("fpu", 0), L1_EDX("vme", 1), L1_EDX("de", 2), L1_EDX("pse", 3),
	L1_EDX("tsc", 4), L1_EDX("msr", 5), L1_EDX("pae", 6), L1_EDX("mce", 7),
	L1_EDX("cx8", 8), L1_EDX("cmpxchg8", 8), L1_EDX("apic", 9),
	L1_EDX("sep", 11), L1_EDX("sysenter", 11), L1_EDX("mtrr", 12),
	L1_EDX("pge", 13), L1_EDX("mca", 14), L1_EDX("cmov", 15), L1_EDX("pat", 16),
	L1_EDX("pse36", 17), L1_EDX("psn", 18), L1_EDX("clfsh", 19), L1_EDX("ds", 21),
	L1_EDX("acpi", 22), L1_EDX("mmx", 23), L1_EDX("fxsr", 24), L1_EDX("sse", 25),
	L1_EDX("sse2", 26), L1_EDX("ss", 27), L1_EDX("htt", 28), L1_EDX("tm", 29),
	L1_EDX("tm1", 29), L1_EDX("ia64", 30), L1_EDX("pbe", 31),

	L1_ECX("sse3", 0), L1_ECX("pclmulqdq", 1), L1_ECX("dtes64", 2),
	L1_ECX("monitor", 3), L1_ECX("ds-cpl", 4), L1_ECX("dscpl", 4), L1_ECX("vmx", 5),
	L1_ECX("smx", 6), L1_ECX("est", 7), L1_ECX("eist", 7), L1_ECX("tm2", 8),
	L1_ECX("ssse3", 9), L1_ECX("cntx-id", 10), L1_ECX("cntxid", 10),
	L1_ECX("cnxt-id", 10), L1_ECX("fma", 12), L1_ECX("cx16", 13),
	L1_ECX("cmpxchg16", 13), L1_ECX("xtpr", 14), L1_ECX("pdcm", 15),
	L1_ECX("pcid", 17), L1_ECX("dca", 18), L1_ECX("sse4.1", 19), L1_ECX("sse4_1", 19),
	L1_ECX("sse4-1", 19), L1_ECX("sse4.2", 20), L1_ECX("sse4_2", 20),
	L1_ECX("sse4-2", 20), L1_ECX("x2apic", 21), L1_ECX("movbe", 22),
	L1_ECX("popcnt", 23), L1_ECX("tsc-deadline", 24), L1_ECX("aes", 25),
	L1_ECX("aesni", 25), L1_ECX("xsave", 26), L1_ECX("osxsave", 27), L1_ECX("avx", 28),
	L1_ECX("f16c", 29), L1_ECX("rdrand", 30), L1_ECX("hypervisor", 31),

	L7_EBX("fsgsbase", 0), L7_EBX("tsc_adjust", 1), L7_EBX("tsc-adjust", 1),
	L7_EBX("sgx", 2), L7_EBX("bmi1", 3), L7_EBX("hle", 4), L7_EBX("avx2", 5),
	L7_EBX("fdp-excp-only", 6), L7_EBX("smep", 7), L7_EBX("bmi2", 8),
	L7_EBX("erms", 9), L7_EBX("invpcid", 10), L7_EBX("rtm", 11), L7_EBX("pqm", 12),
	L7_EBX("cmt", 12), L7_EBX("no-fpu-sel", 13), L7_EBX("mpx", 14), L7_EBX("pqe", 15),
	L7_EBX("avx512f", 16), L7_EBX("avx512dq", 17), L7_EBX("rdseed", 18),
	L7_EBX("adx", 19), L7_EBX("smap", 20), L7_EBX("avx512-ifma", 21),
	L7_EBX("avx512ifma", 21), L7_EBX("clflushopt", 23), L7_EBX("clwb", 24),
	L7_EBX("proc-trace", 25), L7_EBX("avx512pf", 26), L7_EBX("avx512er", 27),
	L7_EBX("avx512cd", 28), L7_EBX("sha", 29), L7_EBX("avx512bw", 30),
	L7_EBX("avx512vl", 31),

	L7_ECX("prefetchwt1", 0), L7_ECX("avx512-vbmi", 1), L7_ECX("avx512vbmi", 1),
	L7_ECX("umip", 2), L7_ECX("pku", 3), L7_ECX("ospke", 4),
	L7_ECX("avx512-vbmi2", 6), L7_ECX("cet-ss", 7), L7_ECX("gfni", 8),
	L7_ECX("vaes", 9), L7_ECX("vpclmulqdq", 10), L7_ECX("avx512-vnni", 11),
	L7_ECX("avx512-bitalg", 12), L7_ECX("avx512-vpopcntdq", 14), L7_ECX("rdpid", 22),
	L7_ECX("cldemote", 25), L7_ECX("movdiri", 27), L7_ECX("movdir64b", 28),
	L7_ECX("enqcmd", 29), L7_ECX("pks", 31),

	L7_EDX("avx512-4vnniw", 2), L7_EDX("avx512-4fmaps", 3), L7_EDX("fsrm", 4),
	L7_EDX("avx512-vp2intersect", 8), L7_EDX("srbds-ctrl", 9), L7_EDX("md-clear", 10),
	L7_EDX("serialize", 14), L7_EDX("hybrid", 15), L7_EDX("tsxldtrk", 16),
	L7_EDX("cet-ibt", 20), L7_EDX("avx512-fp16", 23), L7_EDX("ibrsb", 26),
	L7_EDX("stibp", 27), L7_EDX("l1d-flush", 28), L7_EDX("arch-caps", 29),
	L7_EDX("core-caps", 30), L7_EDX("ssbd", 31),

	L71_EAX("avx-vnni", 4), L71_EAX("avx512-bf16", 5),

	LD1_EAX("xsaveopt", 0), LD1_EAX("xsavec", 1), LD1_EAX("xgetbv1", 2),
	LD1_EAX("xsaves", 3),

	E1_ECX("lahfsahf", 0), E1_ECX("lahf-lm", 0), E1_ECX("cmplegacy", 1),
	E1_ECX("cmp-legacy", 1), E1_ECX("svm", 2), E1_ECX("extapic", 3),
	E1_ECX("altmovcr8", 4), E1_ECX("cr8-legacy", 4), E1_ECX("abm", 5),
	E1_ECX("sse4a", 6), E1_ECX("misalignsse", 7), E1_ECX("3dnowprefetch", 8),
	E1_ECX("osvw", 9), E1_ECX("ibs", 10), E1_ECX("xop", 11), E1_ECX("skinit", 12),
	E1_ECX("wdt", 13), E1_ECX("lwp", 15), E1_ECX("fma4", 16), E1_ECX("tce", 17),
	E1_ECX("nodeid", 19), E1_ECX("nodeid-msr", 19), E1_ECX("tbm", 21),
	E1_ECX("topoext", 22), E1_ECX("perfctr_core", 23), E1_ECX("perfctr_nb", 24),

	E1_EDX("syscall", 11), E1_EDX("nx", 20), E1_EDX("mmxext", 22),
	E1_EDX("ffxsr", 25), E1_EDX("page1gb", 26), E1_EDX("rdtscp", 27),
	E1_EDX("lm", 29), E1_EDX("3dnowext", 30), E1_EDX("3dnow", 31),

	E7_EDX("invtsc", 8), E7_EDX("itsc", 8),
};

static const char *const reg_names[] = {
	[HV_EAX] = "eax", [HV_EBX] = "ebx", [HV_ECX] = "ecx", [HV_EDX] = "edx",
};

/* Items longer than this are cut short in messages. */
#define ITEM_SHOWN 40

/*
 * One policy string being parsed.  Its rules collect here and join the
 * caller's policy only once the whole string is valid.
 */
struct spec {
	const char *text;
	struct hv_cpuid_rule *rules;
	size_t nr_rules;
	char *err;
	size_t errlen;
};

/* Writes "ITEM" (column N): MESSAGE into the caller's buffer. */
static int fail(struct spec *s, const char *item, size_t len, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(s->err, s->errlen, "\"%.*s%s\" (column %zu): %s",
		 (int)(len > ITEM_SHOWN ? ITEM_SHOWN : len), item, len > ITEM_SHOWN ? "..." : "",
		 (size_t)(item - s->text) + 1, msg);
	return -EINVAL;
}

/*
 * Forces the bits of mask in one register: those in set to 1, those in
 * clear to 0, and the others (x, k, s) back to the host's value.
 */
static int force_bits(struct spec *s, uint32_t leaf, uint32_t subleaf, enum hv_cpuid_reg reg,
		      uint32_t mask, uint32_t clear, uint32_t set)
{
	struct hv_cpuid_rule *r = NULL;
	size_t i;

	for (i = 0; i < s->nr_rules && !r; i++)
		if (s->rules[i].leaf == leaf && s->rules[i].subleaf == subleaf &&
		    s->rules[i].reg == reg)
			r = &s->rules[i];
	if (!r) {
		r = realloc(s->rules, (s->nr_rules + 1) * sizeof(*r));
		if (!r) {
			snprintf(s->err, s->errlen, "out of memory");
			return -ENOMEM;
		}
		s->rules = r;
		r = &s->rules[s->nr_rules++];
		*r = (struct hv_cpuid_rule){ .leaf = leaf, .subleaf = subleaf, .reg = reg };
	}
	r->clear = (r->clear & ~mask) | clear;
	r->set = (r->set & ~mask) | set;
	return 0;
}

static const struct feature *find_feature(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (strlen(features[i].name) == len && !memcmp(features[i].name, name, len))
			return &features[i];
	return NULL;
}

/* One NAME=VALUE item of the libxl syntax. */
static int libxl_item(struct spec *s, const char *item, size_t len)
{
	const char *eq = memchr(item, '=', len);
	const struct feature *f;
	uint32_t bit;

	if (!eq)
		return fail(s, item, len, "expected NAME=VALUE");
	f = find_feature(item, eq - item);
	if (!f)
		return fail(s, item, len, "unknown CPUID feature \"%.*s\"",
			    (int)(eq - item > ITEM_SHOWN ? ITEM_SHOWN : eq - item), item);
	if (item + len != eq + 2 || !strchr("01xks", eq[1]))
		return fail(s, item, len, "the value must be 0, 1, x, k or s");
	bit = UINT32_C(1) << f->bit;
	return force_bits(s, f->leaf, f->subleaf, f->reg, bit, eq[1] == '0' ? bit : 0,
			  eq[1] == '1' ? bit : 0);
}

/* "host,NAME=VALUE,...": empty items are skipped, as libxl does. */
static int parse_libxl(struct spec *s)
{
	const char *p = s->text + strlen("host");
	int r = 0;

	while (*p && !r) {
		size_t len = strcspn(++p, ",");

		if (len)
			r = libxl_item(s, p, len);
		p += len;
	}
	return r;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/*
 * Reads the leaf or subleaf number at *pp, in decimal or in hex after 0x.
 * libxl reads a leading 0 as octal; refuse it rather than read it
 * differently.
 */
static int parse_u32(struct spec *s, const char **pp, const char *what, uint32_t *out)
{
	const char *item = *pp, *p = item;
	size_t len = strcspn(item, ",:");
	unsigned base = 10;
	uint64_t v = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (len > 1 && p[0] == '0') {
		return fail(s, item, len, "the %s has a leading zero (octal is not supported)",
			    what);
	}
	if (p == item + len)
		return fail(s, item, len, "expected a %s number", what);
	for (; p < item + len; p++) {
		if (digit_value(*p) >= (int)base)
			return fail(s, item, len, "the %s is not a %s number", what,
				    base == 16 ? "hexadecimal" : "decimal");
		v = v * base + digit_value(*p);
		if (v > UINT32_MAX)
			return fail(s, item, len, "the %s is larger than 0xffffffff", what);
	}
	*pp = p;
	*out = v;
	return 0;
}

/* One REG=BITS item of the xend syntax, most significant bit first. */
static int xend_item(struct spec *s, uint32_t leaf, uint32_t subleaf, const char *item,
		     size_t len)
{
	uint32_t clear = 0, set = 0;
	int reg;
	size_t i;

	for (reg = HV_EDX; reg >= HV_EAX; reg--)
		if (len >= 4 && !memcmp(item, reg_names[reg], 3) && item[3] == '=')
			break;
	if (reg < HV_EAX)
		return fail(s, item, len, "expected eax=, ebx=, ecx= or edx= and 32 bits");
	if (len - 4 != 32)
		return fail(s, item, len, "expected 32 characters of 0, 1, x, k or s, not %zu",
			    len - 4);
	for (i = 0; i < 32; i++) {
		uint32_t bit = UINT32_C(1) << (31 - i);
		char c = item[4 + i];

		if (c == '0')
			clear |= bit;
		else if (c == '1')
			set |= bit;
		else if (c != 'x' && c != 'k' && c != 's')
			return fail(s, item, len, "character %zu ('%c') is not 0, 1, x, k or s",
				    i + 1, c);
	}
	return force_bits(s, leaf, subleaf, reg, UINT32_MAX, clear, set);
}

/* "LEAF[,SUBLEAF]:REG=BITS[,REG=BITS...]", with blanks allowed after commas. */
static int parse_xend(struct spec *s)
{
	const char *p = s->text;
	uint32_t leaf, subleaf = 0;
	int r;

	r = parse_u32(s, &p, "leaf", &leaf);
	if (!r && *p == ',') {
		p++;
		r = parse_u32(s, &p, "subleaf", &subleaf);
	}
	if (r)
		return r;
	if (*p != ':')
		return fail(s, p, strcspn(p, ":"), "expected ':' after the leaf and subleaf");
	p++;
	for (;;) {
		size_t len = strcspn(p, ",");

		r = xend_item(s, leaf, subleaf, p, len);
		p += len;
		if (r || !*p)
			return r;
		p++;
		p += strspn(p, " ");
	}
}

/* Appends the rules that change something to p. */
static int commit(struct hv_cpuid_policy *p, struct spec *s)
{
	struct hv_cpuid_rule *rules;
	size_t i, n = 0;

	for (i = 0; i < s->nr_rules; i++)
		if (s->rules[i].clear || s->rules[i].set)
			s->rules[n++] = s->rules[i];
	if (!n)
		return 0;
	rules = realloc(p->rules, (p->nr_rules + n) * sizeof(*rules));
	if (!rules) {
		snprintf(s->err, s->errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(rules + p->nr_rules, s->rules, n * sizeof(*rules));
	p->rules = rules;
	p->nr_rules += n;
	return 0;
}

/*
 * Tells the syntaxes apart by the first item: "host" or a leaf number.
 * Returns 0, -EINVAL with "ITEM" (column N): reason in err, or -ENOMEM;
 * p is unchanged unless it returns 0.
 */
int hv_cpuid_policy_parse(struct hv_cpuid_policy *p, const char *spec, char *err,
			  size_t errlen)
{
	struct spec s = { .text = spec, .err = err, .errlen = errlen };
	size_t first = strcspn(spec, ",:");
	int r;

	if (first == 4 && !memcmp(spec, "host", 4) && spec[4] != ':')
		r = parse_libxl(&s);
	else if (*spec >= '0' && *spec <= '9')
		r = parse_xend(&s);
	else if (!*spec)
		r = fail(&s, spec, 0, "empty CPUID policy");
	else
		r = fail(&s, spec, first, "a CPUID policy starts with \"host\" or a leaf number");
	if (!r)
		r = commit(p, &s);
	free(s.rules);
	return r;
}

static bool rule_matches(const struct hv_cpuid_rule *r, const struct kvm_cpuid_entry2 *e)
{
	return e->function == r->leaf &&
	       (r->any_subleaf || !(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		e->index == r->subleaf);
}

/* Rules apply in order, each to every entry it matches (see the top of this file). */
void hv_cpuid_policy_apply(const struct hv_cpuid_policy *p, struct kvm_cpuid_entry2 *e,
			   size_t n)
{
	size_t i, j;

	for (i = 0; i < p->nr_rules; i++) {
		const struct hv_cpuid_rule *r = &p->rules[i];

		for (j = 0; j < n; j++) {
			uint32_t *regs[] = { &e[j].eax, &e[j].ebx, &e[j].ecx, &e[j].edx };

			if (rule_matches(r, &e[j]))
				*regs[r->reg] = (*regs[r->reg] & ~r->clear) | r->set;
		}
	}
}

/* Leaves p empty and reusable. */
void hv_cpuid_policy_free(struct hv_cpuid_policy *p)
{
	free(p->rules);
	p->rules = NULL;
	p->nr_rules = 0;
}
