/*
 * The subset of xl.cfg(5) that tern-hv understands, in xl's own grammar
 * (libxlu's): settings "KEY = VALUE" or "KEY += VALUE", each ended by a
 * newline or ';'; '#' comments; values that are strings ('...' or "..."
 * with backslash escapes), numbers (decimal, or hex after 0x) or lists of
 * those, which may span lines and end with a comma.
 *
 * Each setting is applied to struct hv_config as soon as it is parsed, by
 * the handler its key names in keys[], so a later setting of the same key
 * wins.  Unknown keys are ignored with a warning, as xl does, because
 * operators share files between xl and tern.
 */
#include "config.h"
#include "config_int.h"

#include "cpuid.h"
#include "disk.h"
#include "log.h"
#include "vif.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char default_name[] = "domain";

static const char *const action_names[] = {
	[HV_ACTION_DESTROY] = "destroy",
	[HV_ACTION_RESTART] = "restart",
	[HV_ACTION_PRESERVE] = "preserve",
};

/* Actions xl knows that tern-hv does not implement. */
static const char *const xl_only_actions[] = {
	"coredump-destroy", "coredump-restart", "rename-restart", "soft-reset",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Handlers */

struct key;
typedef int set_fn(struct parser *p, const struct key *k, struct value *v);

struct key {
	const char *name;
	set_fn *set;
	size_t off; /* of the field, for handlers that several keys share */
	unsigned flags;
	/* For list keys: checks one element, so that errors point into the file. */
	int (*check)(struct parser *p, const struct atom *a);
};

#define K_NUMBER 1 /* hv_config_set reads the option as a number */
#define K_APPEND 2 /* "+=" appends */
#define K_LIST 4   /* hv_config_set appends to the list */

static void *field(struct parser *p, const struct key *k)
{
	return (char *)p->c + k->off;
}

/* Returns v's only string, still owned by v. */
static int get_string(struct parser *p, const struct key *k, struct value *v, char **out)
{
	if (v->is_list)
		return hv__config_fail(p, v->pos, "%s: expected a string, not a list", k->name);
	if (!v->atoms[0].str)
		return hv__config_fail(p, v->pos, "%s: expected a string, not a number", k->name);
	*out = v->atoms[0].str;
	return 0;
}

/* Returns v's only string, which the caller now owns. */
static int take_string(struct parser *p, const struct key *k, struct value *v, char **out)
{
	int r = get_string(p, k, v, out);

	if (!r)
		v->atoms[0].str = NULL;
	return r;
}

static int get_number(struct parser *p, const struct key *k, const struct value *v,
		      uint64_t max, uint64_t *out)
{
	if (v->is_list)
		return hv__config_fail(p, v->pos, "%s: expected a number, not a list", k->name);
	if (v->atoms[0].str)
		return hv__config_fail(p, v->pos, "%s: expected a number, not a string", k->name);
	if (v->atoms[0].num < 1 || v->atoms[0].num > max)
		return hv__config_fail(p, v->pos, "%s: %llu is out of range (1 to %llu)", k->name,
				       (unsigned long long)v->atoms[0].num,
				       (unsigned long long)max);
	*out = v->atoms[0].num;
	return 0;
}

/* Returns a + b in new memory, or NULL. */
static char *concat(const char *a, const char *b)
{
	char *s = malloc(strlen(a) + strlen(b) + 1);

	if (s)
		strcpy(stpcpy(s, a), b);
	return s;
}

/* Stores s (owned) in *dst, after what *dst holds for "+=". */
static int store(struct parser *p, char **dst, char *s)
{
	char *cat;

	if (p->append && *dst) {
		cat = concat(*dst, s);
		free(s);
		if (!cat)
			return hv__config_nomem(p);
		s = cat;
	}
	free(*dst);
	*dst = s;
	return 0;
}

/* Returns v's only string, which the caller now owns, if it is not empty. */
static int take_nonempty(struct parser *p, const struct key *k, struct value *v, char **out)
{
	int r = take_string(p, k, v, out);

	if (r || **out)
		return r;
	free(*out);
	return hv__config_fail(p, v->pos, "%s: must not be empty", k->name);
}

static int set_name(struct parser *p, const struct key *k, struct value *v)
{
	char *s = NULL;
	int r = take_nonempty(p, k, v, &s);

	if (r)
		return r;
	if (p->c->name != default_name)
		free(p->c->name);
	p->c->name = s;
	return 0;
}

/* kernel, ramdisk: relative paths in a file are relative to its directory. */
static int set_path(struct parser *p, const struct key *k, struct value *v)
{
	char *s = NULL, *joined;
	int r = take_nonempty(p, k, v, &s);

	if (r)
		return r;
	if (p->dir && s[0] != '/') {
		joined = concat(p->dir, s);
		free(s);
		if (!joined)
			return hv__config_nomem(p);
		s = joined;
	}
	return store(p, field(p, k), s);
}

/* boot_disk: a name kept as written. */
static int set_word(struct parser *p, const struct key *k, struct value *v)
{
	char *s = NULL;
	int r = take_nonempty(p, k, v, &s);

	return r ? r : store(p, field(p, k), s);
}

/* "pygrub" (also as xl's path to it) or "grub" (docs/boot.md). */
static int set_bootloader(struct parser *p, const struct key *k, struct value *v)
{
	const char *base;
	char *s = NULL;
	int r = get_string(p, k, v, &s);

	if (r)
		return r;
	base = strrchr(s, '/') ? strrchr(s, '/') + 1 : s;
	if (strcmp(base, "pygrub") && strcmp(s, "grub"))
		return hv__config_fail(p, v->pos, "bootloader: \"%.*s\" is not supported "
				       "(\"pygrub\" or \"grub\")", hv__config_shown(strlen(s)), s);
	s = strdup(strcmp(s, "grub") ? "pygrub" : "grub");
	return s ? store(p, field(p, k), s) : hv__config_nomem(p);
}

static int set_cmdline(struct parser *p, const struct key *k, struct value *v)
{
	char *s = NULL;
	int r = take_string(p, k, v, &s);

	if (!r)
		r = store(p, &p->c->cmdline, s);
	if (!r)
		p->have_cmdline = true;
	return r;
}

static int set_extra(struct parser *p, const struct key *k, struct value *v)
{
	char *s = NULL;
	int r = take_string(p, k, v, &s);

	return r ? r : store(p, &p->extra, s);
}

static int set_memory(struct parser *p, const struct key *k, struct value *v)
{
	uint64_t mib = 0;
	int r = get_number(p, k, v, HV_CONFIG_MAX_MEMORY, &mib);

	if (!r)
		p->c->memory = mib;
	return r;
}

static int set_maxmem(struct parser *p, const struct key *k, struct value *v)
{
	return get_number(p, k, v, HV_CONFIG_MAX_MEMORY, &p->c->maxmem);
}

static int set_vcpus(struct parser *p, const struct key *k, struct value *v)
{
	uint64_t n = 0;
	int r = get_number(p, k, v, HV_CONFIG_MAX_VCPUS, &n);

	if (!r)
		p->c->vcpus = n;
	return r;
}

static int set_type(struct parser *p, const struct key *k, struct value *v)
{
	char *s = NULL;
	int r = get_string(p, k, v, &s);

	if (r || !strcmp(s, "pvh"))
		return r;
	if (!strcmp(s, "pv") || !strcmp(s, "hvm"))
		return hv__config_fail(p, v->pos,
				       "type: \"%s\" is not supported, only \"pvh\" is", s);
	return hv__config_fail(p, v->pos,
			       "type: unknown guest type \"%.*s\" (only \"pvh\" is supported)",
			       hv__config_shown(strlen(s)), s);
}

static int set_action(struct parser *p, const struct key *k, struct value *v)
{
	enum hv_action *a = field(p, k);
	char *s = NULL;
	size_t i;
	int r = get_string(p, k, v, &s);

	if (r)
		return r;
	for (i = 0; i < ARRAY_SIZE(action_names); i++)
		if (!strcmp(s, action_names[i])) {
			*a = i;
			return 0;
		}
	for (i = 0; i < ARRAY_SIZE(xl_only_actions); i++)
		if (!strcmp(s, xl_only_actions[i]))
			return hv__config_fail(p, v->pos, "%s: \"%s\" is not supported "
					       "(destroy, restart or preserve)", k->name, s);
	return hv__config_fail(p, v->pos,
			       "%s: unknown action \"%.*s\" (destroy, restart or preserve)",
			       k->name, hv__config_shown(strlen(s)), s);
}

/* Checks that a policy parses, so that mistakes point into the file. */
static int check_policy(struct parser *p, const struct atom *a)
{
	struct hv_cpuid_policy policy = { 0 };
	char msg[256];
	int r = hv_cpuid_policy_parse(&policy, a->str, msg, sizeof(msg));

	hv_cpuid_policy_free(&policy);
	if (r == -ENOMEM)
		return hv__config_nomem(p);
	return r ? hv__config_fail(p, a->pos, "cpuid: %s", msg) : 0;
}

static void free_list(struct hv_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* A string or a list of strings, each checked by the key's check function. */
static int set_list(struct parser *p, const struct key *k, struct value *v)
{
	struct hv_strlist *l = field(p, k);
	char **grown;
	size_t i;
	int r;

	for (i = 0; i < v->n; i++) {
		if (!v->atoms[i].str)
			return hv__config_fail(p, v->atoms[i].pos, "%s: expected a string, not a number",
					       k->name);
		r = k->check ? k->check(p, &v->atoms[i]) : 0;
		if (r)
			return r;
	}
	if (!p->append)
		free_list(l);
	if (!v->n)
		return 0;
	grown = realloc(l->v, (l->n + v->n) * sizeof(*grown));
	if (!grown)
		return hv__config_nomem(p);
	l->v = grown;
	for (i = 0; i < v->n; i++) {
		l->v[l->n++] = v->atoms[i].str;
		v->atoms[i].str = NULL;
	}
	return 0;
}

/*
 * Checks a disk spec, so that mistakes point into the file, and keeps it in
 * canonical form (disk.h) with a relative target made relative to the
 * file's directory, as kernel paths are: the backend opens what it finds.
 */
static int normalise_disk(struct parser *p, struct atom *a)
{
	struct hv_disk disk;
	char msg[256], *joined, *spec;
	int r = hv_disk_parse(&disk, a->str, msg, sizeof(msg));

	if (r == -ENOMEM)
		return hv__config_nomem(p);
	if (r)
		return hv__config_fail(p, a->pos, "disk: %s", msg);
	if (p->dir && disk.target[0] != '/') {
		joined = concat(p->dir, disk.target);
		free(disk.target);
		disk.target = joined;
	}
	spec = disk.target ? hv_disk_format(&disk) : NULL;
	hv_disk_free(&disk);
	if (!spec)
		return hv__config_nomem(p);
	free(a->str);
	a->str = spec;
	return 0;
}

/* Checks a vif spec, so that mistakes point into the file; keeps it canonical (vif.h). */
static int normalise_vif(struct parser *p, struct atom *a)
{
	struct hv_vif vif;
	char msg[256], spec[128], *copy;
	int r = hv_vif_parse(&vif, a->str, msg, sizeof(msg));

	if (r)
		return hv__config_fail(p, a->pos, "vif: %s", msg);
	hv_vif_format(&vif, spec, sizeof(spec));
	copy = strdup(spec);
	if (!copy)
		return hv__config_nomem(p);
	free(a->str);
	a->str = copy;
	return 0;
}

/* A list of device specs, each string first normalised (checked) by fn. */
static int set_specs(struct parser *p, const struct key *k, struct value *v,
		     int (*fn)(struct parser *p, struct atom *a))
{
	for (size_t i = 0; i < v->n; i++) {
		int r = v->atoms[i].str ? fn(p, &v->atoms[i]) : 0;

		if (r)
			return r;
	}
	return set_list(p, k, v);
}

static int set_vif(struct parser *p, const struct key *k, struct value *v)
{
	return set_specs(p, k, v, normalise_vif);
}

static int set_disk(struct parser *p, const struct key *k, struct value *v)
{
	return set_specs(p, k, v, normalise_disk);
}

#define FIELD(f) offsetof(struct hv_config, f)

static const struct key keys[] = {
	{ "name", set_name, 0, 0, NULL },
	{ "type", set_type, 0, 0, NULL },
	{ "kernel", set_path, FIELD(kernel), 0, NULL },
	{ "ramdisk", set_path, FIELD(ramdisk), 0, NULL },
	{ "cmdline", set_cmdline, 0, K_APPEND, NULL },
	{ "extra", set_extra, 0, K_APPEND, NULL },
	{ "memory", set_memory, 0, K_NUMBER, NULL },
	{ "maxmem", set_maxmem, 0, K_NUMBER, NULL },
	{ "vcpus", set_vcpus, 0, K_NUMBER, NULL },
	{ "cpuid", set_list, FIELD(cpuid), K_APPEND | K_LIST, check_policy },
	{ "disk", set_disk, FIELD(disks), K_APPEND | K_LIST, NULL },
	{ "vif", set_vif, FIELD(vifs), K_APPEND | K_LIST, NULL },
	{ "bootloader", set_bootloader, FIELD(bootloader), 0, NULL },
	{ "grub_image", set_path, FIELD(grub_image), 0, NULL },
	{ "boot_disk", set_word, FIELD(boot_disk), 0, NULL },
	{ "xenstore_socket", set_path, FIELD(xenstore_socket), 0, NULL },
	{ "console_socket", set_path, FIELD(console_socket), 0, NULL },
	{ "console_log", set_path, FIELD(console_log), 0, NULL },
	{ "control_socket", set_path, FIELD(control_socket), 0, NULL },
	{ "on_poweroff", set_action, FIELD(on_poweroff), 0, NULL },
	{ "on_reboot", set_action, FIELD(on_reboot), 0, NULL },
	{ "on_crash", set_action, FIELD(on_crash), 0, NULL },
};

static const struct key *find_key(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (strlen(keys[i].name) == len && !memcmp(keys[i].name, name, len))
			return &keys[i];
	return NULL;
}

/* Settings */

static int apply(struct parser *p, const char *name, size_t len, struct pos at,
		 struct value *v)
{
	const struct key *k = find_key(name, len);

	if (!k) {
		log_warnx("%s:%u:%u: unknown key \"%.*s\" ignored", p->file, at.line, at.col,
			  hv__config_shown(len), name);
		return 0;
	}
	if (p->append && !(k->flags & K_APPEND))
		return hv__config_fail(p, at, "%s: '+=' works only with cmdline, extra, cpuid, disk and vif",
				       k->name);
	return k->set(p, k, v);
}

/* KEY = VALUE or KEY += VALUE, then the end of the line or ';'. */
static int parse_setting(struct parser *p)
{
	const char *name = p->tok_start;
	size_t len = p->tok_len;
	struct pos at = p->tok_pos;
	struct value v = { 0 };
	int r = hv__config_lex(p);

	if (r)
		return r;
	if (p->tok != T_EQ && p->tok != T_PLUSEQ)
		return hv__config_fail(p, p->tok_pos,
				       "expected '=' or '+=' after \"%.*s\", found %s",
				       hv__config_shown(len), name, hv__config_tok_name(p->tok));
	p->append = p->tok == T_PLUSEQ;
	r = hv__config_lex(p);
	if (!r)
		r = hv__config_parse_value(p, &v);
	if (!r && p->tok != T_NEWLINE && p->tok != T_SEMI && p->tok != T_EOF)
		r = hv__config_fail(p, p->tok_pos,
				    "expected the end of the line or ';' after the value, "
				    "found %s", hv__config_tok_name(p->tok));
	if (!r)
		r = apply(p, name, len, at, &v);
	hv__config_value_free(&v);
	return r;
}

/* What every setting leaves for the end: cmdline wins over extra. */
static void finish(struct parser *p)
{
	if (p->extra && !p->have_cmdline) {
		free(p->c->cmdline);
		p->c->cmdline = p->extra;
		p->extra = NULL;
	}
	free(p->extra);
	p->extra = NULL;
}

static int parse_text(struct hv_config *c, const char *file, const char *dir, const char *text,
		      size_t len, char *err, size_t errlen)
{
	struct parser p = {
		.c = c, .file = file ? file : "(config)", .dir = dir, .text = text, .len = len,
		.at = { 1, 1 }, .err = err, .errlen = errlen,
	};
	int r = hv__config_check_text(&p);

	if (!r)
		r = hv__config_lex(&p);
	while (!r && p.tok != T_EOF) {
		if (p.tok == T_NEWLINE || p.tok == T_SEMI)
			r = hv__config_lex(&p);
		else if (p.tok == T_IDENT)
			r = parse_setting(&p);
		else
			r = hv__config_fail(&p, p.tok_pos, "expected a key, found %s",
					    hv__config_tok_name(p.tok));
	}
	free(p.tok_str);
	finish(&p);
	return r;
}

/* Public interface */

/* The default name is static, not allocated, so that this cannot fail. */
void hv_config_init(struct hv_config *c)
{
	*c = (struct hv_config){
		.name = (char *)default_name,
		.memory = 128,
		.vcpus = 1,
		.on_poweroff = HV_ACTION_DESTROY,
		.on_reboot = HV_ACTION_RESTART,
		.on_crash = HV_ACTION_DESTROY,
	};
}

/* Frees what c owns (everything but the default name) and resets it. */
void hv_config_free(struct hv_config *c)
{
	if (c->name != default_name)
		free(c->name);
	free(c->kernel);
	free(c->ramdisk);
	free(c->cmdline);
	free_list(&c->cpuid);
	free_list(&c->disks);
	free_list(&c->vifs);
	free(c->bootloader);
	free(c->grub_image);
	free(c->boot_disk);
	free(c->xenstore_socket);
	free(c->console_socket);
	free(c->console_log);
	free(c->control_socket);
	hv_config_init(c);
}

/* Parses text as it is: relative paths stay relative (see hv_config_load). */
int hv_config_parse(struct hv_config *c, const char *file, const char *text, size_t len,
		    char *err, size_t errlen)
{
	return parse_text(c, file, NULL, text, len, err, errlen);
}

/* Reads at most MAX_TEXT + 1 bytes: enough for parse_text to refuse more. */
static int read_text(const char *path, char **out, size_t *len)
{
	size_t n = 0, cap = 0;
	char *buf = NULL, *grown;
	ssize_t got = 1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	while (got && n <= MAX_TEXT) {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			cap = cap > MAX_TEXT + 1 ? MAX_TEXT + 1 : cap;
			grown = realloc(buf, cap);
			if (!grown) {
				r = -ENOMEM;
				break;
			}
			buf = grown;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		n += got > 0 ? (size_t)got : 0;
	}
	close(fd);
	if (r) {
		free(buf);
		return r;
	}
	*out = buf;
	*len = n;
	return 0;
}

/*
 * Reads path and parses it.  Relative kernel and ramdisk paths in the file
 * are made relative to the file's directory, so that a configuration and
 * its images can move together.  Returns 0, -errno with "PATH: reason" in
 * err if the file cannot be read, or hv_config_parse's error.
 */
int hv_config_load(struct hv_config *c, const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char *text = NULL, *dir = NULL;
	size_t len = 0;
	int r = read_text(path, &text, &len);

	if (r) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (slash && !(dir = strndup(path, slash - path + 1))) {
		free(text);
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	r = parse_text(c, path, dir, text, len, err, errlen);
	free(dir);
	free(text);
	return r;
}

/*
 * Applies one option through the same handler as the file's key.  Unknown
 * keys are errors here: an option is typed on purpose.  "extra" sets the
 * command line, since an option given after the file overrides it; "cpuid"
 * appends a policy.  Messages carry no position.
 */
int hv_config_set(struct hv_config *c, const char *key, const char *value, char *err,
		  size_t errlen)
{
	const struct key *k = find_key(key, strlen(key));
	struct parser p = { .c = c, .append = k && (k->flags & K_LIST), .err = err,
			    .errlen = errlen };
	struct atom a = { 0 };
	struct value v = { .atoms = &a, .n = 1 };
	const char *why;
	int r;

	if (!k)
		return hv__config_fail(&p, v.pos, "unknown key \"%.*s\"",
				       hv__config_shown(strlen(key)), key);
	if (k->flags & K_NUMBER) {
		why = hv__config_parse_number(value, strlen(value), &a.num);
		if (why)
			return hv__config_fail(&p, v.pos, "%s: \"%.*s\" %s", key,
					       hv__config_shown(strlen(value)), value, why);
	} else if (!(a.str = strdup(value))) {
		return hv__config_nomem(&p);
	}
	r = k->set(&p, k, &v);
	free(a.str);
	finish(&p);
	return r;
}

static int check_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int check_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = hv__config_verror(err, errlen, NULL, (struct pos){ 0, 0 }, fmt, ap);
	va_end(ap);
	return r;
}

/* Returns 0 or -EINVAL with a message; the fields may have been set directly. */
int hv_config_check(const struct hv_config *c, char *err, size_t errlen)
{
	if (!c->name || !*c->name)
		return check_error(err, errlen, "no domain name");
	if (!c->kernel && !c->disks.n)
		return check_error(err, errlen, "no kernel given, and no disk to boot from");
	if (c->bootloader && !strcmp(c->bootloader, "grub") && !c->grub_image)
		return check_error(err, errlen, "bootloader \"grub\" needs grub_image");
	if (c->memory < 1 || c->memory > HV_CONFIG_MAX_MEMORY)
		return check_error(err, errlen, "memory: %llu MiB is out of range (1 to %llu)",
				   (unsigned long long)c->memory, HV_CONFIG_MAX_MEMORY);
	if ((c->maxmem && c->maxmem < c->memory) || c->maxmem > HV_CONFIG_MAX_MEMORY)
		return check_error(err, errlen, "maxmem: %llu MiB is out of range (%llu to %llu)",
				   (unsigned long long)c->maxmem,
				   (unsigned long long)c->memory, HV_CONFIG_MAX_MEMORY);
	if (c->vcpus < 1 || c->vcpus > HV_CONFIG_MAX_VCPUS)
		return check_error(err, errlen, "vcpus: %u is out of range (1 to %d)", c->vcpus,
				   HV_CONFIG_MAX_VCPUS);
	return 0;
}

uint64_t hv_config_maxmem(const struct hv_config *c)
{
	return c->maxmem ? c->maxmem : c->memory;
}

/* Returns a static string, "unknown" for a value outside the enum. */
const char *hv_action_name(enum hv_action a)
{
	return (unsigned)a < ARRAY_SIZE(action_names) ? action_names[a] : "unknown";
}
