/*
 * libFuzzer target for the CLI protocol's readers (migrated/cli_msg.c), as
 * ternd and tern meet them: a byte stream cut into messages by
 * mig_cli_frame, each message given to every typed reader.  Whatever a
 * reader accepts must come out of the matching writer byte for byte as it
 * came in: readers accept nothing that writers cannot make, and decode
 * nothing wrongly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct mig_cli_msg *m, const uint8_t *buf, size_t len, int written)
{
	if (written || m->len != len || memcmp(m->buf, buf, len))
		abort();
}

static void check_strings(const struct mig_cli_frame *f, const uint8_t *buf, size_t len)
{
	char path[MIG_CLI_PATH_MAX + 1], ref[MIG_CLI_NAME_MAX + 1];
	struct mig_cli_msg m;
	uint32_t flags;

	if (!mig_cli_read_path(f, f->type, path, &flags))
		same(&m, buf, len, mig_cli_write_path(&m, f->type, path, flags));
	if (!mig_cli_read_ref(f, f->type, ref, &flags))
		same(&m, buf, len, mig_cli_write_ref(&m, f->type, ref, flags));
}

static void check(const struct mig_cli_frame *f, const uint8_t *buf, size_t len)
{
	struct mig_cli_domain d;
	struct mig_cli_error e;
	struct mig_cli_save s;
	struct mig_cli_stats st;
	struct mig_cli_msg m;

	check_strings(f, buf, len);
	if (!mig_cli_read_save(f, &s))
		same(&m, buf, len, mig_cli_write_save(&m, &s));
	if (!mig_cli_read_stats(f, &st))
		same(&m, buf, len, mig_cli_write_stats(&m, &st));
	if (!mig_cli_read_empty(f, f->type))
		same(&m, buf, len, mig_cli_write_empty(&m, f->type));
	if (!mig_cli_read_domain(f, &d))
		same(&m, buf, len, mig_cli_write_domain(&m, &d));
	if (!mig_cli_read_error(f, &e))
		same(&m, buf, len, mig_cli_write_error(&m, &e));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mig_cli_frame f;
	int n;

	while ((n = mig_cli_frame(data, size, &f)) > 0) {
		if ((size_t)n > size || f.payload != data + MIG_CLI_HDR_SIZE ||
		    f.len != (size_t)n - MIG_CLI_HDR_SIZE)
			abort();
		check(&f, data, (size_t)n);
		data += n;
		size -= (size_t)n;
	}
	return 0;
}
