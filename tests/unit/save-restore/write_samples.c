/*
 * Writes the streams that tests/lib/verify-stream.sh hands to Xen's
 * verify-stream-v2: every kind of stream Tern writes, from the sample
 * domain (save-restore/sr_mem_domain.h).
 *
 *   sr_write_samples DIR     writes DIR/<name>.stream for each sample
 *   sr_write_samples --seed FILE   writes the fuzzer's seed (2 vCPUs,
 *                                   two frames with data)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sr.h"
#include "sr_mem_domain.h"

struct sample {
	const char *name;
	unsigned nr_vcpus;
	bool fill;
	bool live;
};

static const struct sample samples[] = {
	{ "idle", 1, false, false },
	{ "busy-1vcpu", 1, true, false },
	{ "busy-2vcpu", 2, true, false },
	{ "live-4vcpu", 4, true, true },
};

/* During a live save the "guest" keeps writing a few frames. */
static void keep_writing(struct sr_mem_domain *m, void *arg)
{
	(void)arg;
	if (m->harvests < 4)
		for (uint64_t pfn = 10; pfn < 10 + 16 / m->harvests; pfn++)
			sr_mem_domain_touch(m, pfn, (uint8_t)(m->harvests + pfn));
}

static int save_to(struct sr_mem_domain *m, bool live, const char *path)
{
	struct sr_save_opts opts = { .live = live };
	struct sr_fd_sink sink;
	struct sr_ctx ctx;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int err;

	if (fd < 0) {
		fprintf(stderr, "sr_write_samples: %s: %s\n", path, strerror(errno));
		return 1;
	}
	sr_fd_sink_init(&sink, fd);
	sr_ctx_init(&ctx, &sr_mem_domain_ops, m);
	err = sr_save(&ctx, &sink.sink, &opts);
	close(fd);
	if (err)
		fprintf(stderr, "sr_write_samples: %s: %s\n", path, sr_ctx_error(&ctx));
	return err != 0;
}

static int write_seed(const char *path)
{
	struct sr_mem_domain m;
	int failed;

	if (sr_mem_sample_init(&m, 2, true, 0))
		return 1;
	for (unsigned r = 0; r < m.info.nr_ranges; r++)
		memset(m.mem[r], 0, m.info.ranges[r].count * 4096);
	sr_mem_domain_touch(&m, 3, 0xa5);
	sr_mem_domain_touch(&m, 0xfeff1, 0x5a);
	failed = save_to(&m, false, path);
	sr_mem_domain_destroy(&m);
	return failed;
}

int main(int argc, char **argv)
{
	int failed = 0;

	if (argc == 3 && strcmp(argv[1], "--seed") == 0)
		return write_seed(argv[2]);
	if (argc != 2) {
		fprintf(stderr, "usage: sr_write_samples DIR | --seed FILE\n");
		return 2;
	}
	for (unsigned i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const struct sample *s = &samples[i];
		struct sr_mem_domain m;
		char path[4096];

		if (sr_mem_sample_init(&m, s->nr_vcpus, s->fill, i)) {
			fprintf(stderr, "sr_write_samples: out of memory\n");
			return 1;
		}
		m.on_harvest = keep_writing;
		snprintf(path, sizeof(path), "%s/%s.stream", argv[1], s->name);
		failed |= save_to(&m, s->live, path);
		sr_mem_domain_destroy(&m);
	}
	return failed;
}
