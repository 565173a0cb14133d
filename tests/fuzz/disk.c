/*
 * libFuzzer target for hv/disk.c: the input, NUL-terminated, is one xl
 * disk spec.  A spec that parses must print in canonical form and parse
 * back to the same disk; one that does not must leave a message and own
 * nothing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "disk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_disk disk, again;
	char *spec = malloc(size + 1), *canonical, err[256] = "";

	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	if (hv_disk_parse(&disk, spec, err, sizeof(err))) {
		if (!err[0] || disk.target)
			__builtin_trap();
		free(spec);
		return 0;
	}
	canonical = hv_disk_format(&disk);
	if (canonical) {
		if (hv_disk_parse(&again, canonical, err, sizeof(err)) ||
		    strcmp(again.target, disk.target) || strcmp(again.vdev, disk.vdev) ||
		    again.devid != disk.devid || again.readonly != disk.readonly)
			__builtin_trap();
		hv_disk_free(&again);
	}
	free(canonical);
	hv_disk_free(&disk);
	free(spec);
	return 0;
}
