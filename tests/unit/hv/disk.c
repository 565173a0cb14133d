/*
 * Unit tests for hv/disk.c: xl disk specs in every spelling, the vdev
 * numbering of xen-vbd-interface(7), what is refused and how the messages
 * point at it, and the canonical form reading back to the same disk.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "disk.h"

struct good {
	const char *spec, *target, *vdev;
	uint32_t devid;
	bool readonly;
};

static const struct good goods[] = {
	{ "format=raw, vdev=xvda, access=rw, target=/d.img", "/d.img", "xvda", 51712, false },
	{ "/d.img,raw,xvda,rw", "/d.img", "xvda", 51712, false },
	{ "/d.img,,xvdb", "/d.img", "xvdb", 51728, false },
	{ "/d.img,,xvdb2,r", "/d.img", "xvdb2", 51730, true },
	{ "/d.img,,xvdp15,ro", "/d.img", "xvdp15", (202 << 8) | (15 << 4) | 15, true },
	{ "/d.img,,xvdq,w", "/d.img", "xvdq", (1u << 28) | (16 << 8), false },
	{ "/d.img,,xvda16", "/d.img", "xvda16", (1u << 28) | 16, false },
	{ "/d.img,,xvdtq37", "/d.img", "xvdtq37", (1u << 28) | (536 << 8) | 37, false },
	{ "/d.img,,d536p37", "/d.img", "d536p37", (1u << 28) | (536 << 8) | 37, false },
	{ "/d.img,,d1p2", "/d.img", "d1p2", 51730, false },
	{ "/d.img,,d0", "/d.img", "d0", 51712, false },
	{ "/d.img,,d1048575p255", "/d.img", "d1048575p255", (1u << 28) | (1048575u << 8) | 255,
	  false },
	{ "/d.img,,hda", "/d.img", "hda", 768, false },
	{ "/d.img,,hdb63", "/d.img", "hdb63", 768 + 64 + 63, false },
	{ "/d.img,,hdc2", "/d.img", "hdc2", (22 << 8) | 2, false },
	{ "/d.img,,hdd", "/d.img", "hdd", (22 << 8) | 64, false },
	{ "/d.img,,sdb3", "/d.img", "sdb3", (8 << 8) | (1 << 4) | 3, false },
	{ "/d.img,,sdp15", "/d.img", "sdp15", (8 << 8) | (15 << 4) | 15, false },
	{ "/d.img,,51712", "/d.img", "51712", 51712, false },
	{ "/d.img,,0xca10", "/d.img", "0xca10", 51728, false },
	{ "/d.img,,012", "/d.img", "012", 10, false },
	/* the rest of the spec, commas and trailing blanks included */
	{ "vdev=xvda, target=/a, b ,c ", "/a, b ,c ", "xvda", 51712, false },
	/* an empty positional target, given again by name */
	{ ",raw,xvda,, target=d.img", "d.img", "xvda", 51712, false },
	{ "  /d.img ,\traw\t, xvda ,  r  ", "/d.img", "xvda", 51712, true },
	{ "access=ro, vdev=xvda, /d.img", "/d.img", "xvda", 51712, true },
	{ "format=raw, /d.img, xvdc", "/d.img", "xvdc", 51744, false },
	{ "/d.img,,xvda,", "/d.img", "xvda", 51712, false },
	{ "devtype=disk, backendtype=phy, specification=xen, /d.img,,xvda", "/d.img", "xvda",
	  51712, false },
	{ "backendtype=qdisk, /d.img,,xvda", "/d.img", "xvda", 51712, false },
	{ "backendtype=tap, discard, no-discard, trusted, untrusted, direct-io-safe, /d.img,,xvda",
	  "/d.img", "xvda", 51712, false },
	{ "format=, access=, /d.img,xvda", "/d.img", "xvda", 51712, false },
	{ "relative/d.img,,xvda", "relative/d.img", "xvda", 51712, false },
	{ "vdev=xvda, target=raw:x", "raw:x", "xvda", 51712, false }, /* by name: just a path */
};

static void good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		const struct good *g = &goods[i];
		struct hv_disk disk, again;
		char err[256] = "", *spec = NULL;

		if (hv_disk_parse(&disk, g->spec, err, sizeof(err)))
			fail_msg("%s: %s", g->spec, err);
		assert_string_equal(disk.target, g->target);
		assert_string_equal(disk.vdev, g->vdev);
		assert_int_equal(disk.devid, g->devid);
		assert_int_equal(disk.readonly, g->readonly);
		/* the canonical form reads back to the same disk */
		spec = hv_disk_format(&disk);
		assert_non_null(spec);
		assert_int_equal(hv_disk_parse(&again, spec, err, sizeof(err)), 0);
		assert_string_equal(again.target, disk.target);
		assert_string_equal(again.vdev, disk.vdev);
		assert_int_equal(again.devid, disk.devid);
		assert_int_equal(again.readonly, disk.readonly);
		free(spec);
		hv_disk_free(&again);
		hv_disk_free(&disk);
		hv_disk_free(&disk); /* freeing twice is harmless */
	}
}

struct bad {
	const char *spec, *msg;
};

#define VDEV_MSG "not a virtual device name (xvdX, hdX, sdX, dNpM or a number)"

static const struct bad bads[] = {
	{ "", "no target (the image's path) given" },
	{ "  ", "no target (the image's path) given" },
	{ "vdev=xvda", "no target (the image's path) given" },
	{ ",,xvda", "no target (the image's path) given" },
	{ "target=", "no target (the image's path) given" },
	{ "/d.img", "no vdev (the guest's device name) given" },
	{ "/d.img,raw", "no vdev (the guest's device name) given" },
	{ "/d.img,raw,,rw", "no vdev (the guest's device name) given" },
	{ "target=/d.img, vdev=xvda", "no vdev (the guest's device name) given" },
	{ "/d.img,,xvdA", "\"xvdA\" (column 9): " VDEV_MSG },
	{ "/d.img,,xvd", "\"xvd\" (column 9): " VDEV_MSG },
	{ "/d.img,,xvda0", "\"xvda0\" (column 9): " VDEV_MSG },
	{ "/d.img,,xvda01", "\"xvda01\" (column 9): " VDEV_MSG },
	{ "/d.img,,xvda256", "\"xvda256\" (column 9): " VDEV_MSG },
	{ "/d.img,,xvda1x", "\"xvda1x\" (column 9): " VDEV_MSG },
	{ "/d.img,,xvda-1", "\"xvda-1\" (column 9): " VDEV_MSG },
	{ "/d.img,,xvdaaaaaa", "\"xvdaaaaaa\" (column 9): " VDEV_MSG }, /* disk 2^20 and more */
	{ "/d.img,,hde", "\"hde\" (column 9): " VDEV_MSG },
	{ "/d.img,,hda64", "\"hda64\" (column 9): " VDEV_MSG },
	{ "/d.img,,sdq", "\"sdq\" (column 9): " VDEV_MSG },
	{ "/d.img,,sda16", "\"sda16\" (column 9): " VDEV_MSG },
	{ "/d.img,,d1048576", "\"d1048576\" (column 9): " VDEV_MSG },
	{ "/d.img,,d01", "\"d01\" (column 9): " VDEV_MSG },
	{ "/d.img,,d1p01", "\"d1p01\" (column 9): " VDEV_MSG },
	{ "/d.img,,d1p256", "\"d1p256\" (column 9): " VDEV_MSG },
	{ "/d.img,,d1p", "\"d1p\" (column 9): " VDEV_MSG },
	{ "/d.img,,2147483648", "\"2147483648\" (column 9): " VDEV_MSG },
	{ "/d.img,,08", "\"08\" (column 9): " VDEV_MSG },
	{ "/d.img,,vda", "\"vda\" (column 9): " VDEV_MSG },
	{ "/d.img,,xvdaaaaaaaaaaaaa", "\"xvdaaaaaaaaaaaaa\" (column 9): not a virtual device name "
				      "(too long)" },
	{ "/d.img,qcow2,xvda", "\"qcow2\" (column 8): only raw images are supported" },
	{ "format=vhd,/d.img,,xvda", "\"format=vhd\" (column 1): only raw images are supported" },
	{ "/d.img,Raw,xvda", "\"Raw\" (column 8): unknown format (raw)" },
	{ "/d.img,,xvda,rwx", "\"rwx\" (column 14): unknown access (r, ro, w or rw)" },
	{ "/d.img,,xvda,cdrom", "\"cdrom\" (column 14): CD-ROM devices are not supported" },
	{ "devtype=cdrom,/d.img,,xvda", "\"devtype=cdrom\" (column 1): CD-ROM devices are not "
					"supported" },
	{ "devtype=floppy,/d.img,,xvda", "\"devtype=floppy\" (column 1): unknown device type "
					 "(disk)" },
	{ "backendtype=standalone,/d.img,,xvda", "\"backendtype=standalone\" (column 1): only "
						 "Xen PV block devices are supported" },
	{ "backendtype=nbd,/d.img,,xvda", "\"backendtype=nbd\" (column 1): unknown backend type "
					  "(phy, qdisk or tap)" },
	{ "specification=virtio,/d.img,,xvda", "\"specification=virtio\" (column 1): only Xen PV "
					       "block devices are supported" },
	{ "specification=,/d.img,,xvda,w,x", "\"x\" (column 31): more than four positional "
					     "parameters (target, format, vdev, access)" },
	{ "script=block-iscsi,/d.img,,xvda", "\"script=block-iscsi\" (column 1): block scripts "
					     "are not supported" },
	{ "backend=driver,/d.img,,xvda", "\"backend=driver\" (column 1): driver domains are not "
					 "supported: tern-hv is the backend" },
	{ "colo, /d.img,,xvda", "\"colo\" (column 1): COLO replication is not supported" },
	{ "colo-port=9000, /d.img,,xvda", "\"colo-port=9000\" (column 1): COLO replication is "
					  "not supported" },
	{ "size=1G, /d.img,,xvda", "\"size=1G\" (column 1): unknown parameter" },
	{ "vdev=xvda, /d.img, vdev=xvda", "\"vdev=xvda\" (column 20): given twice" },
	{ "/d.img,raw,xvda, format=raw", "\"format=raw\" (column 18): given twice" },
	{ "/a.img, target=/b.img, vdev=xvda", "\"target=/b.img, vdev=xvda\" (column 9): given "
					      "twice" },
	{ "phy:/dev/sdb,xvda,w", "\"phy:/dev/sdb\" (column 1): xend's \"prefix:\" syntax is not "
				 "supported (write target=PATH)" },
	{ "tap:aio:/d.img,xvda,w", "\"tap:aio:/d.img\" (column 1): xend's \"prefix:\" syntax is "
				   "not supported (write target=PATH)" },
};

static void bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct hv_disk disk;
		char err[256] = "";

		if (hv_disk_parse(&disk, bads[i].spec, err, sizeof(err)) != -EINVAL)
			fail_msg("\"%s\" parsed", bads[i].spec);
		if (strcmp(err, bads[i].msg))
			fail_msg("\"%s\": \"%s\", expected \"%s\"", bads[i].spec, err, bads[i].msg);
		assert_null(disk.target); /* owns nothing */
	}
}

/* A long parameter is cut in messages; a short buffer cuts the message. */
static void long_inputs(void **state)
{
	char spec[300], err[256], expect[256], small[8];
	struct hv_disk disk;

	(void)state;
	memset(spec, 'x', sizeof(spec));
	memcpy(spec, "/d.img,,", 8);
	spec[sizeof(spec) - 1] = '\0';
	assert_int_equal(hv_disk_parse(&disk, spec, err, sizeof(err)), -EINVAL);
	snprintf(expect, sizeof(expect), "\"%.60s\" (column 9): not a virtual device name "
		 "(too long)", spec + 8);
	assert_string_equal(err, expect);
	assert_int_equal(hv_disk_parse(&disk, "/d.img", small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "no vdev");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good),
		cmocka_unit_test(bad),
		cmocka_unit_test(long_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
