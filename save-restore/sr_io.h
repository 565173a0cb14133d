/*
 * Where a stream goes and where it comes from.
 *
 * A sink takes gathered buffers (so that a batch of guest pages goes out
 * in one call, straight from the guest's mapping); a source hands out
 * bytes.  Layers stack: the zlib layer (sr_zlib.h) is a sink or a source
 * over another one.  Each sink and source is owned by whoever initialised
 * it; the stream code only calls it.
 */
#ifndef SR_IO_H
#define SR_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct sr_sink {
	/* Writes every byte of iov[0..n).  Returns 0 or -errno. */
	int (*writev)(struct sr_sink *s, const struct iovec *iov, unsigned n);
	/* The stream is complete: write out what is buffered.  0 or -errno. */
	int (*finish)(struct sr_sink *s);
};

struct sr_source {
	/*
	 * Reads up to len bytes into buf.  Returns how many (fewer only at
	 * the end of the input), 0 at the end, or -errno.
	 */
	ssize_t (*read)(struct sr_source *s, void *buf, size_t len);
};

/* A sink writing to a file descriptor (blocking), which it does not own. */
struct sr_fd_sink {
	struct sr_sink sink;
	int fd;
};
void sr_fd_sink_init(struct sr_fd_sink *s, int fd);

/* A source reading a file descriptor, which it does not own. */
struct sr_fd_source {
	struct sr_source source;
	int fd;
};
void sr_fd_source_init(struct sr_fd_source *s, int fd);

/* A sink collecting the stream in memory; data is the sink's (malloc'd). */
struct sr_mem_sink {
	struct sr_sink sink;
	uint8_t *data;
	size_t len;
	size_t cap;
};
void sr_mem_sink_init(struct sr_mem_sink *s);
/* Frees data. */
void sr_mem_sink_destroy(struct sr_mem_sink *s);

/* A source reading a buffer that the caller keeps alive. */
struct sr_mem_source {
	struct sr_source source;
	const uint8_t *data;
	size_t len;
	size_t off;
};
void sr_mem_source_init(struct sr_mem_source *s, const void *data, size_t len);

/*
 * Reads exactly len bytes.  Returns 0, -EPIPE if the input ends first
 * (*got says how many bytes came), or the source's -errno.
 */
int sr_source_read_exact(struct sr_source *s, void *buf, size_t len, size_t *got);

#endif
