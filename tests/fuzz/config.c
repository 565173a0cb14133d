/*
 * libFuzzer target for hv/config.c: whatever the bytes, hv_config_parse
 * either fills the configuration or reports an error, and everything it
 * allocated is freed.  Input with a NUL byte also goes to hv_config_set,
 * as KEY NUL VALUE.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_set(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	char *key, err[256];
	struct hv_config c;

	if (!nul)
		return;
	key = malloc(size + 1);
	if (!key)
		return;
	memcpy(key, data, size);
	key[size] = '\0';
	hv_config_init(&c);
	hv_config_set(&c, key, key + (nul - data) + 1, err, sizeof(err));
	hv_config_check(&c, err, sizeof(err));
	hv_config_free(&c);
	free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_config c;
	char err[256];

	hv_config_init(&c);
	hv_config_parse(&c, "fuzz.cfg", (const char *)data, size, err, sizeof(err));
	hv_config_check(&c, err, sizeof(err));
	hv_config_free(&c);
	fuzz_set(data, size);
	return 0;
}
