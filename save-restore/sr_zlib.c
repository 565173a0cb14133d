#include "sr_zlib.h"

#include <errno.h>
#include <string.h>

#define GZIP_WINDOW (15 + 16) /* 32 KiB window, gzip wrapper */

/* Hands out what deflate produced so far. */
static int flush_out(struct sr_zlib_sink *s)
{
	size_t have = sizeof(s->out) - s->z.avail_out;
	struct iovec iov = { s->out, have };
	int err = have ? s->next->writev(s->next, &iov, 1) : 0;

	s->z.next_out = s->out;
	s->z.avail_out = sizeof(s->out);
	return err;
}

/* Runs deflate with flush until it has consumed its input (or ended). */
static int run_deflate(struct sr_zlib_sink *s, int flush)
{
	for (;;) {
		int zr = deflate(&s->z, flush);
		int err;

		if (zr == Z_STREAM_ERROR)
			return -EINVAL;
		if (s->z.avail_out == 0 || zr == Z_STREAM_END) {
			err = flush_out(s);
			if (err)
				return err;
		}
		if (zr == Z_STREAM_END)
			return 0;
		if (flush == Z_NO_FLUSH && s->z.avail_in == 0)
			return 0;
	}
}

static int zlib_writev(struct sr_sink *sink, const struct iovec *iov, unsigned n)
{
	struct sr_zlib_sink *s = (struct sr_zlib_sink *)sink;

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t len = iov[i].iov_len;

		while (len) {
			uInt take = len > (1u << 30) ? 1u << 30 : (uInt)len;
			int err;

			s->z.next_in = (Bytef *)p;
			s->z.avail_in = take;
			err = run_deflate(s, Z_NO_FLUSH);
			if (err)
				return err;
			p += take;
			len -= take;
		}
	}
	return 0;
}

static int zlib_finish(struct sr_sink *sink)
{
	struct sr_zlib_sink *s = (struct sr_zlib_sink *)sink;
	int err;

	s->z.next_in = NULL;
	s->z.avail_in = 0;
	err = run_deflate(s, Z_FINISH);
	return err ? err : s->next->finish(s->next);
}

int sr_zlib_sink_init(struct sr_zlib_sink *s, struct sr_sink *next, int level)
{
	memset(&s->z, 0, sizeof(s->z));
	if (deflateInit2(&s->z, level, Z_DEFLATED, GZIP_WINDOW, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	s->sink.writev = zlib_writev;
	s->sink.finish = zlib_finish;
	s->next = next;
	s->z.next_out = s->out;
	s->z.avail_out = sizeof(s->out);
	return 0;
}

void sr_zlib_sink_destroy(struct sr_zlib_sink *s)
{
	deflateEnd(&s->z);
}

/* Copies out bytes of the detection prefix that are still unread. */
static size_t take_head(struct sr_zlib_source *s, uint8_t *buf, size_t len)
{
	size_t n = s->head_len - s->head_off;

	n = n < len ? n : len;
	memcpy(buf, s->head + s->head_off, n);
	s->head_off += n;
	return n;
}

/* Refills the inflater's input; returns bytes read, 0 at the end, -errno. */
static ssize_t refill(struct sr_zlib_source *s)
{
	ssize_t r;

	if (s->head_off < s->head_len) {
		r = (ssize_t)take_head(s, s->buf, sizeof(s->buf));
	} else {
		r = s->in->read(s->in, s->buf, sizeof(s->buf));
		if (r < 0)
			return r;
	}
	s->z.next_in = s->buf;
	s->z.avail_in = (uInt)r;
	return r;
}

static ssize_t inflate_read(struct sr_zlib_source *s, uint8_t *buf, size_t len)
{
	s->z.next_out = buf;
	s->z.avail_out = (uInt)(len > (1u << 30) ? 1u << 30 : len);
	while (s->z.avail_out && !s->ended) {
		int zr;

		if (s->z.avail_in == 0) {
			ssize_t r = refill(s);

			if (r < 0)
				return r;
			if (r == 0)
				break; /* truncated: the caller sees a short read */
		}
		zr = inflate(&s->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			s->ended = true;
		else if (zr == Z_MEM_ERROR)
			return -ENOMEM;
		else if (zr != Z_OK)
			return -EBADMSG;
	}
	return (ssize_t)((uint8_t *)s->z.next_out - buf);
}

static ssize_t zlib_read(struct sr_source *source, void *buf, size_t len)
{
	struct sr_zlib_source *s = (struct sr_zlib_source *)source;
	size_t n;
	ssize_t r;

	if (s->inflating)
		return inflate_read(s, buf, len);
	n = take_head(s, buf, len);
	if (n == len)
		return (ssize_t)n;
	r = s->in->read(s->in, (uint8_t *)buf + n, len - n);
	return r < 0 ? r : (ssize_t)n + r;
}

int sr_zlib_source_init(struct sr_zlib_source *s, struct sr_source *in)
{
	size_t got;
	int err;

	memset(&s->z, 0, sizeof(s->z));
	s->source.read = zlib_read;
	s->in = in;
	s->inflating = false;
	s->ended = false;
	s->head_off = 0;
	err = sr_source_read_exact(in, s->head, sizeof(s->head), &got);
	if (err && err != -EPIPE)
		return err;
	s->head_len = got;
	if (got == 2 && s->head[0] == 0x1f && s->head[1] == 0x8b) {
		if (inflateInit2(&s->z, GZIP_WINDOW) != Z_OK)
			return -ENOMEM;
		s->inflating = true;
	}
	return 0;
}

bool sr_zlib_source_compressed(const struct sr_zlib_source *s)
{
	return s->inflating;
}

void sr_zlib_source_destroy(struct sr_zlib_source *s)
{
	if (s->inflating)
		inflateEnd(&s->z);
	s->inflating = false;
}
