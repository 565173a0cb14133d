/*
 * Unit tests for migrated/savefile.c, the header of a save file: what it
 * writes it reads back, in pieces as a file is read; anything else at the
 * start of a file (another format, another version, a cut or malformed
 * header) is refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "savefile.h"

static const char config[] = "name = \"web\"\nkernel = \"/boot/mini\"\n";

static void round_trip(void **state)
{
	struct mig_savefile f;
	uint8_t *buf;
	size_t len, need = 0;

	(void)state;
	assert_int_equal(mig_savefile_header(config, strlen(config), 7, &buf, &len), 0);
	assert_int_equal(len % 8, 0);
	assert_true(len >= MIG_SAVE_HDR_SIZE + strlen(config));
	assert_int_equal(mig_savefile_parse(buf, 3, &f, &need), -EAGAIN);
	assert_int_equal(need, MIG_SAVE_HDR_SIZE);
	assert_int_equal(mig_savefile_parse(buf, MIG_SAVE_HDR_SIZE, &f, &need), -EAGAIN);
	assert_int_equal(need, len);
	assert_int_equal(mig_savefile_parse(buf, len, &f, &need), 0);
	assert_int_equal(f.config_len, strlen(config));
	assert_memory_equal(f.config, config, f.config_len);
	assert_int_equal(f.stream_offset, len);
	assert_int_equal(f.domid, 7);
	free(buf);
}

static void refused_to_write(void **state)
{
	char *big = malloc(MIG_SAVE_CONFIG_MAX + 1);
	uint8_t *buf = NULL;
	size_t len;

	(void)state;
	memset(big, 'x', MIG_SAVE_CONFIG_MAX + 1);
	assert_int_equal(mig_savefile_header(big, MIG_SAVE_CONFIG_MAX + 1, 7, &buf, &len), -EINVAL);
	assert_int_equal(mig_savefile_header(big, MIG_SAVE_CONFIG_MAX, 7, &buf, &len), 0);
	free(buf);
	assert_int_equal(mig_savefile_header("", 0, 7, &buf, &len), -EINVAL);
	assert_int_equal(mig_savefile_header("a\0b", 3, 7, &buf, &len), -EINVAL);
	free(big);
}

/* A good header with byte at offset set to value, parsed whole. */
static int parse_patched(size_t offset, uint8_t value)
{
	struct mig_savefile f = { .config_len = 99 };
	uint8_t *buf;
	size_t len, need = 0;
	int r;

	assert_int_equal(mig_savefile_header(config, strlen(config), 7, &buf, &len), 0);
	buf[offset] = value;
	r = mig_savefile_parse(buf, len, &f, &need);
	if (r)
		assert_int_equal(f.config_len, 99);
	free(buf);
	return r;
}

static void refused_to_read(void **state)
{
	size_t end = MIG_SAVE_HDR_SIZE + strlen(config);
	static const uint8_t stream[] = "LibxlFmt\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
	struct mig_savefile f;
	size_t need;

	(void)state;
	assert_int_equal(parse_patched(0, 'X'), -EINVAL);         /* magic */
	assert_int_equal(parse_patched(8, 1), -EINVAL);           /* version */
	assert_int_equal(parse_patched(11, 1), -EINVAL);
	assert_int_equal(parse_patched(15, 1), -EINVAL);          /* config length */
	assert_int_equal(parse_patched(16, 0), -EINVAL);          /* domain id 0 */
	assert_int_equal(parse_patched(18, 1), -EINVAL);          /* a reserved domain id */
	assert_int_equal(parse_patched(20, 1), -EINVAL);          /* reserved */
	assert_int_equal(parse_patched(23, 1), -EINVAL);
	assert_int_equal(parse_patched(30, 0), -EINVAL);          /* a NUL in the text */
	assert_int_equal(parse_patched(end, 1), -EINVAL);         /* padding */
	/* A bare stream is not a save file. */
	assert_int_equal(mig_savefile_parse(stream, sizeof(stream), &f, &need), -EINVAL);
}

static void lengths(void **state)
{
	uint8_t buf[MIG_SAVE_HDR_SIZE + 8] = "TernSave\x02\0\0\0\0\0\0\0\x07";
	struct mig_savefile f;
	size_t need = 0;

	(void)state;
	/* config_len 0, then one past the limit, then the limit. */
	assert_int_equal(mig_savefile_parse(buf, sizeof(buf), &f, &need), -EINVAL);
	buf[12] = 0x01;
	buf[14] = 0x01; /* 65537 */
	assert_int_equal(mig_savefile_parse(buf, sizeof(buf), &f, &need), -EINVAL);
	buf[12] = 0;    /* 65536: asks for the whole */
	assert_int_equal(mig_savefile_parse(buf, sizeof(buf), &f, &need), -EAGAIN);
	assert_int_equal(need, MIG_SAVE_HDR_SIZE + MIG_SAVE_CONFIG_MAX);
	buf[14] = 0;
	buf[12] = 5;    /* 5 bytes of text, 3 of padding */
	memcpy(buf + MIG_SAVE_HDR_SIZE, "abcde\0\0\0", 8);
	assert_int_equal(mig_savefile_parse(buf, sizeof(buf), &f, &need), 0);
	assert_int_equal(f.stream_offset, MIG_SAVE_HDR_SIZE + 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(refused_to_write),
		cmocka_unit_test(refused_to_read),
		cmocka_unit_test(lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
