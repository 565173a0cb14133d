/*
 * libFuzzer target for the save-file header reader (migrated/savefile.c):
 * any bytes as the start of a file, offered in two reads as ternd does.  A
 * header it accepts is written again from what it read and must come out
 * byte for byte.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "savefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mig_savefile f;
	size_t need = 0, len;
	uint8_t *again;
	int r = mig_savefile_parse(data, size < MIG_SAVE_HDR_SIZE ? size : MIG_SAVE_HDR_SIZE, &f,
				   &need);

	if (r == -EAGAIN && need <= size)
		r = mig_savefile_parse(data, need, &f, &need);
	if (r)
		return 0;
	if (f.stream_offset > size || f.stream_offset % 8 ||
	    mig_savefile_header(f.config, f.config_len, f.domid, &again, &len))
		abort();
	if (len != f.stream_offset || memcmp(again, data, len))
		abort();
	free(again);
	return 0;
}
