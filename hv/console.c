#include "console.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
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
		pthread_mutex_lock(&c->lock);
		for (ssize_t i = 0; i < n && c->in_len < HV_CONSOLE_IN_SIZE; i++) {
			c->in[(c->in_head + c->in_len) % HV_CONSOLE_IN_SIZE] = buf[i];
			c->in_len++;
		}
		pthread_mutex_unlock(&c->lock);
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

void hv_console_write(struct hv_console *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	pthread_mutex_lock(&c->lock);
	while (len) {
		ssize_t n = write(c->out_fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* output gone: the guest's bytes are dropped */
		p += n;
		len -= (size_t)n;
	}
	pthread_mutex_unlock(&c->lock);
}

size_t hv_console_read(struct hv_console *c, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t n = 0;

	pthread_mutex_lock(&c->lock);
	while (n < len && c->in_len) {
		p[n++] = c->in[c->in_head];
		c->in_head = (c->in_head + 1) % HV_CONSOLE_IN_SIZE;
		c->in_len--;
	}
	pthread_mutex_unlock(&c->lock);
	return n;
}
