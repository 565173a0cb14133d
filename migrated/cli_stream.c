#include "cli_stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

uint64_t mig_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct mig_stream_job *mig_stream_job_new(struct cli_conn *c, const char *file,
					  uint32_t flags)
{
	struct mig_stream_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->owner = c;
	j->flags = flags;
	j->fd = -1;
	j->start_ns = mig_now_ns();
	snprintf(j->file, sizeof(j->file), "%s", file);
	c->owner_ref = &j->owner;
	return j;
}

int mig_stream_connect(struct mig_stream_job *j, struct hv_ctl_client *c)
{
	int err = hv_ctl_connect(c, j->ctl_path);

	if (err)
		snprintf(j->text, sizeof(j->text), "%s", c->err[0] ? c->err : strerror(-err));
	return err;
}

int mig_stream_result(struct mig_stream_job *j, const struct sr_ctx *ctx, int err)
{
	j->stats = ctx->stats;
	if (err && !j->text[0])
		snprintf(j->text, sizeof(j->text), "%s", sr_ctx_error(ctx)[0] ? sr_ctx_error(ctx) :
			 strerror(-err));
	return err;
}

void mig_stream_send_stats(struct mig_stream_job *j)
{
	struct mig_cli_stats s = {
		.bytes = j->stats.bytes, .pages = j->stats.pages, .zero_pages = j->stats.zero_pages,
		.total_ns = mig_now_ns() - j->start_ns, .paused_ns = j->stats.paused_ns,
		.rounds = j->stats.rounds,
	};
	struct mig_cli_msg m;

	mig_cli_write_stats(&m, &s);
	mig_cli_send(j->owner, &m);
}
