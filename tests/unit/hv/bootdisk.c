/*
 * Tests for hv/bootdisk.c, the host-side loader, on disk images each test
 * builds in a temporary folder as an ordinary user: trees made into ext4
 * by mkfs.ext4 -d, swap by mkswap, partition tables by sfdisk on the file,
 * partitions copied in with dd.  Good layouts (msdos, gpt with a separate
 * /boot, no partition table) and bad ones (no grub.cfg, truncated, garbage
 * table, no ext file system, missing kernel, broken grub.cfg, another
 * disk), and the Linux guest's root disk from guests/linux when it is
 * built: the loader must find in it the kernel, initrd and command line
 * that the direct-boot configuration names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bootdisk.h"
#include "config.h"
#include "loader.h"

#define UUID1 "11111111-2222-4333-8444-555555555555"
#define UUID2 "66666666-7777-4888-9999-aaaaaaaaaaaa"
#define MIB (1024 * 1024)

static char dir[64];

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char *cmd = NULL, *full = NULL;
	va_list ap;

	va_start(ap, fmt);
	assert_true(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	assert_true(asprintf(&full, "PATH=$PATH:/usr/sbin:/sbin; set -e; cd %s; %s", dir, cmd) > 0);
	if (system(full) != 0)
		fail_msg("command failed: %s", cmd);
	free(full);
	free(cmd);
}

/* dir/name with len bytes of a pattern seeded by seed; returns the bytes. */
static uint8_t *put_file(const char *name, size_t len, unsigned seed)
{
	uint8_t *buf = malloc(len ? len : 1);
	char *path = NULL;
	FILE *f;

	assert_non_null(buf);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)((i * 2654435761u + seed) >> 7);
	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	sh("mkdir -p \"$(dirname %s)\"", name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(path);
	return buf;
}

static void put_text(const char *name, const char *text)
{
	char *path = NULL;
	FILE *f;

	free(put_file(name, 0, 0));
	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	free(path);
}

/* A disk of the images (files in dir), each from a 1 MiB boundary. */
static void make_disk(const char *disk, const char *label, const char *const *parts,
		      unsigned n)
{
	unsigned start = 1, mib[4];

	assert_true(n <= 4);
	sh("rm -f %s; echo 'label: %s' > %s.sfdisk", disk, label, disk);
	for (unsigned i = 0; i < n; i++) {
		struct stat st;
		char *path = NULL;

		assert_true(asprintf(&path, "%s/%s", dir, parts[i]) > 0);
		assert_int_equal(stat(path, &st), 0);
		free(path);
		mib[i] = (unsigned)((st.st_size + MIB - 1) / MIB);
		sh("echo 'start=%u, size=%u, type=L' >> %s.sfdisk", start * 2048, mib[i] * 2048, disk);
		start += mib[i];
	}
	sh("truncate -s %uM %s && sfdisk -q %s < %s.sfdisk", start + 1, disk, disk, disk);
	start = 1;
	for (unsigned i = 0; i < n; i++) {
		sh("dd if=%s of=%s bs=1M seek=%u conv=notrunc status=none", parts[i], disk, start);
		start += mib[i];
	}
}

static void mkfs(const char *img, const char *tree, const char *uuid)
{
	sh("truncate -s 8M %s && mkfs.ext4 -q -F -U %s -d %s %s", img, uuid, tree, img);
}

/* Loads dir/disk (vdev xvda); returns the error, with the message in err. */
static int load(const char *disk, struct hv_boot_files *f, char *err, size_t errlen)
{
	struct hv_bootdisk bd;
	char *path = NULL;
	int r;

	assert_true(asprintf(&path, "%s/%s", dir, disk) > 0);
	r = hv_bootdisk_open(&bd, path, "xvda", err, errlen);
	if (!r)
		r = hv_bootdisk_load(&bd, "extra=1", f, err, errlen);
	else
		memset(f, 0, sizeof(*f));
	hv_bootdisk_close(&bd);
	free(path);
	return r;
}

/* Expects the load of disk to fail with "IMAGE-PATH" + msg. */
static void expect_error(const char *disk, const char *msg)
{
	struct hv_boot_files f;
	char err[1024], *want = NULL;

	assert_int_not_equal(load(disk, &f, err, sizeof(err)), 0);
	assert_true(asprintf(&want, "%s/%s%s", dir, disk, msg) > 0);
	assert_string_equal(err, msg[0] == ':' ? want : msg);
	assert_null(f.kernel);
	hv_boot_files_free(&f);
	free(want);
}

static int setup(void **state)
{
	(void)state;
	if (system("(PATH=$PATH:/usr/sbin:/sbin; command -v mkfs.ext4 && command -v sfdisk && "
		   "command -v mkswap) >/dev/null 2>&1")) {
		if (getenv("CI") && !strcmp(getenv("CI"), "true"))
			fail_msg("mkfs.ext4, sfdisk or mkswap missing (tools/install-deps.sh)");
		skip();
	}
	strcpy(dir, "/tmp/tern-bootdisk.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (dir[0])
		sh("cd / && rm -rf %s", dir);
	dir[0] = '\0';
	return 0;
}

static const char two_entries[] =
	"set default=1\n"
	"menuentry zero { linux /nope }\n"
	"menuentry 'one' {\n"
	"\tsearch --no-floppy --fs-uuid --set=root " UUID2 "\n"
	"\tlinux /vmlinuz root=/dev/xvda2 ro\n"
	"\tinitrd /boot/initrd-a /boot/initrd-b\n"
	"}\n";

/* msdos: swap, then ext4 with grub.cfg; a symlinked kernel, two initrds. */
static void test_msdos(void **state)
{
	static const char *const parts[] = { "swap.img", "root.img" };
	uint8_t *kernel = put_file("t/boot/vmlinuz-1", 100000, 1);
	uint8_t *a = put_file("t/boot/initrd-a", 5, 2), *b = put_file("t/boot/initrd-b", 7, 3);
	struct hv_boot_files f;
	struct hv_bootdisk bd;
	char err[512], *path = NULL;

	(void)state;
	put_text("t/boot/grub/grub.cfg", two_entries);
	sh("ln -s boot/vmlinuz-1 t/vmlinuz && truncate -s 2M swap.img && mkswap -q swap.img");
	mkfs("root.img", "t", UUID2);
	make_disk("disk.img", "dos", parts, 2);

	assert_true(asprintf(&path, "%s/disk.img", dir) > 0);
	assert_int_equal(hv_bootdisk_open(&bd, path, "xvda", err, sizeof(err)), 0);
	assert_string_equal(bd.scheme, "msdos");
	assert_int_equal(bd.nparts, 2);
	assert_string_equal(bd.parts[0].fstype, "swap");
	assert_int_equal(bd.parts[1].number, 2);
	assert_int_equal(bd.parts[1].offset, 3 * MIB);
	assert_string_equal(bd.parts[1].fstype, "ext4");
	assert_string_equal(bd.parts[1].uuid, UUID2);
	hv_bootdisk_close(&bd);
	free(path);

	assert_int_equal(load("disk.img", &f, err, sizeof(err)), 0);
	assert_string_equal(f.config, "(xvda,msdos2)/boot/grub/grub.cfg");
	assert_string_equal(f.entry, "one");
	assert_string_equal(f.kernel_name, "(xvda,msdos2)/vmlinuz");
	assert_int_equal(f.kernel_len, 100000);
	assert_memory_equal(f.kernel, kernel, 100000);
	assert_string_equal(f.initrd_name, "(xvda,msdos2)/boot/initrd-a (xvda,msdos2)/boot/initrd-b");
	assert_int_equal(f.initrd_len, 8 + 7);
	assert_memory_equal(f.initrd, a, 5);
	assert_memory_equal(f.initrd + 5, "\0\0\0", 3);
	assert_memory_equal(f.initrd + 8, b, 7);
	assert_string_equal(f.cmdline, "root=/dev/xvda2 ro extra=1");
	assert_string_equal(f.note, "");
	hv_boot_files_free(&f);
	free(kernel);
	free(a);
	free(b);
}

/* A file system on the whole disk; the kernel named with "(hd0)". */
static void test_unpartitioned(void **state)
{
	uint8_t *kernel = put_file("t/k", 4096, 4);
	struct hv_boot_files f;
	char err[512];

	(void)state;
	put_text("t/boot/grub/grub.cfg", "menuentry only { linux (hd0)/k quiet; }\n");
	mkfs("disk.img", "t", UUID1);
	assert_int_equal(load("disk.img", &f, err, sizeof(err)), 0);
	assert_string_equal(f.config, "(xvda)/boot/grub/grub.cfg");
	assert_string_equal(f.kernel_name, "(xvda)/k");
	assert_memory_equal(f.kernel, kernel, 4096);
	assert_null(f.initrd);
	assert_null(f.initrd_name);
	assert_string_equal(f.cmdline, "quiet extra=1");
	hv_boot_files_free(&f);
	free(kernel);
}

/* gpt: a separate /boot (grub.cfg in /grub), then the root file system. */
static void test_boot_partition(void **state)
{
	static const char *const parts[] = { "boot.img", "root.img" };
	uint8_t *kernel = put_file("b/vmlinuz-x", 3000, 5), *initrd = put_file("b/initrd-x", 10, 6);
	struct hv_boot_files f;
	char err[512];

	(void)state;
	put_text("b/grub/grub.cfg", "menuentry B {\n"
				    "\tsearch --no-floppy --fs-uuid --set=root " UUID1 "\n"
				    "\tlinux /vmlinuz-x root=/dev/xvda2\n"
				    "\tinitrd ($root)/initrd-x\n}\n");
	put_text("r/etc/hostname", "guest\n");
	mkfs("boot.img", "b", UUID1);
	mkfs("root.img", "r", UUID2);
	make_disk("disk.img", "gpt", parts, 2);
	assert_int_equal(load("disk.img", &f, err, sizeof(err)), 0);
	assert_string_equal(f.config, "(xvda,gpt1)/grub/grub.cfg");
	assert_string_equal(f.kernel_name, "(xvda,gpt1)/vmlinuz-x");
	assert_memory_equal(f.kernel, kernel, 3000);
	assert_string_equal(f.initrd_name, "(xvda,gpt1)/initrd-x");
	assert_memory_equal(f.initrd, initrd, 10);
	assert_string_equal(f.cmdline, "root=/dev/xvda2 extra=1");
	hv_boot_files_free(&f);
	free(kernel);
	free(initrd);
}

static void test_no_grubcfg(void **state)
{
	static const char *const parts[] = { "swap.img", "root.img" };

	(void)state;
	put_text("t/etc/hostname", "guest\n");
	sh("truncate -s 1M swap.img && mkswap -q swap.img");
	mkfs("root.img", "t", UUID2);
	make_disk("disk.img", "dos", parts, 2);
	expect_error("disk.img", ": no grub.cfg found: (xvda,msdos1): swap, not an ext2/3/4 file "
				 "system; (xvda,msdos2): no /boot/grub/grub.cfg or /grub/grub.cfg");
}

/* The partition table promises 8 MiB; the image holds its first 64 KiB. */
static void test_truncated(void **state)
{
	static const char *const parts[] = { "root.img" };
	struct hv_boot_files f;
	char err[512];

	(void)state;
	put_text("t/boot/grub/grub.cfg", "menuentry a { linux /k }\n");
	mkfs("root.img", "t", UUID1);
	make_disk("disk.img", "dos", parts, 1);
	sh("truncate -s %u disk.img", MIB + 65536);
	assert_int_equal(load("disk.img", &f, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, ": no grub.cfg found: (xvda,msdos1)/boot/grub/grub.cfg: "
				"Attempt to read block from filesystem resulted in short read"));
	hv_boot_files_free(&f);
	sh("truncate -s 512K disk.img");
	expect_error("disk.img", ": msdos partition table with no partition inside the image");
	sh("truncate -s 100 disk.img");
	expect_error("disk.img", ": empty or truncated image (100 bytes)");
}

/* A boot sector of 0xff bytes with the 55 aa signature: no valid table. */
static void test_garbage_table(void **state)
{
	(void)state;
	sh("head -c 1048576 /dev/zero | tr '\\000' '\\377' > disk.img");
	sh("printf '\\125\\252' | dd of=disk.img bs=1 seek=510 conv=notrunc status=none");
	expect_error("disk.img", ": no grub.cfg found: (xvda): no file system found");
	expect_error("nothing.img", ": No such file or directory");
}

static void test_not_ext(void **state)
{
	(void)state;
	sh("truncate -s 1M disk.img && mkswap -q disk.img");
	expect_error("disk.img", ": no grub.cfg found: (xvda): swap, not an ext2/3/4 file system");
}

/* Each grub.cfg is the only one on a whole-disk ext4. */
static void expect_cfg_error(const char *cfg, const char *msg)
{
	put_text("t/boot/grub/grub.cfg", cfg);
	sh("rm -f disk.img");
	mkfs("disk.img", "t", UUID1);
	expect_error("disk.img", msg);
}

static void test_bad_entries(void **state)
{
	(void)state;
	free(put_file("t/k", 10, 7));
	expect_cfg_error("menuentry a { linux /boot/nope }\n",
			 "(xvda)/boot/nope: No such file or directory");
	expect_cfg_error("menuentry a { linux /boot }\n", "(xvda)/boot: Is a directory");
	expect_cfg_error("menuentry a { linux (hd1,msdos1)/k }\n",
			 "(hd1,msdos1): not the boot disk (hd0, xvda)");
	expect_cfg_error("menuentry a { linux (hd0,msdos1)/k }\n",
			 "(hd0,msdos1): no such partition on xvda");
	expect_cfg_error("menuentry a { linux (hd0/k }\n", "\"(hd0/k\": no ')' after the device");
	expect_cfg_error("menuentry a { linux k }\n", "\"k\": not an absolute path");
	expect_cfg_error("menuentry a { linux /k; initrd /none }\n",
			 "(xvda)/none: No such file or directory");
	expect_cfg_error("for x in a; do\n", "(xvda)/boot/grub/grub.cfg:1: 'for' loops are not "
					     "supported");
}

/* The disk a configuration boots from: boot_disk, else the first. */
static void test_config(void **state)
{
	uint8_t *kernel = put_file("t/k", 20, 8);
	struct hv_boot_files f;
	struct hv_config c;
	char err[512], *spec = NULL;

	(void)state;
	put_text("t/boot/grub/grub.cfg", "menuentry c { linux /k a=b }\n");
	mkfs("second.img", "t", UUID1);
	sh("truncate -s 1M first.img");
	hv_config_init(&c);
	assert_true(asprintf(&spec, "vdev=xvda,target=%s/first.img", dir) > 0);
	assert_int_equal(hv_config_set(&c, "disk", spec, err, sizeof(err)), 0);
	free(spec);
	assert_true(asprintf(&spec, "vdev=xvdb,target=%s/second.img", dir) > 0);
	assert_int_equal(hv_config_set(&c, "disk", spec, err, sizeof(err)), 0);
	free(spec);
	assert_int_equal(hv_config_set(&c, "extra", "console=hvc0", err, sizeof(err)), 0);
	assert_int_equal(hv_bootdisk_load_config(&c, &f, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "first.img: no grub.cfg found: (xvda): no file system found"));
	hv_boot_files_free(&f);
	assert_int_equal(hv_config_set(&c, "boot_disk", "xvdb", err, sizeof(err)), 0);
	assert_int_equal(hv_bootdisk_load_config(&c, &f, err, sizeof(err)), 0);
	assert_string_equal(f.kernel_name, "(xvdb)/k");
	assert_memory_equal(f.kernel, kernel, 20);
	assert_string_equal(f.cmdline, "a=b console=hvc0");
	hv_boot_files_free(&f);
	assert_int_equal(hv_config_set(&c, "boot_disk", "xvdc", err, sizeof(err)), 0);
	assert_int_equal(hv_bootdisk_load_config(&c, &f, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "boot_disk: no disk has vdev xvdc");
	hv_config_free(&c);
	free(kernel);
}

/* Reads a build file; skips the test when it is not built. */
static uint8_t *build_file(const char *name, size_t *len)
{
	const char *build = getenv("TERN_BUILD");
	char *path = NULL;
	uint8_t *buf;

	assert_true(asprintf(&path, "%s/guests/linux/%s", build ? build : ".", name) > 0);
	if (access(path, R_OK)) {
		free(path);
		skip();
	}
	assert_int_equal(hv_read_file(path, 1ULL << 30, &buf, len), 0);
	free(path);
	return buf;
}

/* guests/linux's root disk: what linux.cfg boots directly, found by grub.cfg. */
static void test_rootdisk(void **state)
{
	const char *build = getenv("TERN_BUILD");
	size_t klen, ilen;
	uint8_t *kernel = build_file("vmlinuz", &klen), *initrd = build_file("initrd.cpio", &ilen);
	struct hv_config direct, disk;
	struct hv_boot_files f;
	char err[512], *path = NULL;

	(void)state;
	hv_config_init(&direct);
	hv_config_init(&disk);
	assert_true(asprintf(&path, "%s/guests/linux/linux.cfg", build) > 0);
	assert_int_equal(hv_config_load(&direct, path, err, sizeof(err)), 0);
	free(path);
	assert_true(asprintf(&path, "%s/guests/linux/linux-disk.cfg", build) > 0);
	assert_int_equal(hv_config_load(&disk, path, err, sizeof(err)), 0);
	free(path);
	if (hv_bootdisk_load_config(&disk, &f, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(f.config, "(xvda,msdos1)/boot/grub/grub.cfg");
	assert_int_equal(f.kernel_len, klen);
	assert_memory_equal(f.kernel, kernel, klen);
	assert_int_equal(f.initrd_len, ilen);
	assert_memory_equal(f.initrd, initrd, ilen);
	assert_string_equal(f.cmdline, direct.cmdline);
	print_message("%s, entry '%s': kernel %s, initrd %s, cmdline %s\n", f.config, f.entry,
		      f.kernel_name, f.initrd_name, f.cmdline);
	hv_boot_files_free(&f);
	hv_config_free(&direct);
	hv_config_free(&disk);
	free(kernel);
	free(initrd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_msdos, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpartitioned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_partition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_grubcfg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ext, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
		cmocka_unit_test(test_rootdisk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
