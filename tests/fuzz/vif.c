/*
 * libFuzzer target for hv/vif.c: the input, NUL-terminated, is one xl vif
 * spec.  A spec that parses must print in canonical form and parse back to
 * the same vif; one that does not must leave a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_vif vif, again;
	char *spec = malloc(size + 1), canonical[128], err[256] = "";

	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	if (hv_vif_parse(&vif, spec, err, sizeof(err))) {
		if (!err[0])
			__builtin_trap();
	} else if (hv_vif_format(&vif, canonical, sizeof(canonical)) ||
		   hv_vif_parse(&again, canonical, err, sizeof(err)) ||
		   memcmp(vif.mac, again.mac, 6) || vif.mac_given != again.mac_given ||
		   strcmp(vif.bridge, again.bridge) || strcmp(vif.vifname, again.vifname) ||
		   vif.mtu != again.mtu || vif.devid != again.devid) {
		__builtin_trap();
	}
	free(spec);
	return 0;
}
