/*
 * xl network interface specifications (see vif.h).
 *
 * A spec is a list of comma-separated parameters, each "key=value" or a
 * bare flag, with whitespace around them and around '=' skipped.  Each key may be given
 * once.  Keys xl knows that tern-hv cannot honour are refused by name with
 * the reason, so that a configuration written for xl fails loudly instead
 * of giving the guest a network it did not ask for.
 */
#include "vif.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Why the hotplug scripts' keys are refused. */
#define NO_SCRIPT "only the bridge set-up is supported (tern-hv makes the tap itself)"

enum param { P_MAC, P_BRIDGE, P_VIFNAME, P_MTU, P_DEVID, P_TYPE, P_SCRIPT, NR_PARAMS };

static const char *const param_names[NR_PARAMS] = {
	"mac", "bridge", "vifname", "mtu", "devid", "type", "script",
};

/* Keys and flags xl knows besides the parameters: refused (with why) or ignored. */
static const struct hv_spec_other others[] = {
	{ "model", false, "emulated NICs are not supported (type=vif only)" },
	{ "ip", false, "ip= is for hotplug scripts; set addresses in the guest" },
	{ "gatewaydev", false, NO_SCRIPT },
	{ "forwarddev", false, NO_SCRIPT },
	{ "backend", false, "driver domains are not supported: tern-hv is the backend" },
	{ "rate", false, "rate limiting is not supported" },
	{ "accel", false, "accelerated vifs are not supported" },
	{ "trusted", true, NULL },
	{ "untrusted", true, NULL },
};

struct parser {
	struct hv_spec_msg msg;
	struct {
		const char *at, *param; /* the value; the whole parameter */
		size_t len, param_len;
	} p[NR_PARAMS];
};

static int fail_value(struct parser *ps, enum param p, const char *what)
{
	return hv_spec_fail_at(&ps->msg, ps->p[p].param, ps->p[p].param_len, what);
}

static int parameter(struct parser *ps, const char *s, size_t len)
{
	const char *eq = memchr(s, '=', len), *value = eq;
	size_t key_len = eq ? (size_t)(eq - s) : len;
	int r;

	while (key_len && (s[key_len - 1] == ' ' || s[key_len - 1] == '\t'))
		key_len--; /* "key = value", as xl takes it */
	while (value && value + 1 < s + len && (value[1] == ' ' || value[1] == '\t'))
		value++;

	for (enum param p = 0; eq && p < NR_PARAMS; p++) {
		if (!hv_spec_is(s, key_len, param_names[p]))
			continue;
		if (ps->p[p].param)
			return hv_spec_fail_at(&ps->msg, s, len, "given twice");
		ps->p[p].param = s;
		ps->p[p].param_len = len;
		ps->p[p].at = value + 1;
		ps->p[p].len = (size_t)(s + len - value - 1);
		return 0;
	}
	r = hv_spec_other(&ps->msg, others, ARRAY_SIZE(others), s, len, key_len, !eq);
	return r == -ENOENT ? hv_spec_fail_at(&ps->msg, s, len, "unknown parameter") : r;
}

/* Splits the spec into parameters and records each; empty ones are skipped. */
static int split(struct parser *ps)
{
	const char *s = ps->msg.spec;

	for (;;) {
		const char *end;
		size_t len;
		int r = 0;

		while (*s == ' ' || *s == '\t')
			s++;
		end = strchr(s, ',');
		len = end ? (size_t)(end - s) : strlen(s);
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len)
			r = parameter(ps, s, len);
		if (r || !end)
			return r;
		s = end + 1;
	}
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int parse_mac(struct parser *ps, struct hv_vif *vif)
{
	const char *s = ps->p[P_MAC].at;

	if (ps->p[P_MAC].len != 17)
		return fail_value(ps, P_MAC, "not a MAC address (xx:xx:xx:xx:xx:xx)");
	for (unsigned i = 0; i < 6; i++) {
		int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return fail_value(ps, P_MAC, "not a MAC address (xx:xx:xx:xx:xx:xx)");
		vif->mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (vif->mac[0] & 1)
		return fail_value(ps, P_MAC, "a multicast address cannot name an interface");
	vif->mac_given = true;
	return 0;
}

/* A Linux interface name (dev_valid_name): 1-15 bytes, no '/', ':' or space. */
static int parse_name(struct parser *ps, enum param p, char out[HV_VIF_NAME_MAX])
{
	const char *s = ps->p[p].at;
	size_t len = ps->p[p].len;

	if (!len || len >= HV_VIF_NAME_MAX || hv_spec_is(s, len, ".") || hv_spec_is(s, len, ".."))
		return fail_value(ps, p, "not an interface name (1 to 15 bytes)");
	for (size_t i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == ':' || !isgraph((unsigned char)s[i]))
			return fail_value(ps, p, "not an interface name (no '/', ':', spaces or "
						 "control characters)");
	memcpy(out, s, len);
	out[len] = 0;
	return 0;
}

/* A decimal number in [min, max], no sign and no leading zero. */
static int parse_number(struct parser *ps, enum param p, unsigned min, unsigned max,
			unsigned *out)
{
	const char *s = ps->p[p].at;
	size_t len = ps->p[p].len;
	unsigned long v = 0;
	char msg[64];

	for (size_t i = 0; i < len && v <= max; i++) {
		if (!isdigit((unsigned char)s[i]) || (i == 0 && s[i] == '0' && len > 1))
			len = 0;
		else
			v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (!len || v < min || v > max) {
		snprintf(msg, sizeof(msg), "not a number from %u to %u", min, max);
		return fail_value(ps, p, msg);
	}
	*out = (unsigned)v;
	return 0;
}

static int fill(struct parser *ps, struct hv_vif *vif)
{
	const char *type = ps->p[P_TYPE].at, *script = ps->p[P_SCRIPT].at;
	unsigned devid = 0;
	int r = 0;

	if (type && !hv_spec_is(type, ps->p[P_TYPE].len, "vif"))
		return fail_value(ps, P_TYPE,
				  hv_spec_is(type, ps->p[P_TYPE].len, "ioemu")
					  ? "emulated NICs are not supported (type=vif only)"
					  : "unknown type (vif)");
	if (script && !hv_spec_is(script, ps->p[P_SCRIPT].len, "vif-bridge"))
		return fail_value(ps, P_SCRIPT, NO_SCRIPT);
	if (ps->p[P_MAC].param)
		r = parse_mac(ps, vif);
	if (!r && ps->p[P_BRIDGE].param)
		r = parse_name(ps, P_BRIDGE, vif->bridge);
	if (!r && ps->p[P_VIFNAME].param)
		r = parse_name(ps, P_VIFNAME, vif->vifname);
	if (!r && ps->p[P_MTU].param)
		r = parse_number(ps, P_MTU, HV_VIF_MTU_MIN, HV_VIF_MTU_MAX, &vif->mtu);
	if (!r && ps->p[P_DEVID].param && !(r = parse_number(ps, P_DEVID, 0, HV_VIF_DEVID_MAX,
							     &devid)))
		vif->devid = (int)devid;
	if (!r && !vif->bridge[0] && !vif->vifname[0])
		r = hv_spec_fail(&ps->msg, "neither bridge= (a bridge to join) nor vifname= (an "
				 "existing tap device) given");
	return r;
}

int hv_vif_parse(struct hv_vif *vif, const char *spec, char *err, size_t errlen)
{
	struct parser ps = { .msg = { spec, err, errlen } };
	int r;

	*vif = (struct hv_vif){ .devid = -1 };
	r = split(&ps);
	if (!r)
		r = fill(&ps, vif);
	if (r)
		*vif = (struct hv_vif){ .devid = -1 };
	return r;
}

void hv_vif_mac_string(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
}

/* Appends ", key=value" (without the comma at the start) to buf at *at. */
static int append(char *buf, size_t len, size_t *at, const char *key, const char *value)
{
	int n = snprintf(buf + *at, len - *at, "%s%s=%s", *at ? ", " : "", key, value);

	if (n < 0 || (size_t)n >= len - *at)
		return -ENOSPC;
	*at += (size_t)n;
	return 0;
}

int hv_vif_format(const struct hv_vif *vif, char *buf, size_t len)
{
	char mac[18], num[16];
	size_t at = 0;
	int r = 0;

	if (!len)
		return -ENOSPC;
	buf[0] = 0;
	if (vif->mac_given) {
		hv_vif_mac_string(vif->mac, mac);
		r = append(buf, len, &at, "mac", mac);
	}
	if (!r && vif->bridge[0])
		r = append(buf, len, &at, "bridge", vif->bridge);
	if (!r && vif->vifname[0])
		r = append(buf, len, &at, "vifname", vif->vifname);
	if (!r && vif->mtu) {
		snprintf(num, sizeof(num), "%u", vif->mtu);
		r = append(buf, len, &at, "mtu", num);
	}
	if (!r && vif->devid >= 0) {
		snprintf(num, sizeof(num), "%d", vif->devid);
		r = append(buf, len, &at, "devid", num);
	}
	return r;
}
