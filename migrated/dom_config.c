#include "dom_config.h"

#include <stdio.h>
#include <stdlib.h>

/* A double-quoted string that the xl.cfg lexer decodes back to s. */
static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void put_key(FILE *f, const char *key, const char *value)
{
	if (!value)
		return;
	fprintf(f, "%s = ", key);
	put_string(f, value);
	fputc('\n', f);
}

static void put_list(FILE *f, const char *key, const struct hv_strlist *l)
{
	if (!l->n)
		return;
	fprintf(f, "%s = [", key);
	for (size_t i = 0; i < l->n; i++) {
		fputs(i ? ", " : " ", f);
		put_string(f, l->v[i]);
	}
	fputs(" ]\n", f);
}

char *mig_dom_config_format(const struct hv_config *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int bad;

	if (!f)
		return NULL;
	fputs("# Written by ternd: the domain's configuration as it runs.\n", f);
	put_key(f, "name", c->name);
	put_key(f, "type", "pvh");
	put_key(f, "kernel", c->kernel);
	put_key(f, "ramdisk", c->ramdisk);
	put_key(f, "cmdline", c->cmdline);
	fprintf(f, "memory = %llu\n", (unsigned long long)c->memory);
	if (c->maxmem)
		fprintf(f, "maxmem = %llu\n", (unsigned long long)c->maxmem);
	fprintf(f, "vcpus = %u\n", c->vcpus);
	put_list(f, "cpuid", &c->cpuid);
	put_list(f, "disk", &c->disks);
	put_key(f, "xenstore_socket", c->xenstore_socket);
	put_key(f, "console_socket", c->console_socket);
	put_key(f, "console_log", c->console_log);
	put_key(f, "control_socket", c->control_socket);
	put_key(f, "on_poweroff", hv_action_name(c->on_poweroff));
	put_key(f, "on_reboot", hv_action_name(c->on_reboot));
	put_key(f, "on_crash", hv_action_name(c->on_crash));
	bad = ferror(f);
	if (fclose(f) || bad) {
		free(text);
		return NULL;
	}
	return text;
}
