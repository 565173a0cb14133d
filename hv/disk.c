/*
 * xl disk specifications (see disk.h).
 *
 * A spec is a list of comma-separated parameters, each "key=value", a bare
 * flag, or a positional value that fills the first of target, format,
 * vdev, access not given yet.  Whitespace before a parameter is skipped
 * (and after it too, except in a target).  "target=" takes the whole rest
 * of the spec, commas included, and so comes last.  Each parameter may be
 * given once; an empty value means the default, so "disk.img,,xvda" leaves
 * the format to its default.
 */
#include "disk.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The parameters with values; the first four in their positional order. */
enum param { P_TARGET, P_FORMAT, P_VDEV, P_ACCESS, P_DEVTYPE, P_BACKENDTYPE, P_SPEC,
	     NR_PARAMS };

static const char *const param_names[NR_PARAMS] = {
	"target", "format", "vdev", "access", "devtype", "backendtype", "specification",
};

#define NO_COLO "COLO replication is not supported"

/* Keys and flags that are not parameters: refused (with why) or ignored. */
static const struct hv_spec_other others[] = {
	{ "script", false, "block scripts are not supported" },
	{ "backend", false, "driver domains are not supported: tern-hv is the backend" },
	{ "colo-host", false, NO_COLO }, { "colo-port", false, NO_COLO },
	{ "colo-export", false, NO_COLO }, { "active-disk", false, NO_COLO },
	{ "hidden-disk", false, NO_COLO }, { "colo", true, NO_COLO },
	{ "cdrom", true, "CD-ROM devices are not supported" },
	{ "discard", true, NULL }, { "no-discard", true, NULL },
	{ "trusted", true, NULL }, { "untrusted", true, NULL },
	{ "direct-io-safe", true, NULL },
};

/* Prefixes of xend's syntax ("phy:/dev/sdb"), which a path must not start with. */
static const char *const old_prefixes[] = {
	"raw", "qcow", "qcow2", "vhd", "tap", "tap2", "aio", "tapdisk", "ioemu", "file", "phy",
	"iscsi", "nbd", "enbd", "drbd",
};

struct parser {
	struct hv_spec_msg msg;
	struct {
		bool given;
		const char *at; /* the value */
		size_t len;
		const char *param; /* the whole parameter, for messages */
		size_t param_len;
	} p[NR_PARAMS];
};

static int fail_value(struct parser *ps, enum param p, const char *what)
{
	return hv_spec_fail_at(&ps->msg, ps->p[p].param, ps->p[p].param_len, what);
}

static int set(struct parser *ps, enum param p, const char *param, size_t param_len,
	       const char *value, size_t len)
{
	/* An empty positional target may be given again with target= (xl's rule). */
	if (ps->p[p].given && (p != P_TARGET || ps->p[p].len))
		return hv_spec_fail_at(&ps->msg, param, param_len, "given twice");
	ps->p[p].given = true;
	ps->p[p].at = value;
	ps->p[p].len = len;
	ps->p[p].param = param;
	ps->p[p].param_len = param_len;
	return 0;
}

static int positional(struct parser *ps, const char *s, size_t len)
{
	for (enum param p = P_TARGET; p <= P_ACCESS; p++)
		if (!ps->p[p].given)
			return set(ps, p, s, len, s, len);
	return hv_spec_fail_at(&ps->msg, s, len, "more than four positional parameters "
				   "(target, format, vdev, access)");
}

/* A parameter that is a bare word: a flag, or a positional value. */
static int word(struct parser *ps, const char *s, size_t len)
{
	int r = hv_spec_other(&ps->msg, others, ARRAY_SIZE(others), s, len, len, true);

	return r == -ENOENT ? positional(ps, s, len) : r;
}

static int key_value(struct parser *ps, const char *s, size_t len, const char *eq)
{
	size_t key_len = (size_t)(eq - s);
	int r;

	for (enum param p = 0; p < NR_PARAMS; p++)
		if (hv_spec_is(s, key_len, param_names[p]))
			return set(ps, p, s, len, eq + 1, len - key_len - 1);
	r = hv_spec_other(&ps->msg, others, ARRAY_SIZE(others), s, len, key_len, false);
	return r == -ENOENT ? hv_spec_fail_at(&ps->msg, s, len, "unknown parameter") : r;
}

/* Splits the spec into parameters and records each. */
static int split(struct parser *ps)
{
	const char *s = ps->msg.spec;
	int r = 0;

	for (;;) {
		const char *end, *eq;
		size_t len;

		while (*s == ' ' || *s == '\t')
			s++;
		end = strchr(s, ',');
		len = strlen(s);
		if (!strncmp(s, "target=", 7))
			return set(ps, P_TARGET, s, len, s + 7, len - 7);
		if (end)
			len = (size_t)(end - s);
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		eq = memchr(s, '=', len);
		if (len || end) /* "" alone is no parameter; ",," holds an empty one */
			r = eq ? key_value(ps, s, len, eq) : word(ps, s, len);
		if (r || !end)
			return r;
		s = end + 1;
	}
}

/* Letters a-z as a bijective base-26 number ("a" 0, "z" 25, "aa" 26), then a partition. */
static bool letters_and_partition(const char *s, uint32_t max_disk, uint32_t max_part,
				  uint32_t *disk, uint32_t *part)
{
	uint64_t n = 0;
	const char *p = s;
	char *end;
	unsigned long v;

	for (; *p >= 'a' && *p <= 'z'; p++) {
		n = (n + (p > s)) * 26 + (uint64_t)(*p - 'a');
		if (n > max_disk)
			return false;
	}
	if (p == s)
		return false;
	*disk = (uint32_t)n;
	*part = 0;
	if (!*p)
		return true;
	if (!isdigit((unsigned char)*p) || *p == '0') /* no sign, no leading zero */
		return false;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno || *end || v > max_part)
		return false;
	*part = (uint32_t)v;
	return true;
}

/* True if s starts with a decimal number that has no sign and no leading zero. */
static bool decimal(const char *s)
{
	return isdigit((unsigned char)s[0]) && !(s[0] == '0' && isdigit((unsigned char)s[1]));
}

/* dN or dNpM. */
static bool d_p_form(const char *s, uint32_t *disk, uint32_t *part)
{
	unsigned long n, m = 0;
	char *end;

	if (s[0] != 'd' || !decimal(s + 1))
		return false;
	n = strtoul(s + 1, &end, 10);
	if (*end == 'p') {
		if (!decimal(end + 1))
			return false;
		m = strtoul(end + 1, &end, 10);
	}
	if (*end || n >= (1ul << 20) || m > 255)
		return false;
	*disk = (uint32_t)n;
	*part = (uint32_t)m;
	return true;
}

/* The xenstore number of a vdev name (xen-vbd-interface(7)); false if none. */
static bool vdev_number(const char *s, uint32_t *devid)
{
	uint32_t disk, part;
	unsigned long n;
	char *end;

	if (d_p_form(s, &disk, &part) ||
	    (!strncmp(s, "xvd", 3) &&
	     letters_and_partition(s + 3, (1u << 20) - 1, 255, &disk, &part))) {
		*devid = disk <= 15 && part <= 15 ? (202u << 8) | (disk << 4) | part
						  : (1u << 28) | (disk << 8) | part;
		return true;
	}
	if (isdigit((unsigned char)s[0])) { /* decimal, 0x hex or 0 octal, as is */
		errno = 0;
		n = strtoul(s, &end, 0);
		if (errno || *end || n > INT_MAX)
			return false;
		*devid = (uint32_t)n;
		return true;
	}
	if (!strncmp(s, "hd", 2) && letters_and_partition(s + 2, 3, 63, &disk, &part)) {
		*devid = ((disk < 2 ? 3u : 22u) << 8) | ((disk & 1) << 6) | part;
		return true;
	}
	if (!strncmp(s, "sd", 2) && letters_and_partition(s + 2, 15, 15, &disk, &part)) {
		*devid = (8u << 8) | (disk << 4) | part;
		return true;
	}
	return false;
}

/* What each parameter with a fixed set of values accepts, refuses by name, or calls unknown. */
static const struct {
	enum param p;
	const char *ok[5];
	const char *refused[5];
	const char *why;     /* for a refused value */
	const char *unknown; /* for any other */
} words[] = {
	{ P_FORMAT, { "raw" }, { "qcow", "qcow2", "vhd", "qed" }, "only raw images are supported",
	  "unknown format (raw)" },
	{ P_ACCESS, { "r", "ro", "w", "rw" }, { NULL }, NULL, "unknown access (r, ro, w or rw)" },
	{ P_DEVTYPE, { "disk" }, { "cdrom" }, "CD-ROM devices are not supported",
	  "unknown device type (disk)" },
	{ P_BACKENDTYPE, { "phy", "qdisk", "tap" }, { "standalone" },
	  "only Xen PV block devices are supported", "unknown backend type (phy, qdisk or tap)" },
	{ P_SPEC, { "xen" }, { "virtio" }, "only Xen PV block devices are supported",
	  "unknown specification (xen)" },
};

static bool in(const char *const *list, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n && list[i]; i++)
		if (hv_spec_is(s, len, list[i]))
			return true;
	return false;
}

/* Values outside each parameter's set; an empty or absent value is the default. */
static int check_words(struct parser *ps)
{
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		enum param p = words[i].p;
		const char *v = ps->p[p].at;
		size_t len = ps->p[p].len;

		if (!ps->p[p].given || !len || in(words[i].ok, ARRAY_SIZE(words[i].ok), v, len))
			continue;
		if (in(words[i].refused, ARRAY_SIZE(words[i].refused), v, len))
			return fail_value(ps, p, words[i].why);
		return fail_value(ps, p, words[i].unknown);
	}
	return 0;
}

/* A positional target may not use xend's "prefix:path" syntax. */
static int check_target(struct parser *ps)
{
	const char *t = ps->p[P_TARGET].at;
	const char *colon;

	if (!ps->p[P_TARGET].given || !ps->p[P_TARGET].len)
		return hv_spec_fail(&ps->msg, "no target (the image's path) given");
	if (!strncmp(ps->p[P_TARGET].param, "target=", 7))
		return 0;
	colon = memchr(t, ':', ps->p[P_TARGET].len);
	for (size_t i = 0; colon && i < ARRAY_SIZE(old_prefixes); i++)
		if (hv_spec_is(t, (size_t)(colon - t), old_prefixes[i]))
			return fail_value(ps, P_TARGET, "xend's \"prefix:\" syntax is not "
							"supported (write target=PATH)");
	return 0;
}

static int fill(struct parser *ps, struct hv_disk *disk)
{
	const char *access;
	size_t len;

	if (!ps->p[P_VDEV].given || !ps->p[P_VDEV].len)
		return hv_spec_fail(&ps->msg, "no vdev (the guest's device name) given");
	if (ps->p[P_VDEV].len > HV_DISK_VDEV_MAX)
		return fail_value(ps, P_VDEV, "not a virtual device name (too long)");
	memcpy(disk->vdev, ps->p[P_VDEV].at, ps->p[P_VDEV].len);
	if (!vdev_number(disk->vdev, &disk->devid))
		return fail_value(ps, P_VDEV, "not a virtual device name "
					      "(xvdX, hdX, sdX, dNpM or a number)");
	access = ps->p[P_ACCESS].given ? ps->p[P_ACCESS].at : "";
	len = ps->p[P_ACCESS].len;
	disk->readonly = hv_spec_is(access, len, "r") || hv_spec_is(access, len, "ro");
	disk->target = strndup(ps->p[P_TARGET].at, ps->p[P_TARGET].len);
	return disk->target ? 0 : -ENOMEM;
}

int hv_disk_parse(struct hv_disk *disk, const char *spec, char *err, size_t errlen)
{
	struct parser ps = { .msg = { spec, err, errlen } };
	int r;

	memset(disk, 0, sizeof(*disk));
	r = split(&ps);
	if (!r)
		r = check_target(&ps);
	if (!r)
		r = check_words(&ps);
	if (!r)
		r = fill(&ps, disk);
	if (r == -ENOMEM)
		hv_spec_fail(&ps.msg, "out of memory");
	if (r)
		hv_disk_free(disk);
	return r;
}

char *hv_disk_format(const struct hv_disk *disk)
{
	char *s = NULL;

	if (asprintf(&s, "format=raw, vdev=%s, access=%s, target=%s", disk->vdev,
		     disk->readonly ? "ro" : "rw", disk->target) < 0)
		return NULL;
	return s;
}

void hv_disk_free(struct hv_disk *disk)
{
	free(disk->target);
	memset(disk, 0, sizeof(*disk));
}
