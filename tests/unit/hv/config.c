/*
 * Tests for hv/config.c.
 *
 * Files: for each $TERN_UNIT_DATA/config/NAME.cfg, NAME.expected holds
 * either the parsed configuration in the canonical form that dump() writes
 * (ending with hv_config_check's verdict) or "error: " and the exact
 * message.  Run with TERN_UNIT_UPDATE=1 to rewrite the .expected files
 * from the parser's output; review the diff before committing it.
 *
 * Code: hv_config_set, hv_config_check, hv_config_load's handling of
 * relative paths, and inputs that do not fit in a text file.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

#define MAX_FILE (64 * 1024)

struct buf {
	char text[MAX_FILE];
	size_t len;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->text + b->len, sizeof(b->text) - b->len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(b->text) - b->len);
	b->len += n;
}

/* KEY="value" with C escapes for what is not printable, or KEY=null. */
static void put_string(struct buf *b, const char *key, const char *s)
{
	if (!s) {
		put(b, "%s=null\n", key);
		return;
	}
	put(b, "%s=\"", key);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '\n')
			put(b, "\\n");
		else if (c == '\t')
			put(b, "\\t");
		else if (c == '"' || c == '\\')
			put(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			put(b, "\\x%02x", c);
		else
			put(b, "%c", c);
	}
	put(b, "\"\n");
}

static void dump(struct buf *b, const struct hv_config *c)
{
	char err[256];
	size_t i;

	put_string(b, "name", c->name);
	put_string(b, "kernel", c->kernel);
	put_string(b, "ramdisk", c->ramdisk);
	put_string(b, "cmdline", c->cmdline);
	put(b, "memory=%llu\n", (unsigned long long)c->memory);
	put(b, "maxmem=%llu\n", (unsigned long long)c->maxmem);
	put(b, "vcpus=%u\n", c->vcpus);
	for (i = 0; i < c->cpuid.n; i++)
		put_string(b, "cpuid", c->cpuid.v[i]);
	for (i = 0; i < c->disks.n; i++)
		put_string(b, "disk", c->disks.v[i]);
	for (i = 0; i < c->vifs.n; i++)
		put_string(b, "vif", c->vifs.v[i]);
	put(b, "on_poweroff=%s\n", hv_action_name(c->on_poweroff));
	put(b, "on_reboot=%s\n", hv_action_name(c->on_reboot));
	put(b, "on_crash=%s\n", hv_action_name(c->on_crash));
	if (hv_config_check(c, err, sizeof(err)))
		put(b, "check=error: %s\n", err);
	else
		put(b, "check=ok\n");
}

/* Formats a path of at most PATH_MAX bytes into out. */
static void make_path(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void make_path(char *out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && n < PATH_MAX);
}

/* Reads a whole file; returns -errno. */
static int read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return -errno;
	b->len = fread(b->text, 1, sizeof(b->text), f);
	fclose(f);
	assert_true(b->len < sizeof(b->text));
	return 0;
}

static const char *data_dir(void)
{
	const char *dir = getenv("TERN_UNIT_DATA");

	if (!dir)
		fail_msg("TERN_UNIT_DATA is not set (run through meson test)");
	return dir;
}

/* Parses dir/name.cfg and compares with name.expected; returns 0 if equal. */
static int run_case(const char *dir, const char *cfg)
{
	static struct buf in, out, expected;
	char path[PATH_MAX], err[512];
	struct hv_config c;
	size_t stem = strlen(cfg) - strlen(".cfg");
	int r;

	make_path(path, "%s/%s", dir, cfg);
	assert_int_equal(read_file(path, &in), 0);
	hv_config_init(&c);
	out.len = 0;
	if (hv_config_parse(&c, cfg, in.text, in.len, err, sizeof(err)))
		put(&out, "error: %s\n", err);
	else
		dump(&out, &c);
	hv_config_free(&c);

	make_path(path, "%s/%.*s.expected", dir, (int)stem, cfg);
	if (getenv("TERN_UNIT_UPDATE")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		assert_int_equal(fwrite(out.text, 1, out.len, f), out.len);
		assert_int_equal(fclose(f), 0);
	}
	r = read_file(path, &expected);
	if (r) {
		print_error("%s: %s\n", path, strerror(-r));
		return -1;
	}
	if (out.len == expected.len && !memcmp(out.text, expected.text, out.len))
		return 0;
	print_error("%s: expected\n%.*s--- got\n%.*s---\n", cfg, (int)expected.len,
		    expected.text, (int)out.len, out.text);
	return -1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_files(void **state)
{
	char path[PATH_MAX], *names[512];
	size_t n = 0, i, good = 0, failed = 0;
	struct dirent *de;
	DIR *d;

	(void)state;
	make_path(path, "%s/config", data_dir());
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len > 4 && !strcmp(de->d_name + len - 4, ".cfg")) {
			assert_true(n < sizeof(names) / sizeof(names[0]));
			names[n++] = strdup(de->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	for (i = 0; i < n; i++) {
		if (run_case(path, names[i]))
			failed++;
		good += !strncmp(names[i], "good-", 5);
		free(names[i]);
	}
	print_message("%zu config files, %zu good, %zu bad, %zu failed\n", n, good, n - good,
		      failed);
	assert_true(good >= 15 && n - good >= 20);
	assert_int_equal(failed, 0);
}

static void assert_set(struct hv_config *c, const char *key, const char *value)
{
	char err[256] = "";

	if (hv_config_set(c, key, value, err, sizeof(err)))
		fail_msg("%s=%s: %s", key, value, err);
}

static void assert_set_error(const char *key, const char *value, const char *msg)
{
	struct hv_config c;
	char err[256] = "";

	hv_config_init(&c);
	assert_int_equal(hv_config_set(&c, key, value, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
	hv_config_free(&c);
}

static void test_defaults(void **state)
{
	struct hv_config c;

	(void)state;
	hv_config_init(&c);
	assert_string_equal(c.name, "domain");
	assert_null(c.kernel);
	assert_null(c.ramdisk);
	assert_null(c.cmdline);
	assert_int_equal(c.memory, 128);
	assert_int_equal(c.maxmem, 0);
	assert_int_equal(hv_config_maxmem(&c), 128);
	assert_int_equal(c.vcpus, 1);
	assert_int_equal(c.cpuid.n, 0);
	assert_int_equal(c.on_poweroff, HV_ACTION_DESTROY);
	assert_int_equal(c.on_reboot, HV_ACTION_RESTART);
	assert_int_equal(c.on_crash, HV_ACTION_DESTROY);
	assert_string_equal(hv_action_name(HV_ACTION_PRESERVE), "preserve");
	/* freeing the defaults frees nothing, twice */
	hv_config_free(&c);
	hv_config_free(&c);
	assert_string_equal(c.name, "domain");
}

static void test_set(void **state)
{
	struct hv_config c;

	(void)state;
	hv_config_init(&c);
	assert_set(&c, "name", "web");
	assert_set(&c, "name", "web2");
	assert_set(&c, "kernel", "vmlinuz");
	assert_set(&c, "ramdisk", "initrd.img");
	assert_set(&c, "memory", "512");
	assert_set(&c, "vcpus", "128");
	assert_set(&c, "cpuid", "host,cx16=0");
	assert_set(&c, "cpuid", "1:ecx=xxxxxxxxxxxxxxxxxx0xxxxxxxxxxxxx");
	assert_set(&c, "extra", "console=hvc0");
	assert_set(&c, "type", "pvh");
	assert_set(&c, "on_crash", "preserve");
	assert_set(&c, "disk", "disk.img,,xvda");
	assert_set(&c, "disk", "vdev=xvdb, access=ro, target=/b.img");
	assert_set(&c, "vif", "bridge=br0");
	assert_set(&c, "vif", " vifname=tap0 , mac=00:16:3E:0a:0b:0c");
	assert_string_equal(c.name, "web2");
	assert_string_equal(c.kernel, "vmlinuz"); /* options keep paths as given */
	assert_string_equal(c.ramdisk, "initrd.img");
	assert_int_equal(c.memory, 512);
	assert_int_equal(hv_config_maxmem(&c), 512); /* follows memory */
	assert_int_equal(c.vcpus, 128);
	assert_int_equal(c.cpuid.n, 2);
	assert_string_equal(c.cpuid.v[1], "1:ecx=xxxxxxxxxxxxxxxxxx0xxxxxxxxxxxxx");
	assert_string_equal(c.cmdline, "console=hvc0");
	assert_int_equal(c.on_crash, HV_ACTION_PRESERVE);
	assert_int_equal(c.disks.n, 2); /* options append disks; paths stay as given */
	assert_string_equal(c.disks.v[0], "format=raw, vdev=xvda, access=rw, target=disk.img");
	assert_string_equal(c.disks.v[1], "format=raw, vdev=xvdb, access=ro, target=/b.img");
	assert_int_equal(c.vifs.n, 2); /* options append vifs, in canonical form */
	assert_string_equal(c.vifs.v[0], "bridge=br0");
	assert_string_equal(c.vifs.v[1], "mac=00:16:3e:0a:0b:0c, vifname=tap0");

	assert_set(&c, "maxmem", "0x800");
	assert_set(&c, "memory", "1024");
	assert_int_equal(hv_config_maxmem(&c), 2048); /* given on its own: stays */
	assert_set(&c, "cmdline", "quiet");
	assert_string_equal(c.cmdline, "quiet");
	hv_config_free(&c);
	assert_null(c.kernel);
	assert_null(c.cpuid.v);
}

static void test_set_errors(void **state)
{
	(void)state;
	assert_set_error("colour", "blue", "unknown key \"colour\"");
	assert_set_error("memory", "0", "memory: 0 is out of range (1 to 1048576)");
	assert_set_error("memory", "1048577", "memory: 1048577 is out of range (1 to 1048576)");
	assert_set_error("memory", "", "memory: \"\" is not a number");
	assert_set_error("memory", "512M", "memory: \"512M\" is not a number");
	assert_set_error("memory", "-1", "memory: \"-1\" is not a number");
	assert_set_error("maxmem", "0777", "maxmem: \"0777\" has a leading zero (octal is not "
					   "supported)");
	assert_set_error("vcpus", "129", "vcpus: 129 is out of range (1 to 128)");
	assert_set_error("vcpus", "18446744073709551616", "vcpus: \"18446744073709551616\" is "
							  "too large");
	assert_set_error("name", "", "name: must not be empty");
	assert_set_error("kernel", "", "kernel: must not be empty");
	assert_set_error("type", "hvm", "type: \"hvm\" is not supported, only \"pvh\" is");
	assert_set_error("on_reboot", "soft-reset", "on_reboot: \"soft-reset\" is not supported "
						    "(destroy, restart or preserve)");
	assert_set_error("on_poweroff", "halt", "on_poweroff: unknown action \"halt\" (destroy, "
						"restart or preserve)");
	assert_set_error("disk", "/a.img,,xvda,w,x", "disk: \"x\" (column 16): more than four "
						   "positional parameters (target, format, vdev, access)");
	assert_set_error("vif", "bridge=br0,rate=10Mb/s", "vif: \"rate=10Mb/s\" (column 12): "
						       "rate limiting is not supported");
	assert_set_error("cpuid", "host,cx17=0", "cpuid: \"cx17=0\" (column 6): unknown CPUID "
						 "feature \"cx17\"");
}

/* A failed option leaves the configuration as it was, and valid. */
static void test_set_error_keeps(void **state)
{
	struct hv_config c;
	char err[256];

	(void)state;
	hv_config_init(&c);
	assert_set(&c, "cpuid", "host,cx16=0");
	assert_int_equal(hv_config_set(&c, "cpuid", "host,nope=0", err, sizeof(err)), -EINVAL);
	assert_int_equal(c.cpuid.n, 1);
	assert_int_equal(hv_config_set(&c, "memory", "0", err, sizeof(err)), -EINVAL);
	assert_int_equal(c.memory, 128);
	hv_config_free(&c);
}

static void assert_check(const struct hv_config *c, const char *msg)
{
	char err[256] = "";

	assert_int_equal(hv_config_check(c, err, sizeof(err)), msg ? -EINVAL : 0);
	assert_string_equal(err, msg ? msg : "");
}

static void test_check(void **state)
{
	struct hv_config c;

	(void)state;
	hv_config_init(&c);
	assert_check(&c, "no kernel given, and no disk to boot from");
	assert_set(&c, "disk", "vdev=xvda,target=/d.img");
	assert_check(&c, NULL);
	assert_set(&c, "bootloader", "grub");
	assert_check(&c, "bootloader \"grub\" needs grub_image");
	assert_set(&c, "grub_image", "/grub-pvh");
	assert_check(&c, NULL);
	assert_set(&c, "bootloader", "/usr/lib/xen/bin/pygrub");
	assert_string_equal(c.bootloader, "pygrub");
	assert_set(&c, "kernel", "/boot/vmlinuz");
	assert_check(&c, NULL);
	assert_set(&c, "maxmem", "64");
	assert_check(&c, "maxmem: 64 MiB is out of range (128 to 1048576)");
	c.maxmem = 128;
	c.vcpus = 0;
	assert_check(&c, "vcpus: 0 is out of range (1 to 128)");
	c.vcpus = 1;
	c.memory = 0;
	assert_check(&c, "memory: 0 MiB is out of range (1 to 1048576)");
	hv_config_free(&c);
}

/* The file wins over what was set before it; options set after win. */
static void test_parse_then_set(void **state)
{
	static const char text[] = "memory = 256\nkernel = '/k'\n";
	struct hv_config c;
	char err[256];

	(void)state;
	hv_config_init(&c);
	assert_set(&c, "kernel", "/old");
	assert_int_equal(hv_config_parse(&c, "t.cfg", text, strlen(text), err, sizeof(err)), 0);
	assert_string_equal(c.kernel, "/k");
	assert_int_equal(hv_config_maxmem(&c), 256);
	assert_set(&c, "memory", "512");
	assert_int_equal(hv_config_maxmem(&c), 512);
	hv_config_free(&c);
}

static void assert_parse_error(const char *text, size_t len, const char *msg)
{
	struct hv_config c;
	char err[256] = "";

	hv_config_init(&c);
	assert_int_equal(hv_config_parse(&c, "t.cfg", text, len, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
	hv_config_free(&c);
}

/* What a text file in the data directory cannot hold. */
static void test_binary_input(void **state)
{
	static const char nul[] = "name = 'a'\nkernel = 'b\0c'\n";
	size_t big = 1024 * 1024 + 1;
	char *text = malloc(big);
	struct hv_config c;
	char err[256] = "";

	(void)state;
	assert_parse_error(nul, sizeof(nul) - 1, "t.cfg:2:12: NUL byte in the file");
	assert_non_null(text);
	memset(text, '\n', big);
	assert_parse_error(text, big, "t.cfg:1:1: the file is too large (1048577 bytes, at "
				      "most 1048576)");
	/* exactly the limit is fine, and the length bounds the text */
	hv_config_init(&c);
	assert_int_equal(hv_config_parse(&c, "t.cfg", text, big - 1, err, sizeof(err)), 0);
	memcpy(text, "kernel='/k'", 11);
	assert_int_equal(hv_config_parse(&c, "t.cfg", text, 10, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.cfg:1:8: unterminated string (strings end on the line "
				 "they start)");
	hv_config_free(&c);
	free(text);
}

static void test_load(void **state)
{
	char path[PATH_MAX], expect[PATH_MAX], err[PATH_MAX + 64];
	struct hv_config c;

	(void)state;
	hv_config_init(&c);
	make_path(path, "%s/config/good-paths.cfg", data_dir());
	assert_int_equal(hv_config_load(&c, path, err, sizeof(err)), 0);
	make_path(expect, "%s/config/vmlinuz", data_dir());
	assert_string_equal(c.kernel, expect);
	make_path(expect, "%s/config/../initrd.img", data_dir());
	assert_string_equal(c.ramdisk, expect);
	make_path(expect, "format=raw, vdev=xvda, access=rw, target=%s/config/images/disk.img",
		  data_dir());
	assert_string_equal(c.disks.v[0], expect);
	assert_string_equal(c.disks.v[1], "format=raw, vdev=xvdb, access=rw, target=/abs.img");
	hv_config_free(&c);

	make_path(path, "%s/config/absent.cfg", data_dir());
	assert_int_equal(hv_config_load(&c, path, err, sizeof(err)), -ENOENT);
	make_path(expect, "%s: %s", path, strerror(ENOENT));
	assert_string_equal(err, expect);
	make_path(path, "%s/config", data_dir());
	assert_int_equal(hv_config_load(&c, path, err, sizeof(err)), -EISDIR);
	hv_config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_set_errors),
		cmocka_unit_test(test_set_error_keeps),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_parse_then_set),
		cmocka_unit_test(test_binary_input),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
