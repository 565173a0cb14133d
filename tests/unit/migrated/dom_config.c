/*
 * Unit tests for migrated/dom_config.c: the configuration ternd keeps for
 * a domain reads back, through tern-hv's own parser, into the same
 * configuration, strings with quotes, backslashes and control characters
 * included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "dom_config.h"

static void assert_same_list(const struct hv_strlist *a, const struct hv_strlist *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		assert_string_equal(a->v[i], b->v[i]);
}

static void assert_same_string(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* Parses text into a fresh configuration, which must succeed. */
static void parse(const char *text, struct hv_config *c)
{
	char err[256];

	hv_config_init(c);
	if (hv_config_parse(c, "test.cfg", text, strlen(text), err, sizeof(err)))
		fail_msg("%s\n%s", err, text);
}

static void round_trip_of(const char *source)
{
	struct hv_config a, b;
	char *text;

	parse(source, &a);
	text = mig_dom_config_format(&a);
	assert_non_null(text);
	parse(text, &b);
	assert_string_equal(a.name, b.name);
	assert_same_string(a.kernel, b.kernel);
	assert_same_string(a.ramdisk, b.ramdisk);
	assert_same_string(a.cmdline, b.cmdline);
	assert_int_equal(a.memory, b.memory);
	assert_int_equal(a.maxmem, b.maxmem);
	assert_int_equal(a.vcpus, b.vcpus);
	assert_same_list(&a.cpuid, &b.cpuid);
	assert_same_list(&a.disks, &b.disks);
	assert_same_string(a.xenstore_socket, b.xenstore_socket);
	assert_same_string(a.console_socket, b.console_socket);
	assert_same_string(a.console_log, b.console_log);
	assert_same_string(a.control_socket, b.control_socket);
	assert_int_equal(a.on_poweroff, b.on_poweroff);
	assert_int_equal(a.on_reboot, b.on_reboot);
	assert_int_equal(a.on_crash, b.on_crash);
	free(text);
	hv_config_free(&a);
	hv_config_free(&b);
}

static void minimal(void **state)
{
	(void)state;
	round_trip_of("kernel = \"/boot/mini\"\n");
}

static void everything(void **state)
{
	(void)state;
	round_trip_of("name = \"web\"\n"
		      "kernel = \"/boot/vmlinuz\"\n"
		      "ramdisk = \"/boot/initrd.img\"\n"
		      "cmdline = \"console=hvc0 quote=\\\" back=\\\\ tab=\\t bell=\\x07\"\n"
		      "memory = 1024\n"
		      "maxmem = 2048\n"
		      "vcpus = 4\n"
		      "cpuid = [ \"host,cx16=0\", \"0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0\" ]\n"
		      "disk = [ \"vdev=xvda, access=rw, target=/srv/web.img\", "
		      "\"vdev=xvdb, access=ro, target=/srv/data.img\" ]\n"
		      "xenstore_socket = \"/run/web.xs\"\n"
		      "console_socket = \"/run/web.console\"\n"
		      "console_log = \"/var/log/web.log\"\n"
		      "control_socket = \"/run/web.control\"\n"
		      "on_poweroff = \"preserve\"\n"
		      "on_reboot = \"destroy\"\n"
		      "on_crash = \"restart\"\n");
}

/* The text has the keys one per line, with nothing the parser would warn of. */
static void shape(void **state)
{
	struct hv_config c;
	char *text;

	(void)state;
	parse("name = \"db\"\nkernel = \"/k\"\nextra = \"from extra\"\n", &c);
	text = mig_dom_config_format(&c);
	assert_non_null(strstr(text, "\nname = \"db\"\n"));
	assert_non_null(strstr(text, "\ncmdline = \"from extra\"\n"));
	assert_null(strstr(text, "ramdisk"));
	assert_null(strstr(text, "maxmem"));
	free(text);
	hv_config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(minimal),
		cmocka_unit_test(everything),
		cmocka_unit_test(shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
