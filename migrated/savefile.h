/*
 * The file `tern save` writes and `tern restore` reads (docs/ternd.md,
 * "Save files"): a header with the domain's configuration, then the Xen
 * migration stream (save-restore/sr.h), which the header keeps apart so
 * that the stream stays exactly what Xen's tools read.  The header's
 * fields are little-endian: a save file may move between hosts.
 */
#ifndef MIG_SAVEFILE_H
#define MIG_SAVEFILE_H

#include <stddef.h>
#include <stdint.h>

#define MIG_SAVE_MAGIC "TernSave"
#define MIG_SAVE_VERSION 2
#define MIG_SAVE_HDR_SIZE 24
#define MIG_SAVE_CONFIG_MAX 65536 /* bytes of configuration */

/* What a header says; config points into the buffer parsed. */
struct mig_savefile {
	const char *config; /* xl.cfg text, not NUL-terminated */
	size_t config_len;
	size_t stream_offset; /* where the stream starts: a multiple of 8 */
	uint32_t domid;       /* the domain's id: a restore keeps it */
};

/*
 * Builds the header for a configuration of len bytes and the domain's id
 * (the guest knows its id, so a restore must keep it): *out (malloc'd, the
 * caller's) gets *out_len bytes, the stream's offset.  Returns 0, -EINVAL
 * (len 0, over MIG_SAVE_CONFIG_MAX, a NUL in the text, domid 0) or -ENOMEM.
 */
int mig_savefile_header(const char *config, size_t len, uint32_t domid, uint8_t **out,
			size_t *out_len);

/*
 * Reads the header at the start of buf (avail bytes of the file).  Returns
 * 0 with f filled, -EAGAIN when the header goes on past avail (*need is
 * then how many bytes it needs: read that much and call again), or
 * -EINVAL for a file that is not a save file of this version or whose
 * header is malformed (f untouched).
 */
int mig_savefile_parse(const uint8_t *buf, size_t avail, struct mig_savefile *f, size_t *need);

#endif
