#include "dom_state.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

#define BOOT_ID_LEN 36

enum kind { K_VERSION, K_DOMID, K_STATE, K_REASON, K_PID, K_PID_START, K_BOOT_ID,
	    K_STARTED, K_VCPUS, K_MEMORY, K_COUNT };

static const char *const key_names[K_COUNT] = {
	[K_VERSION] = "version", [K_DOMID] = "domid", [K_STATE] = "state",
	[K_REASON] = "reason", [K_PID] = "pid", [K_PID_START] = "pid_start",
	[K_BOOT_ID] = "boot_id", [K_STARTED] = "started", [K_VCPUS] = "vcpus",
	[K_MEMORY] = "memory",
};

int mig_dom_state_format(const struct mig_dom_record *r, char *buf, size_t len)
{
	int n = snprintf(buf, len,
			 "version %d\ndomid %u\nstate %s\nreason %s\npid %d\npid_start %llu\n"
			 "boot_id %s\nstarted %llu\nvcpus %u\nmemory %llu\n",
			 MIG_DOM_STATE_VERSION, r->domid, mig_dom_state_name(r->state),
			 mig_dom_reason_name(r->reason), (int)r->pid,
			 (unsigned long long)r->pid_start, r->boot_id[0] ? r->boot_id : "-",
			 (unsigned long long)r->started, r->vcpus, (unsigned long long)r->memory);

	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/* Decimal without sign or leading zeros, at most max. */
static bool number(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len < 1 || (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned digit = (unsigned char)s[i] - '0';

		if (digit > 9 || v > (max - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*out = v;
	return true;
}

/* A name from table[count], as an index. */
static bool lookup(const char *s, size_t len, const char *(*name)(unsigned), unsigned count,
		   uint64_t *out)
{
	for (unsigned i = 0; i < count; i++)
		if (strlen(name(i)) == len && !memcmp(name(i), s, len)) {
			*out = i;
			return true;
		}
	return false;
}

static const char *state_name(unsigned i)
{
	return mig_dom_state_name(i);
}

static const char *reason_name(unsigned i)
{
	return mig_dom_reason_name(i);
}

/* "-", or a boot id: 36 characters of lower-case hex digits and dashes. */
static bool boot_id(const char *s, size_t len, char out[BOOT_ID_LEN + 1])
{
	if (len == 1 && s[0] == '-') {
		out[0] = '\0';
		return true;
	}
	if (len != BOOT_ID_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || s[i] == '-'))
			return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

/* One value into v[k] (or r->boot_id). */
static bool value(enum kind k, const char *s, size_t len, uint64_t v[K_COUNT],
		  struct mig_dom_record *r)
{
	switch (k) {
	case K_STATE:
		return lookup(s, len, state_name, MIG_DOM_STATE_COUNT, &v[k]);
	case K_REASON:
		return lookup(s, len, reason_name, MIG_REASON_COUNT, &v[k]);
	case K_BOOT_ID:
		return boot_id(s, len, r->boot_id);
	case K_DOMID:
		return number(s, len, MIG_DOMID_MAX, &v[k]);
	case K_PID:
		return number(s, len, INT32_MAX, &v[k]);
	case K_VCPUS:
		return number(s, len, HV_CONFIG_MAX_VCPUS, &v[k]) && v[k];
	case K_MEMORY:
		return number(s, len, HV_CONFIG_MAX_MEMORY, &v[k]) && v[k];
	default:
		return number(s, len, UINT64_MAX, &v[k]);
	}
}

/* One "key value" line (without its newline). */
static bool line(const char *s, size_t len, uint64_t v[K_COUNT], unsigned *seen,
		 struct mig_dom_record *r)
{
	const char *sp = memchr(s, ' ', len);
	size_t klen = sp ? (size_t)(sp - s) : len;

	for (unsigned k = 0; sp && k < K_COUNT; k++)
		if (strlen(key_names[k]) == klen && !memcmp(key_names[k], s, klen)) {
			if (*seen & (1u << k))
				return false;
			*seen |= 1u << k;
			return value(k, sp + 1, len - klen - 1, v, r);
		}
	return false;
}

/* What the values say together. */
static bool consistent(const uint64_t v[K_COUNT], const struct mig_dom_record *r)
{
	bool off = v[K_STATE] == MIG_DOM_SHUTOFF;

	if (v[K_VERSION] != MIG_DOM_STATE_VERSION || v[K_STATE] == MIG_DOM_NONE)
		return false;
	if (off)
		return v[K_REASON] != MIG_REASON_NONE && !v[K_DOMID] && !v[K_PID] &&
		       !v[K_PID_START] && !r->boot_id[0];
	return v[K_REASON] == MIG_REASON_NONE && v[K_DOMID] && v[K_PID] && r->boot_id[0];
}

int mig_dom_state_parse(const char *text, size_t len, struct mig_dom_record *r)
{
	struct mig_dom_record out = { 0 };
	uint64_t v[K_COUNT] = { 0 };
	unsigned seen = 0;
	size_t off = 0;

	if (len > MIG_DOM_STATE_MAX)
		return -EINVAL;
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);

		if (!nl || !line(text + off, (size_t)(nl - text - off), v, &seen, &out))
			return -EINVAL;
		off = (size_t)(nl - text) + 1;
	}
	if (seen != (1u << K_COUNT) - 1 || !consistent(v, &out))
		return -EINVAL;
	out.domid = (uint32_t)v[K_DOMID];
	out.state = (enum mig_dom_state)v[K_STATE];
	out.reason = (enum mig_dom_reason)v[K_REASON];
	out.pid = (pid_t)v[K_PID];
	out.pid_start = v[K_PID_START];
	out.started = v[K_STARTED];
	out.vcpus = (uint32_t)v[K_VCPUS];
	out.memory = v[K_MEMORY];
	*r = out;
	return 0;
}
