/*
 * A domain's state file, <state dir>/domains/<name>/state: what ternd must
 * know about a domain to find it again after a restart.  Text, one
 * "key value" per line, so that an operator can read it; written whole
 * and renamed into place, so that a reader sees the old or the new one.
 */
#ifndef MIG_DOM_STATE_H
#define MIG_DOM_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli_msg.h"

#define MIG_DOM_STATE_VERSION 1
#define MIG_DOM_STATE_MAX 1024 /* bytes: a state file is a few hundred */

struct mig_dom_record {
	uint32_t domid;            /* 0 when shut off */
	enum mig_dom_state state;  /* never NONE */
	enum mig_dom_reason reason; /* NONE unless shut off */
	pid_t pid;                 /* tern-hv; 0 when shut off */
	uint64_t pid_start;        /* its start time in clock ticks after boot */
	char boot_id[37];          /* the boot it runs in; "" when shut off */
	uint64_t started;          /* seconds since the epoch */
	uint32_t vcpus;
	uint64_t memory;           /* MiB */
};

/*
 * Writes r as a state file into buf (len bytes, MIG_DOM_STATE_MAX is
 * enough).  Returns the length, or -ENOSPC.
 */
int mig_dom_state_format(const struct mig_dom_record *r, char *buf, size_t len);

/*
 * Parses a state file (len bytes, need not be NUL-terminated) into r.
 * Every key must be present once, with a value in range; a live state
 * needs a domid, a pid and a boot id, a shut-off one has none.  Returns 0
 * or -EINVAL with r unchanged.
 */
int mig_dom_state_parse(const char *text, size_t len, struct mig_dom_record *r);

#endif
