/*
 * libFuzzer target for hv/grubcfg.c and grubcfg_parse.c: whatever the
 * bytes, hv_grubcfg_choose either chooses an entry that names a kernel or
 * reports an error naming the file, and everything it allocated is freed.
 * The search callback answers every search, so that path runs too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grubcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int search(void *opaque, const char *kind, const char *key, char *dev, size_t devlen)
{
	(void)opaque;
	snprintf(dev, devlen, "hd0,%s%zu", kind, strlen(key));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct hv_grubcfg_opts opts = {
		.root = "hd0,msdos1", .prefix = "(hd0,msdos1)/boot/grub", .search = search,
	};
	struct hv_grub_boot b;
	char err[256];

	if (hv_grubcfg_choose("fuzz.cfg", (const char *)data, size, &opts, &b, err, sizeof(err))) {
		if (strncmp(err, "fuzz.cfg", 8))
			abort();
	} else if (!b.kernel || !b.title || !b.args) {
		abort();
	}
	hv_grub_boot_free(&b);
	return 0;
}
