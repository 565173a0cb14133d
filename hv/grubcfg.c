/*
 * Running a parsed grub.cfg (grubcfg_parse.c) the way GRUB's normal mode
 * does, as far as choosing and reading the default entry needs: top-level
 * commands build the menu, "default" picks an entry (GRUB's menu.c rules),
 * and that entry's body names the kernel, the initrds and the command line.
 * Variables expand when a command runs, so an entry sees what the whole
 * file set.
 */
#include "grubcfg.h"
#include "grubcfg_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_TEST_ARGS 64 /* words of one test: bounds its recursion */

struct var {
	char *name, *value;
};

struct item {
	bool submenu;
	char *title, *id;
	const struct cmd *c;
};

struct menu {
	struct item *items;
	unsigned n;
};

struct argv {
	char **v;
	unsigned n;
};

struct str {
	char *s;
	size_t n;
};

struct run {
	const char *file;
	const struct hv_grubcfg_opts *o;
	char *err;
	size_t errlen;
	struct var *vars;
	unsigned nvars;
	int status;               /* of the last command, as $? */
	struct menu *menu;        /* where entries go; NULL inside an entry */
	struct hv_grub_boot *boot; /* the entry being run, or NULL */
	bool saved_entry_used;
	unsigned line;            /* of the command running */
};

/* GRUB's own variables that grub-mkconfig's scripts test. */
static const struct { const char *name, *value; } builtins[] = {
	{ "feature_menuentry_id", "y" },
	{ "feature_default_font_path", "y" },
	{ "feature_all_video_module", "y" },
	{ "feature_platform_search_hint", "y" },
	{ "feature_timeout_style", "y" },
	{ "grub_platform", "xen" },
	{ "grub_cpu", "i386" },
};

/* Commands that boot something else or read other files: never skipped. */
static const char *const refused[] = {
	"chainloader", "multiboot", "multiboot2", "module", "module2", "kfreebsd",
	"knetbsd", "kopenbsd", "xnu_kernel", "xnu_kernel64", "appleloader", "ntldr",
	"freedos", "plan9", "truecrypt", "configfile", "source", ".", "normal",
	"legacy_configfile", "legacy_source", "extract_entries_source",
	"extract_entries_configfile", "linux32",
};

#define FAIL(r, ...) grubcfg__fail((r)->err, (r)->errlen, (r)->file, (r)->line, __VA_ARGS__)

/* Variables */

static struct var *find_var(struct run *r, const char *name, size_t len)
{
	for (unsigned i = 0; i < r->nvars; i++)
		if (strlen(r->vars[i].name) == len && !memcmp(r->vars[i].name, name, len))
			return &r->vars[i];
	return NULL;
}

static const char *get_var(struct run *r, const char *name)
{
	struct var *v = find_var(r, name, strlen(name));

	return v ? v->value : NULL;
}

static bool valid_name(const char *s, size_t len)
{
	if (!len || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static int set_var(struct run *r, const char *name, size_t len, const char *value)
{
	struct var *v = find_var(r, name, len);
	char *copy;

	if (!valid_name(name, len))
		return FAIL(r, "set: bad variable name \"%.*s\"", (int)(len > 64 ? 64 : len), name);
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	if (!v) {
		struct var *grown;

		if (r->nvars == GRUBCFG_MAX_VARS) {
			free(copy);
			return FAIL(r, "more than %d variables", GRUBCFG_MAX_VARS);
		}
		grown = realloc(r->vars, (r->nvars + 1) * sizeof(*grown));
		if (!grown || !(grown[r->nvars].name = strndup(name, len))) {
			r->vars = grown ? grown : r->vars;
			free(copy);
			return -ENOMEM;
		}
		r->vars = grown;
		v = &r->vars[r->nvars++];
		v->value = NULL;
	}
	free(v->value);
	v->value = copy;
	return 0;
}

static void unset_var(struct run *r, const char *name)
{
	struct var *v = find_var(r, name, strlen(name));

	if (!v)
		return;
	free(v->name);
	free(v->value);
	*v = r->vars[--r->nvars];
}

/* Expansion */

/* The bytes allocated for a string of n bytes: a power of two, so appends stay linear. */
static size_t str_cap(size_t n)
{
	size_t cap = 16;

	while (cap < n + 1)
		cap *= 2;
	return cap;
}

static int append(struct run *r, struct str *s, const char *p, size_t len)
{
	if (s->n + len >= GRUBCFG_MAX_WORD)
		return FAIL(r, "a word expands to more than %d bytes", GRUBCFG_MAX_WORD);
	if (!s->s || str_cap(s->n + len) > str_cap(s->n)) {
		char *grown = realloc(s->s, str_cap(s->n + len));

		if (!grown)
			return -ENOMEM;
		s->s = grown;
	}
	memcpy(s->s + s->n, p, len);
	s->s[s->n + len] = '\0';
	s->n += len;
	return 0;
}

static int push(struct argv *a, struct str *s)
{
	char **grown = realloc(a->v, (a->n + 2) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	a->v = grown;
	a->v[a->n++] = s->s ? s->s : strdup("");
	a->v[a->n] = NULL;
	*s = (struct str){ NULL, 0 };
	return a->v[a->n - 1] ? 0 : -ENOMEM;
}

static void free_argv(struct argv *a)
{
	for (unsigned i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	*a = (struct argv){ NULL, 0 };
}

static const char *var_value(struct run *r, const char *name, size_t len, char *num)
{
	struct var *v;

	if (len == 1 && name[0] == '?') {
		snprintf(num, 16, "%d", r->status);
		return num;
	}
	v = find_var(r, name, len);
	if (!v && len == 11 && !memcmp(name, "saved_entry", 11))
		r->saved_entry_used = true;
	return v ? v->value : "";
}

/* An unquoted value splits into fields at blanks, as GRUB's arguments do. */
static int expand_var(struct run *r, struct argv *a, struct str *cur, bool *have,
		      const char *val, bool quoted)
{
	int err = 0;

	if (quoted) {
		*have = true;
		return append(r, cur, val, strlen(val));
	}
	for (const char *p = val; !err && *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n') {
			if (*have)
				err = push(a, cur);
			*have = false;
		} else {
			*have = true;
			err = append(r, cur, p, 1);
		}
	}
	return err;
}

static int expand_word(struct run *r, const struct word *w, struct argv *a)
{
	struct str cur = { NULL, 0 };
	bool have = w->solid;
	const char *p = w->s;
	char num[16];
	int err = 0;

	while (!err && *p) {
		if (*p == VAR_U || *p == VAR_Q) {
			const char *name = p + 1, *end = strchr(name, VAR_END);

			err = expand_var(r, a, &cur, &have,
					 var_value(r, name, end - name, num), *p == VAR_Q);
			p = end + 1;
		} else {
			size_t n = strcspn(p, "\x01\x02");

			err = append(r, &cur, p, n);
			p += n;
		}
	}
	if (!err && have)
		err = push(a, &cur);
	free(cur.s);
	return err;
}

static int expand(struct run *r, const struct cmd *c, struct argv *a)
{
	int err = 0;

	*a = (struct argv){ NULL, 0 };
	for (unsigned i = 0; !err && i < c->nwords; i++)
		err = expand_word(r, &c->words[i], a);
	if (err)
		free_argv(a);
	return err;
}

/* "[ ... ]" and test (grubcfg_test.c) */

static int run_test(struct run *r, const struct argv *a)
{
	unsigned n = a->n - 1;

	if (a->v[0][0] == '[') {
		if (!n || strcmp(a->v[a->n - 1], "]"))
			return FAIL(r, "'[' without ']'");
		n--;
	}
	if (n > MAX_TEST_ARGS)
		return FAIL(r, "a test of more than %d words", MAX_TEST_ARGS);
	r->status = !grubcfg__test(a->v + 1, n);
	return 0;
}

/* Simple commands */

static int run_set(struct run *r, const struct argv *a, unsigned from)
{
	int err = 0;

	for (unsigned i = from; !err && i < a->n; i++) {
		const char *eq = strchr(a->v[i], '=');

		if (eq)
			err = set_var(r, a->v[i], eq - a->v[i], eq + 1);
	}
	return err;
}

/* search [--fs-uuid|--label|--file] [--set[=VAR]] [--hint...] KEY, and search.X KEY [VAR] */
static int run_search(struct run *r, const struct argv *a)
{
	const char *kind = "file", *var = NULL, *key = NULL, *dot = strchr(a->v[0], '.');
	char dev[128];

	if (dot)
		kind = !strcmp(dot, ".fs_uuid") ? "fs-uuid" : !strcmp(dot, ".fs_label") ? "label" : "file";
	for (unsigned i = 1; i < a->n; i++) {
		const char *s = a->v[i];

		if (!strcmp(s, "--fs-uuid") || !strcmp(s, "-u"))
			kind = "fs-uuid";
		else if (!strcmp(s, "--label") || !strcmp(s, "-l"))
			kind = "label";
		else if (!strcmp(s, "--file") || !strcmp(s, "-f"))
			kind = "file";
		else if (!strcmp(s, "--set") || !strcmp(s, "-s"))
			var = "root";
		else if (!strncmp(s, "--set=", 6))
			var = s + 6;
		else if (!strncmp(s, "--hint", 6) && !strchr(s, '='))
			i++;
		else if (s[0] != '-' && !key)
			key = s;
		else if (s[0] != '-' && dot)
			var = s;
	}
	r->status = 1;
	if (!key || !var || !r->o->search ||
	    r->o->search(r->o->opaque, kind, key, dev, sizeof(dev)))
		return 0;
	r->status = 0;
	return set_var(r, var, strlen(var), dev);
}

static char *join_args(char *const *v, unsigned n)
{
	size_t len = 1;
	char *s, *p;

	for (unsigned i = 0; i < n; i++)
		len += 2 * strlen(v[i]) + 3;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*p = '\0';
	for (unsigned i = 0; i < n; i++) {
		bool quote = strchr(v[i], ' ') != NULL;

		if (i)
			*p++ = ' ';
		if (quote)
			*p++ = '"';
		for (const char *c = v[i]; *c; c++) {
			if (quote && (*c == '"' || *c == '\\'))
				*p++ = '\\';
			*p++ = *c;
		}
		if (quote)
			*p++ = '"';
		*p = '\0';
	}
	return s;
}

static int run_linux(struct run *r, struct argv *a)
{
	struct hv_grub_boot *b = r->boot;
	const char *root = get_var(r, "root");

	if (!b)
		return FAIL(r, "%s outside a menuentry is not supported", a->v[0]);
	if (a->n < 2)
		return FAIL(r, "%s: no kernel named", a->v[0]);
	free(b->kernel);
	free(b->args);
	free(b->root);
	b->kernel = a->v[1];
	a->v[1] = NULL;
	b->args = join_args(a->v + 2, a->n - 2);
	b->root = root ? strdup(root) : NULL;
	b->line = r->line;
	return b->args && (b->root || !root) ? 0 : -ENOMEM;
}

static int run_initrd(struct run *r, struct argv *a)
{
	struct hv_grub_boot *b = r->boot;
	char **files;

	if (!b)
		return FAIL(r, "%s outside a menuentry is not supported", a->v[0]);
	if (a->n < 2)
		return FAIL(r, "%s: no file named", a->v[0]);
	if (a->n - 1 > GRUBCFG_MAX_INITRDS)
		return FAIL(r, "%s: more than %d files", a->v[0], GRUBCFG_MAX_INITRDS);
	files = calloc(a->n - 1, sizeof(*files));
	if (!files)
		return -ENOMEM;
	for (unsigned i = 0; i < b->nr_initrds; i++)
		free(b->initrds[i]);
	free(b->initrds);
	for (unsigned i = 1; i < a->n; i++) {
		files[i - 1] = a->v[i];
		a->v[i] = NULL;
	}
	b->initrds = files;
	b->nr_initrds = a->n - 1;
	return 0;
}

static bool named(const char *cmd, const char *a, const char *b, const char *c)
{
	return !strcmp(cmd, a) || !strcmp(cmd, b) || !strcmp(cmd, c);
}

static int dispatch(struct run *r, struct argv *a)
{
	const char *cmd = a->v[0], *eq = strchr(cmd, '=');

	r->status = 0;
	if (!strcmp(cmd, "set"))
		return run_set(r, a, 1);
	if (eq && valid_name(cmd, eq - cmd))
		return run_set(r, a, 0);
	if (!strcmp(cmd, "unset")) {
		for (unsigned i = 1; i < a->n; i++)
			unset_var(r, a->v[i]);
		return 0;
	}
	if (!strcmp(cmd, "[") || !strcmp(cmd, "test"))
		return run_test(r, a);
	if (!strcmp(cmd, "false"))
		r->status = 1;
	if (!strncmp(cmd, "search", 6) && (!cmd[6] || cmd[6] == '.'))
		return run_search(r, a);
	if (named(cmd, "linux", "linux16", "linuxefi"))
		return run_linux(r, a);
	if (named(cmd, "initrd", "initrd16", "initrdefi"))
		return run_initrd(r, a);
	if (grubcfg__one_of(cmd, refused, ARRAY_SIZE(refused)))
		return FAIL(r, "'%s' is not supported", cmd);
	return 0;
}

/* Blocks */

static int run_block(struct run *r, const struct block *b);

static void free_item(struct item *it)
{
	free(it->title);
	free(it->id);
}

static void free_menu(struct menu *m)
{
	for (unsigned i = 0; i < m->n; i++)
		free_item(&m->items[i]);
	free(m->items);
	*m = (struct menu){ NULL, 0 };
}

/* Options take a value: --class X, --users X, --hotkey X, --id X (or --opt=X). */
static int parse_item(struct run *r, const struct cmd *c, struct argv *a, struct item *it)
{
	static const char *const with_value[] = { "--class", "--users", "--hotkey", "--id" };

	for (unsigned i = 0; i < a->n; i++) {
		char *s = a->v[i];
		bool id = !strcmp(s, "--id") || !strncmp(s, "--id=", 5);

		if (grubcfg__one_of(s, with_value, ARRAY_SIZE(with_value)) && i + 1 < a->n)
			i++;
		if (id) {
			free(it->id);
			it->id = strdup(s[4] ? s + 5 : a->v[i]);
			if (!it->id)
				return -ENOMEM;
		} else if (s[0] != '-' && !it->title) {
			it->title = s;
			a->v[i] = NULL;
		}
	}
	it->c = c;
	it->submenu = c->kind == CMD_SUBMENU;
	return it->title ? 0 : FAIL(r, "%s without a title", it->submenu ? "submenu" : "menuentry");
}

static int add_item(struct run *r, const struct cmd *c)
{
	struct item it = { 0 }, *grown;
	struct argv a;
	int err;

	if (!r->menu)
		return 0;
	if (r->menu->n == GRUBCFG_MAX_ITEMS)
		return FAIL(r, "more than %d menu entries", GRUBCFG_MAX_ITEMS);
	err = expand(r, c, &a);
	if (!err)
		err = parse_item(r, c, &a, &it);
	free_argv(&a);
	grown = err ? NULL : realloc(r->menu->items, (r->menu->n + 1) * sizeof(*grown));
	if (!grown) {
		free_item(&it);
		return err ? err : -ENOMEM;
	}
	r->menu->items = grown;
	grown[r->menu->n++] = it;
	return 0;
}

static int run_if(struct run *r, const struct cmd *c)
{
	int err = 0;

	for (unsigned i = 0; !err && i < c->nclauses; i++) {
		err = run_block(r, &c->clauses[i].cond);
		if (!err && r->status == 0)
			return run_block(r, &c->clauses[i].body);
	}
	return err ? err : run_block(r, &c->body);
}

static int run_cmd(struct run *r, const struct cmd *c)
{
	struct argv a;
	int err;

	r->line = c->line;
	switch (c->kind) {
	case CMD_IF:
		return run_if(r, c);
	case CMD_FUNCTION:
		return 0;
	case CMD_MENUENTRY:
	case CMD_SUBMENU:
		return add_item(r, c);
	default:
		break;
	}
	err = expand(r, c, &a);
	if (err || !a.n) {
		r->status = 0;
		return err;
	}
	r->line = c->line;
	err = dispatch(r, &a);
	free_argv(&a);
	return err;
}

static int run_block(struct run *r, const struct block *b)
{
	int err = 0;

	for (const struct cmd *c = b->head; !err && c; c = c->next)
		err = run_cmd(r, c);
	return err;
}

/* Choosing */

static int run_menu(struct run *r, const struct block *b, struct menu *m)
{
	struct menu *outer = r->menu;
	int err;

	r->menu = m;
	err = run_block(r, b);
	r->menu = outer;
	return err;
}

/* The item one part of "default" names: its number, title or id; or -1. */
static int find_item(const struct menu *m, const char *part, size_t len)
{
	if (len && strspn(part, "0123456789") >= len) {
		unsigned long n = strtoul(part, NULL, 10);

		return n < m->n ? (int)n : -1;
	}
	for (unsigned i = 0; i < m->n; i++) {
		const char *t = m->items[i].title, *id = m->items[i].id;

		if ((strlen(t) == len && !memcmp(t, part, len)) ||
		    (id && strlen(id) == len && !memcmp(id, part, len)))
			return (int)i;
	}
	return -1;
}

/*
 * Follows def ("A>B>C"; NULL: the first item at each level) from top into
 * submenus, running each submenu's body as GRUB does when it is opened.
 * Returns 0 with the entry in *entry and the titles in *title, 1 if def
 * names nothing, or -errno.
 */
static int walk(struct run *r, const struct menu *top, const char *def, const struct cmd **entry,
		struct str *title)
{
	struct menu sub = { NULL, 0 };
	const struct menu *m = top;
	int err = 0;

	free(title->s);
	*title = (struct str){ NULL, 0 };
	while (!err) {
		size_t len = def ? strcspn(def, ">") : 0;
		int i = def ? find_item(m, def, len) : m->n ? 0 : -1;
		const struct item *it = i < 0 ? NULL : &m->items[i];
		struct menu next = { NULL, 0 };

		if (!it) {
			if (!def)
				snprintf(r->err, r->errlen, "%s: no menu entry", r->file);
			err = def ? 1 : -EINVAL;
			break;
		}
		if ((title->n && (err = append(r, title, ">", 1))) ||
		    (err = append(r, title, it->title, strlen(it->title))))
			break;
		if (!it->submenu) {
			err = def && def[len] ? 1 : 0;
			*entry = it->c;
			break;
		}
		def = def && def[len] ? def + len + 1 : NULL;
		err = run_menu(r, &it->c->body, &next);
		free_menu(&sub);
		sub = next;
		m = &sub;
	}
	free_menu(&sub);
	return err;
}

static int run_entry(struct run *r, const struct cmd *entry, struct str *title,
		     struct hv_grub_boot *b)
{
	int err = set_var(r, "chosen", 6, title->s);

	b->title = title->s;
	*title = (struct str){ NULL, 0 };
	r->menu = NULL;
	r->boot = b;
	if (!err)
		err = run_block(r, &entry->body);
	r->boot = NULL;
	if (!err && !b->kernel)
		err = grubcfg__fail(r->err, r->errlen, r->file, entry->line,
				    "menuentry '%s' has no linux command", b->title);
	return err;
}

static int init_vars(struct run *r, const struct hv_grubcfg_opts *o)
{
	int err = 0;

	for (size_t i = 0; !err && i < ARRAY_SIZE(builtins); i++)
		err = set_var(r, builtins[i].name, strlen(builtins[i].name), builtins[i].value);
	if (!err && o->root)
		err = set_var(r, "root", 4, o->root);
	if (!err && o->prefix)
		err = set_var(r, "prefix", 6, o->prefix);
	return err;
}

/* Picks the entry: default as written, else entry 0 with a note. */
static int choose(struct run *r, const struct menu *top, struct hv_grub_boot *b)
{
	const char *d = get_var(r, "default");
	char *def = d && *d ? strdup(d) : NULL;
	const struct cmd *entry = NULL;
	struct str title = { NULL, 0 };
	int err = d && *d && !def ? -ENOMEM : walk(r, top, def, &entry, &title);

	if (err == 1)
		snprintf(b->note, sizeof(b->note), "default \"%.64s\" names no entry: booting entry 0",
			 def);
	else if (!err && !def && r->saved_entry_used)
		snprintf(b->note, sizeof(b->note), "default is $saved_entry, which is kept in grubenv "
			 "and not read here: booting entry 0");
	if (err == 1)
		err = walk(r, top, NULL, &entry, &title);
	if (!err)
		err = run_entry(r, entry, &title, b);
	free(title.s);
	free(def);
	return err;
}

int hv_grubcfg_choose(const char *file, const char *text, size_t len,
		      const struct hv_grubcfg_opts *o, struct hv_grub_boot *b, char *err,
		      size_t errlen)
{
	struct grubcfg_tree t = { .file = file, .top = { NULL } };
	struct run r = { .file = file, .o = o, .err = err, .errlen = errlen };
	struct menu top = { NULL, 0 };
	int e;

	memset(b, 0, sizeof(*b));
	e = grubcfg__parse(&t, text, len, err, errlen);
	if (!e)
		e = init_vars(&r, o);
	if (!e)
		e = run_menu(&r, &t.top, &top);
	if (!e)
		e = choose(&r, &top, b);
	if (e)
		hv_grub_boot_free(b);
	if (e == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", file);
	free_menu(&top);
	for (unsigned i = 0; i < r.nvars; i++) {
		free(r.vars[i].name);
		free(r.vars[i].value);
	}
	free(r.vars);
	grubcfg__free(&t);
	return e;
}

void hv_grub_boot_free(struct hv_grub_boot *b)
{
	free(b->title);
	free(b->kernel);
	free(b->args);
	for (unsigned i = 0; i < b->nr_initrds; i++)
		free(b->initrds[i]);
	free(b->initrds);
	free(b->root);
	memset(b, 0, sizeof(*b));
}
