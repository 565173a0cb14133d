/*
 * The optional compression layer around a stored stream: gzip (zlib's
 * deflate with a gzip wrapper), chosen for checkpoints on disk where size
 * matters.  The canonical stream inside is unchanged, so a compressed file
 * decompresses (gunzip) to exactly what verify-stream-v2 accepts.
 *
 * A reader need not know: sr_zlib_source_init looks at the first two
 * bytes, and a gzip magic (1f 8b) turns inflating on; anything else (an
 * uncompressed stream starts with "LibxlFmt") passes through untouched.
 */
#ifndef SR_ZLIB_H
#define SR_ZLIB_H

#include <stdbool.h>
#include <zlib.h>

#include "sr_io.h"

#define SR_ZLIB_BUF (64u << 10)

/* A sink that compresses into next (which the caller keeps alive). */
struct sr_zlib_sink {
	struct sr_sink sink;
	struct sr_sink *next;
	z_stream z;
	uint8_t out[SR_ZLIB_BUF];
};

/*
 * Sets s up to compress at level (1-9) into next.  Returns 0 or -ENOMEM.
 * Its finish ends the gzip stream and then finishes next.
 */
int sr_zlib_sink_init(struct sr_zlib_sink *s, struct sr_sink *next, int level);

/* Releases zlib's state (whether or not the stream was finished). */
void sr_zlib_sink_destroy(struct sr_zlib_sink *s);

/* A source that inflates in when it starts with the gzip magic. */
struct sr_zlib_source {
	struct sr_source source;
	struct sr_source *in;
	bool inflating;
	bool ended;        /* the gzip stream is complete */
	uint8_t head[2];   /* the bytes read to detect the format */
	size_t head_len;
	size_t head_off;
	z_stream z;
	uint8_t buf[SR_ZLIB_BUF];
};

/*
 * Reads the first bytes of in and sets s up accordingly.  Returns 0 or
 * -errno (-ENOMEM).  When inflating, s may read from in past the end of
 * the compressed data: use it for files, not for a link that carries more
 * after the stream.  A corrupt compressed stream reads as -EBADMSG, a
 * truncated one as the end of the input.
 */
int sr_zlib_source_init(struct sr_zlib_source *s, struct sr_source *in);

/* True if s found the gzip magic. */
bool sr_zlib_source_compressed(const struct sr_zlib_source *s);

/* Releases zlib's state. */
void sr_zlib_source_destroy(struct sr_zlib_source *s);

#endif
