/*
 * The CLI protocol between `tern` and `ternd` on ternd's Unix socket
 * (docs/ternd.md, "The CLI protocol").  Messages are a 16-byte header and a
 * payload of at most MIG_CLI_MAX_PAYLOAD bytes: a fixed struct, then the
 * strings whose lengths it gives, without NUL terminators.  Both ends are
 * on one host, so fields are in host byte order; every wire struct has a
 * checked size and no implicit padding.
 *
 * Readers never trust their input: each checks the message's type and
 * length before it copies anything, every reserved field is zero and every
 * string has the length, characters and form its field allows.  Decoded
 * strings are copied, NUL-terminated, into fixed arrays of the caller's.
 */
#ifndef MIG_CLI_MSG_H
#define MIG_CLI_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIG_CLI_MAGIC 0x434e5254u /* "TRNC" in memory on little-endian hosts */
#define MIG_CLI_VERSION 1
#define MIG_CLI_HDR_SIZE 16
#define MIG_CLI_MAX_PAYLOAD 8192
#define MIG_CLI_NAME_MAX 64  /* domain names and references */
#define MIG_CLI_PATH_MAX 4095 /* absolute paths */
#define MIG_CLI_TEXT_MAX 1024 /* error messages */
#define MIG_DOMID_MAX 0x7fef  /* below Xen's DOMID_FIRST_RESERVED */

/* SHUTDOWN's flag: answer once the domain is shut off, not once it was asked. */
#define MIG_CLI_SHUTDOWN_WAIT 1u
/* SAVE's flags. */
#define MIG_CLI_SAVE_LIVE 1u     /* pre-copy while the domain runs */
#define MIG_CLI_SAVE_KEEP 2u     /* leave the domain as it was (else destroy it once saved) */
#define MIG_CLI_SAVE_COMPRESS 4u /* gzip the stream */
/* RESTORE's flag: leave the restored domain paused. */
#define MIG_CLI_RESTORE_PAUSED 1u

enum mig_cli_type {
	/* Requests, from tern. */
	MIG_CLI_REQ_CREATE = 1,   /* path of an xl.cfg file */
	MIG_CLI_REQ_LIST = 2,     /* empty */
	MIG_CLI_REQ_PAUSE = 3,    /* a domain reference */
	MIG_CLI_REQ_UNPAUSE = 4,  /* a domain reference */
	MIG_CLI_REQ_DESTROY = 5,  /* a domain reference */
	MIG_CLI_REQ_SHUTDOWN = 6, /* a domain reference */
	MIG_CLI_REQ_CONSOLE = 7,  /* a domain reference */
	MIG_CLI_REQ_SAVE = 8,     /* a domain reference and a path */
	MIG_CLI_REQ_RESTORE = 9,  /* path of a save file */
	/* Replies, from ternd. */
	MIG_CLI_REP_DOMAIN = 64,  /* one domain's state */
	MIG_CLI_REP_END = 65,     /* empty: the end of a list */
	MIG_CLI_REP_ERROR = 66,   /* what failed, and the domain's state */
	MIG_CLI_REP_CONSOLE = 67, /* path of the domain's console socket */
	MIG_CLI_REP_STATS = 68,   /* how a save or restore went; a DOMAIN follows */
};

/* A domain's state as ternd sees it. */
enum mig_dom_state {
	MIG_DOM_NONE = 0,     /* no such domain (errors only) */
	MIG_DOM_STARTING = 1, /* tern-hv launched, not yet ready */
	MIG_DOM_RUNNING = 2,
	MIG_DOM_PAUSED = 3,
	MIG_DOM_STOPPING = 4, /* asked to shut down or being destroyed */
	MIG_DOM_SHUTOFF = 5,  /* tern-hv has exited; see the reason */
	MIG_DOM_STATE_COUNT
};

/* Why a domain is shut off. */
enum mig_dom_reason {
	MIG_REASON_NONE = 0,      /* not shut off */
	MIG_REASON_POWEROFF = 1,  /* the guest powered off */
	MIG_REASON_CRASH = 2,     /* the guest crashed */
	MIG_REASON_REBOOT = 3,    /* it rebooted and on_reboot is destroy */
	MIG_REASON_DESTROYED = 4, /* tern destroy, or tern-hv got SIGTERM */
	MIG_REASON_ERROR = 5,     /* tern-hv failed (configuration, KVM) */
	MIG_REASON_KILLED = 6,    /* tern-hv was killed by a signal */
	MIG_REASON_UNKNOWN = 7,   /* it ended, why is not known (see docs) */
	MIG_REASON_COUNT
};

struct mig_cli_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;     /* enum mig_cli_type */
	uint32_t len;      /* payload bytes after the header */
	uint32_t reserved; /* 0 */
};
_Static_assert(sizeof(struct mig_cli_hdr) == MIG_CLI_HDR_SIZE, "mig_cli_hdr");

/* Payload of CREATE, RESTORE, CONSOLE (reply) and the requests naming a domain. */
struct mig_cli_wire_str {
	uint32_t len;   /* bytes of the string that follows */
	uint32_t flags; /* SHUTDOWN's and RESTORE's flags; else 0 */
};
_Static_assert(sizeof(struct mig_cli_wire_str) == 8, "mig_cli_wire_str");

struct mig_cli_wire_save {
	uint32_t ref_len;  /* then the domain reference */
	uint32_t path_len; /* then the path */
	uint32_t flags;    /* MIG_CLI_SAVE_* */
	uint32_t reserved; /* 0 */
};
_Static_assert(sizeof(struct mig_cli_wire_save) == 16, "mig_cli_wire_save");

struct mig_cli_wire_stats {
	uint64_t bytes;      /* stream bytes written or read */
	uint64_t pages;      /* pages sent with data */
	uint64_t zero_pages; /* pages sent as zero */
	uint64_t total_ns;   /* from the request to the end */
	uint64_t paused_ns;  /* save: the domain paused; restore: 0 */
	uint32_t rounds;     /* save: page rounds; restore: 0 */
	uint32_t reserved;   /* 0 */
};
_Static_assert(sizeof(struct mig_cli_wire_stats) == 48, "mig_cli_wire_stats");

struct mig_cli_wire_domain {
	uint32_t domid;  /* 0 when shut off */
	uint32_t pid;    /* tern-hv's, 0 when shut off */
	uint64_t memory; /* MiB */
	uint64_t started; /* seconds since the epoch */
	uint32_t vcpus;
	uint8_t state;   /* enum mig_dom_state, not NONE */
	uint8_t reason;  /* enum mig_dom_reason: NONE unless shut off */
	uint16_t name_len; /* then the name */
};
_Static_assert(sizeof(struct mig_cli_wire_domain) == 32, "mig_cli_wire_domain");

struct mig_cli_wire_error {
	int32_t err;      /* a positive errno */
	uint8_t state;    /* enum mig_dom_state the domain is left in */
	uint8_t reason;   /* enum mig_dom_reason */
	uint16_t text_len; /* then the message */
};
_Static_assert(sizeof(struct mig_cli_wire_error) == 8, "mig_cli_wire_error");

/* A message as it travels, built by the writers below. */
struct mig_cli_msg {
	size_t len;
	uint8_t buf[MIG_CLI_HDR_SIZE + MIG_CLI_MAX_PAYLOAD];
};

/* A framed message found in a buffer; payload points into that buffer. */
struct mig_cli_frame {
	uint16_t type;
	uint32_t len;
	const uint8_t *payload;
};

/* One domain, decoded. */
struct mig_cli_domain {
	uint32_t domid, pid, vcpus;
	uint64_t memory, started;
	enum mig_dom_state state;
	enum mig_dom_reason reason;
	char name[MIG_CLI_NAME_MAX + 1];
};

/* A save request, decoded. */
struct mig_cli_save {
	char ref[MIG_CLI_NAME_MAX + 1];
	char path[MIG_CLI_PATH_MAX + 1];
	uint32_t flags;
};

/* How a save or restore went, decoded (the wire struct's fields). */
struct mig_cli_stats {
	uint64_t bytes, pages, zero_pages, total_ns, paused_ns;
	uint32_t rounds;
};

/* An error reply, decoded. */
struct mig_cli_error {
	int err; /* positive errno */
	enum mig_dom_state state;
	enum mig_dom_reason reason;
	char text[MIG_CLI_TEXT_MAX + 1];
};

/*
 * Finds the message at the start of buf (avail bytes).  Returns the bytes
 * it takes (header and payload) with f filled, -EAGAIN if buf holds only
 * part of it, or an error that ends the connection: -EPROTO (bad magic or
 * reserved field), -EPROTONOSUPPORT (another version), -EMSGSIZE (payload
 * too long).  Checks only the header: the typed readers check payloads.
 */
int mig_cli_frame(const void *buf, size_t avail, struct mig_cli_frame *f);

/*
 * Typed readers: each takes a frame of the type it reads and returns 0 or
 * -EBADMSG (wrong type, wrong length, a reserved field set, a string that
 * its field does not allow).  Nothing is written to the output on error.
 */
int mig_cli_read_empty(const struct mig_cli_frame *f, enum mig_cli_type type);
/*
 * CREATE, RESTORE and CONSOLE (type): an absolute path of printable
 * characters, and the flags the type allows (RESTORE's only).
 */
int mig_cli_read_path(const struct mig_cli_frame *f, enum mig_cli_type type,
		      char path[MIG_CLI_PATH_MAX + 1], uint32_t *flags);
/*
 * PAUSE, UNPAUSE, DESTROY, SHUTDOWN, CONSOLE (type): a domain reference and
 * the flags the type allows (none but SHUTDOWN's).
 */
int mig_cli_read_ref(const struct mig_cli_frame *f, enum mig_cli_type type,
		     char ref[MIG_CLI_NAME_MAX + 1], uint32_t *flags);
int mig_cli_read_save(const struct mig_cli_frame *f, struct mig_cli_save *s);
int mig_cli_read_stats(const struct mig_cli_frame *f, struct mig_cli_stats *s);
int mig_cli_read_domain(const struct mig_cli_frame *f, struct mig_cli_domain *d);
int mig_cli_read_error(const struct mig_cli_frame *f, struct mig_cli_error *e);

/*
 * Writers: each builds one whole message in m.  Returns 0, or -EINVAL when
 * what it is given would not pass the reader (so no end sends a message the
 * other refuses), in which case m is unchanged.
 */
int mig_cli_write_empty(struct mig_cli_msg *m, enum mig_cli_type type);
int mig_cli_write_path(struct mig_cli_msg *m, enum mig_cli_type type, const char *path,
		       uint32_t flags);
int mig_cli_write_ref(struct mig_cli_msg *m, enum mig_cli_type type, const char *ref,
		      uint32_t flags);
int mig_cli_write_save(struct mig_cli_msg *m, const struct mig_cli_save *s);
int mig_cli_write_stats(struct mig_cli_msg *m, const struct mig_cli_stats *s);
int mig_cli_write_domain(struct mig_cli_msg *m, const struct mig_cli_domain *d);
/* A text longer than MIG_CLI_TEXT_MAX is cut; control characters become '?'. */
int mig_cli_write_error(struct mig_cli_msg *m, const struct mig_cli_error *e);

/*
 * A domain name: 1 to MIG_CLI_NAME_MAX characters from [A-Za-z0-9_.-], not
 * starting with '.' or '-' (names are file names under the state folder).
 */
bool mig_cli_name_ok(const char *s, size_t len);

/*
 * If ref has the form of a domain id ("3" or "dom3", decimal, no leading
 * zero, 1 to MIG_DOMID_MAX), stores it in *domid and returns true.  Names of that
 * form are refused, so that a reference is never ambiguous.
 */
bool mig_cli_ref_domid(const char *ref, uint32_t *domid);

/* "running", "shutoff", ... and "poweroff", "crash", ...; "?" if unknown. */
const char *mig_dom_state_name(enum mig_dom_state s);
const char *mig_dom_reason_name(enum mig_dom_reason r);

#endif
