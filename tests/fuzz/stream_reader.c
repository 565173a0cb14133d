/*
 * libFuzzer target for the stream reader (save-restore/sr_restore*.c,
 * sr_hvm*.c, sr_vcpu_rec.c, sr_zlib.c): the input is a stream, possibly
 * gzip-compressed, restored into the sample memory domain (2 vCPUs, the
 * frames of sr_mem_sample_init).  Whatever the input, the reader must
 * return (0 or an error with a message) without touching memory it does
 * not own, and the domain's cleanup must run exactly once.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sr.h"
#include "sr_mem_domain.h"
#include "sr_zlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sr_zlib_source z;
	struct sr_mem_domain m;
	struct sr_mem_source raw;
	struct sr_ctx ctx;
	int err;

	if (sr_mem_sample_init(&m, 2, false, 0))
		abort();
	sr_mem_source_init(&raw, data, size);
	sr_ctx_init(&ctx, &sr_mem_domain_ops, &m);
	if (sr_zlib_source_init(&z, &raw.source) == 0) {
		err = sr_restore(&ctx, &z.source);
		sr_zlib_source_destroy(&z);
		if ((err == 0) != (sr_ctx_error(&ctx)[0] == 0) || m.cleanups != 1)
			abort();
	}
	sr_mem_domain_destroy(&m);
	return 0;
}
