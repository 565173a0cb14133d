/*
 * ternd, the dom0 daemon: its context.  One struct ternd per process, made
 * by main.c and passed first to every function of the daemon.
 */
#ifndef MIG_TERND_H
#define MIG_TERND_H

#include <stdint.h>
#include <uv.h>

#include "unix_socket.h"

struct mig_domain;
struct cli_conn;

struct ternd {
	uv_loop_t *loop;
	const char *state_dir;   /* absolute; domains/, console/, next-domid */
	const char *socket_path; /* the CLI socket */
	const char *hv_path;     /* the tern-hv executable */
	char boot_id[37];        /* this boot's /proc/sys/kernel/random/boot_id */

	struct hv_unix_listener listener; /* the socket file, owned */
	uv_pipe_t server;                 /* libuv's handle on listener.fd */
	uv_signal_t sigterm, sigint;
	struct cli_conn *conns;           /* open CLI connections */

	struct mig_domain *domains; /* every known domain, shut off ones too */
	uint32_t next_domid;        /* where the search for a free id starts */
	int lock_fd;                /* holds the state folder's lock */
};

/*
 * Verbosity of ternd's messages (log.c, which implements hv/log.h for
 * ternd): 0 warnings, 1 info, 2 debug.
 */
void mig_log_set_level(int level);

#endif
