/*
 * What `tern save` and `tern restore` share (cli_save.c, cli_restore.c):
 * a stream job in libuv's thread pool, which runs the save-restore library
 * (save-restore/sr.h) against a domain's control socket and reports how
 * it went.
 */
#ifndef MIG_CLI_STREAM_H
#define MIG_CLI_STREAM_H

#include <limits.h>
#include <stdint.h>

#include "cli_server.h"
#include "ctl_client.h"
#include "sr.h"

struct mig_stream_job {
	struct mig_work work;
	struct cli_conn *owner;  /* answered at the end; NULL if it went away */
	struct mig_waiter wait;  /* restore: for the domain to be ready */
	uint32_t flags;          /* the request's */
	char file[PATH_MAX];     /* the save file */
	char ctl_path[PATH_MAX]; /* the domain's control socket */
	uint64_t start_ns;       /* when the request came */
	/* Save. */
	char config_path[PATH_MAX];
	bool was_paused;
	uint32_t domid;          /* written into the file: a restore keeps it */
	/* Restore: the save file, open at the stream's start. */
	int fd;
	/* The result. */
	int err;         /* 0 or -errno */
	char text[PATH_MAX + 512]; /* what failed */
	struct sr_stats stats;
};

/*
 * A job for c on domain d (run, done set by the caller), its paths filled;
 * the connection is its owner until it closes.  NULL when out of memory.
 */
struct mig_stream_job *mig_stream_job_new(struct cli_conn *c, const char *file,
					  uint32_t flags);

/* Connects c to the job's control socket; on failure the job's text says why. */
int mig_stream_connect(struct mig_stream_job *j, struct hv_ctl_client *c);

/* Sets the job's result from the library's: err and sr_ctx_error's text. */
int mig_stream_result(struct mig_stream_job *j, const struct sr_ctx *ctx, int err);


/* Sends the job's STATS message to its owner. */
void mig_stream_send_stats(struct mig_stream_job *j);

/* Nanoseconds of CLOCK_MONOTONIC. */
uint64_t mig_now_ns(void);

#endif
