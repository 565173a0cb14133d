#include "sr_io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Advances iov past n written bytes; returns the new count of entries. */
static unsigned iov_advance(struct iovec **iov, unsigned cnt, size_t n)
{
	while (cnt && n >= (*iov)->iov_len) {
		n -= (*iov)->iov_len;
		(*iov)++;
		cnt--;
	}
	if (cnt) {
		(*iov)->iov_base = (uint8_t *)(*iov)->iov_base + n;
		(*iov)->iov_len -= n;
	}
	return cnt;
}

/* Copies the descriptors (a short write changes them) in IOV_MAX slices. */
static int fd_writev(struct sr_sink *sink, const struct iovec *iov, unsigned n)
{
	struct sr_fd_sink *s = (struct sr_fd_sink *)sink;
	struct iovec local[64];

	while (n) {
		unsigned take = n < 64 ? n : 64;
		struct iovec *cur = local;
		unsigned left = take;

		memcpy(local, iov, take * sizeof(*iov));
		while (left) {
			ssize_t w = writev(s->fd, cur, (int)left);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
			left = iov_advance(&cur, left, (size_t)w);
		}
		iov += take;
		n -= take;
	}
	return 0;
}

static int no_finish(struct sr_sink *sink)
{
	(void)sink;
	return 0;
}

void sr_fd_sink_init(struct sr_fd_sink *s, int fd)
{
	s->sink.writev = fd_writev;
	s->sink.finish = no_finish;
	s->fd = fd;
}

static ssize_t fd_read(struct sr_source *source, void *buf, size_t len)
{
	struct sr_fd_source *s = (struct sr_fd_source *)source;
	size_t done = 0;

	while (done < len) {
		ssize_t r = read(s->fd, (uint8_t *)buf + done, len - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

void sr_fd_source_init(struct sr_fd_source *s, int fd)
{
	s->source.read = fd_read;
	s->fd = fd;
}

static int mem_writev(struct sr_sink *sink, const struct iovec *iov, unsigned n)
{
	struct sr_mem_sink *s = (struct sr_mem_sink *)sink;

	for (unsigned i = 0; i < n; i++) {
		size_t len = iov[i].iov_len;

		if (len > SIZE_MAX / 2 - s->len)
			return -ENOMEM;
		if (s->len + len > s->cap) {
			size_t cap = s->cap ? s->cap : 4096;
			uint8_t *p;

			while (cap < s->len + len)
				cap *= 2;
			p = realloc(s->data, cap);
			if (!p)
				return -ENOMEM;
			s->data = p;
			s->cap = cap;
		}
		memcpy(s->data + s->len, iov[i].iov_base, len);
		s->len += len;
	}
	return 0;
}

void sr_mem_sink_init(struct sr_mem_sink *s)
{
	memset(s, 0, sizeof(*s));
	s->sink.writev = mem_writev;
	s->sink.finish = no_finish;
}

void sr_mem_sink_destroy(struct sr_mem_sink *s)
{
	free(s->data);
	s->data = NULL;
	s->len = s->cap = 0;
}

static ssize_t mem_read(struct sr_source *source, void *buf, size_t len)
{
	struct sr_mem_source *s = (struct sr_mem_source *)source;
	size_t n = s->len - s->off < len ? s->len - s->off : len;

	if (n)
		memcpy(buf, s->data + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

void sr_mem_source_init(struct sr_mem_source *s, const void *data, size_t len)
{
	s->source.read = mem_read;
	s->data = data;
	s->len = len;
	s->off = 0;
}

int sr_source_read_exact(struct sr_source *s, void *buf, size_t len, size_t *got)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = s->read(s, (uint8_t *)buf + done, len - done);

		if (r < 0) {
			*got = done;
			return (int)r;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	*got = done;
	return done == len ? 0 : -EPIPE;
}
