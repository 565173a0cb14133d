/*
 * CPUID for guests: the host's supported leaves, Xen's leaves at 0x40000000,
 * leaf 0x15 (TSC frequency), and the operator's feature masks written in
 * xl.cfg's cpuid= syntax.
 *
 * Two syntaxes are accepted, as xl does:
 *  - libxl: "host,cx16=0,popcnt=0,smap=0": a comma-separated list starting
 *    with "host", then NAME=VALUE with a feature name and 0/1/x/k/s.
 *  - xend: "LEAF[,SUBLEAF]:REG=BITS[,REG=BITS...]" with REG one of eax, ebx,
 *    ecx, edx and BITS 32 characters, most significant bit first, each 0
 *    (clear), 1 (set), x, k or s (keep the host's value).
 */
#ifndef HV_CPUID_H
#define HV_CPUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kvm_cpuid_entry2;

enum hv_cpuid_reg { HV_EAX, HV_EBX, HV_ECX, HV_EDX };

/* Force bits of one register of one leaf (and subleaf) to 0 or 1. */
struct hv_cpuid_rule {
	uint32_t leaf;
	uint32_t subleaf;
	bool any_subleaf; /* the rule applies to every subleaf of leaf */
	enum hv_cpuid_reg reg;
	uint32_t clear; /* bits forced to 0 */
	uint32_t set;   /* bits forced to 1 */
};

struct hv_cpuid_policy {
	struct hv_cpuid_rule *rules;
	size_t nr_rules;
};

/*
 * Parses one policy string (either syntax) and appends its rules to p.
 * Returns 0, or -EINVAL with a message naming the offending item and its
 * column (1-based) in err.  p is unchanged on error.
 */
int hv_cpuid_policy_parse(struct hv_cpuid_policy *p, const char *spec, char *err,
			  size_t errlen);

/* Applies p's rules to the n entries of a CPUID table, in order. */
void hv_cpuid_policy_apply(const struct hv_cpuid_policy *p, struct kvm_cpuid_entry2 *e,
			   size_t n);

/* Frees p's rules. */
void hv_cpuid_policy_free(struct hv_cpuid_policy *p);

#endif
