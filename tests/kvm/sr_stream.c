/*
 * Drives the save-restore library against a running tern-hv through its
 * control socket (save-restore/sr_domain_ctl.h), for tests/kvm/stream.sh:
 *
 *   sr_stream save SOCKET FILE [--live] [--gzip]
 *   sr_stream restore SOCKET FILE
 *
 * save leaves the domain paused; restore leaves the --incoming domain
 * paused, loaded.  Prints one line of figures; exits 0, or 1 with the
 * library's and the control socket's messages.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sr.h"
#include "sr_domain_ctl.h"
#include "sr_zlib.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int save(struct sr_ctx *ctx, int fd, bool live, bool gzip)
{
	struct sr_save_opts opts = { .live = live };
	struct sr_fd_sink sink;
	struct sr_zlib_sink *z = NULL;
	int err;

	sr_fd_sink_init(&sink, fd);
	if (gzip) {
		z = malloc(sizeof(*z));
		if (!z || sr_zlib_sink_init(z, &sink.sink, 6)) {
			free(z);
			return -1;
		}
	}
	err = sr_save(ctx, z ? &z->sink : &sink.sink, &opts);
	if (z)
		sr_zlib_sink_destroy(z);
	free(z);
	return err;
}

static int restore(struct sr_ctx *ctx, int fd)
{
	struct sr_fd_source raw;
	struct sr_zlib_source *z = malloc(sizeof(*z));
	int err;

	if (!z)
		return -1;
	sr_fd_source_init(&raw, fd);
	err = sr_zlib_source_init(z, &raw.source);
	if (!err)
		err = sr_restore(ctx, &z->source);
	sr_zlib_source_destroy(z);
	free(z);
	return err;
}

int main(int argc, char **argv)
{
	bool saving = argc >= 4 && strcmp(argv[1], "save") == 0;
	struct hv_ctl_client c;
	struct sr_ctl_domain d;
	struct sr_ctx ctx;
	double t0;
	int fd, err;

	if (argc < 4 || (!saving && strcmp(argv[1], "restore") != 0)) {
		fprintf(stderr, "usage: sr_stream save|restore SOCKET FILE [--live] [--gzip]\n");
		return 2;
	}
	fd = saving ? open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0600) : open(argv[3], O_RDONLY);
	if (fd < 0 || hv_ctl_connect(&c, argv[2])) {
		perror("sr_stream");
		return 1;
	}
	sr_ctl_domain_init(&d, &c);
	sr_ctx_init(&ctx, &sr_ctl_domain_ops, &d);
	t0 = now_ms();
	if (saving)
		err = save(&ctx, fd, argc > 4 && strstr(argv[4], "live"),
			   (argc > 4 && strcmp(argv[argc - 1], "--gzip") == 0));
	else
		err = restore(&ctx, fd);
	if (err) {
		fprintf(stderr, "sr_stream: %s (%s)\n", sr_ctx_error(&ctx), c.err);
		return 1;
	}
	printf("%s: %.1f ms, %u rounds, %llu pages, %llu zero pages, %llu bytes, paused %.1f ms\n",
	       argv[1], now_ms() - t0, ctx.stats.rounds, (unsigned long long)ctx.stats.pages,
	       (unsigned long long)ctx.stats.zero_pages, (unsigned long long)ctx.stats.bytes,
	       (double)ctx.stats.paused_ns / 1e6);
	hv_ctl_close(&c);
	close(fd);
	return 0;
}
