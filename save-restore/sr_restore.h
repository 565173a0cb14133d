/*
 * The state of a restore in progress, shared by the libxl-level reader
 * (sr_restore.c) and the libxc-level one (sr_restore_libxc.c).
 */
#ifndef SR_RESTORE_H
#define SR_RESTORE_H

#include "sr_int.h"

struct sr_restore {
	struct sr_ctx *ctx;
	struct sr_pfnset populated;   /* frames that received data */
	struct hv_vcpu_state *vcpus;  /* [ctx->info.nr_vcpus] */
	uint8_t *body;                /* the record body being read */
	bool libxc_done;              /* the libxc END record was read */
	bool have_tsc;
	bool have_hvm;
	bool have_emu[SR_EMU_NR];
	struct sr_tsc tsc;
	unsigned nr_params;
	struct sr_param params[SR_MAX_PARAMS];
	uint8_t *devices;             /* the device-state blob */
	size_t devices_len;
};

/* Names record types for messages. */
const char *sr__libxl_rec_name(uint32_t type);
const char *sr__libxc_rec_name(uint32_t type);

/*
 * Reads a record header: sets ctx->rec from name(type) and ctx->rec_offset,
 * checks the length against SR_MAX_RECORD.  0 or -errno.
 */
int sr__read_rec_hdr(struct sr_restore *rs, struct sr_rec_hdr *h, const char *(*name)(uint32_t));

/*
 * Reads a body of len bytes into rs->body (reallocated) and checks the
 * padding after it.  0 or -errno.
 */
int sr__read_body(struct sr_restore *rs, uint32_t len);

/* Reads and checks the padding after a body of len bytes. */
int sr__read_padding(struct sr_restore *rs, uint32_t len);

/* Skips an optional record's body and padding. */
int sr__skip_body(struct sr_restore *rs, uint32_t len);

/* Reads the libxc image: headers, records, up to its END.  0 or -errno. */
int sr__restore_libxc(struct sr_restore *rs);

#endif
