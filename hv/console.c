#include "console.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

static void *reader(void *arg)
{
	struct hv_console *c = arg;
	struct pollfd p[2] = { { .fd = c->in_fd, .events = POLLIN },
			       { .fd = c->stop_fd, .events = POLLIN } };
	uint8_t buf[256];

	for (;;) {
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		n = read(c->in_fd, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		hv_console_input(c, buf, (size_t)n);
	}
	return NULL;
}

int hv_console_init(struct hv_console *c, int out_fd, int in_fd)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->out_fd = out_fd;
	c->in_fd = in_fd;
	c->stop_fd = -1;
	c->log_fd = -1;
	c->client_fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	if (in_fd < 0)
		return 0;
	c->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (c->stop_fd < 0)
		return -errno;
	err = pthread_create(&c->reader, NULL, reader, c);
	if (err) {
		close(c->stop_fd);
		c->stop_fd = -1;
		return -err;
	}
	c->reader_started = 1;
	return 0;
}

void hv_console_destroy(struct hv_console *c)
{
	uint64_t one = 1;

	if (c->reader_started) {
		if (write(c->stop_fd, &one, sizeof(one)) < 0)
			log_warn("console: cannot stop the input thread");
		pthread_join(c->reader, NULL);
	}
	if (c->stop_fd >= 0)
		close(c->stop_fd);
	pthread_mutex_destroy(&c->lock);
}

/*
 * Writes all of buf to fd, or with nowait what a socket takes at once;
 * stops at the first error (the rest is lost).
 */
static void put(int fd, const uint8_t *p, size_t len, bool nowait)
{
	while (len) {
		ssize_t n = nowait ? send(fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL)
				   : write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

void hv_console_write(struct hv_console *c, const void *buf, size_t len)
{
	pthread_mutex_lock(&c->lock);
	put(c->out_fd, buf, len, false);
	if (c->log_fd >= 0)
		put(c->log_fd, buf, len, false);
	if (c->client_fd >= 0)
		put(c->client_fd, buf, len, true);
	pthread_mutex_unlock(&c->lock);
}

void hv_console_set_log(struct hv_console *c, int fd)
{
	pthread_mutex_lock(&c->lock);
	c->log_fd = fd;
	pthread_mutex_unlock(&c->lock);
}

void hv_console_set_client(struct hv_console *c, int fd)
{
	pthread_mutex_lock(&c->lock);
	c->client_fd = fd;
	pthread_mutex_unlock(&c->lock);
}

void hv_console_input(struct hv_console *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < len && c->in_len < HV_CONSOLE_IN_SIZE; i++) {
		c->in[(c->in_head + c->in_len) % HV_CONSOLE_IN_SIZE] = p[i];
		c->in_len++;
	}
	if (c->input_fn && len)
		c->input_fn(c->input_opaque);
	pthread_mutex_unlock(&c->lock);
}

/* Takes up to len bytes from the input buffer; c->lock held. */
static size_t take(struct hv_console *c, uint8_t *p, size_t len)
{
	size_t n = 0;

	while (n < len && c->in_len) {
		p[n++] = c->in[c->in_head];
		c->in_head = (c->in_head + 1) % HV_CONSOLE_IN_SIZE;
		c->in_len--;
	}
	return n;
}

size_t hv_console_read(struct hv_console *c, void *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&c->lock);
	if (!c->input_fn)
		n = take(c, buf, len);
	pthread_mutex_unlock(&c->lock);
	return n;
}

void hv_console_route_input(struct hv_console *c, hv_console_input_fn fn, void *opaque)
{
	pthread_mutex_lock(&c->lock);
	c->input_fn = fn;
	c->input_opaque = opaque;
	if (fn && c->in_len)
		fn(opaque);
	pthread_mutex_unlock(&c->lock);
}

size_t hv_console_take_input(struct hv_console *c, void *buf, size_t len)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = take(c, buf, len);
	pthread_mutex_unlock(&c->lock);
	return n;
}

size_t hv_console_input_pending(struct hv_console *c)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = c->in_len;
	pthread_mutex_unlock(&c->lock);
	return n;
}
