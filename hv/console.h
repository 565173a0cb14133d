/*
 * The domain's console as tern-hv sees it: output bytes from the guest go to
 * a file descriptor (stdout by default), input bytes from another one are
 * buffered until the guest reads them (CONSOLEIO_read).
 */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define HV_CONSOLE_IN_SIZE 4096

struct hv_console {
	int out_fd;
	int in_fd;        /* -1: no input */
	int stop_fd;      /* eventfd that ends the input thread */
	pthread_t reader;
	int reader_started;
	pthread_mutex_t lock;
	uint8_t in[HV_CONSOLE_IN_SIZE]; /* input ring, protected by lock */
	size_t in_head;
	size_t in_len;
};

/*
 * Sets up the console; the descriptors stay owned by the caller.  With
 * in_fd >= 0 a thread reads it into the input buffer.  Returns 0 or -errno.
 */
int hv_console_init(struct hv_console *c, int out_fd, int in_fd);

/* Stops the input thread and releases what hv_console_init made. */
void hv_console_destroy(struct hv_console *c);

/* Writes all of buf to the output, whole, even from several threads. */
void hv_console_write(struct hv_console *c, const void *buf, size_t len);

/* Takes up to len buffered input bytes; returns how many (maybe 0). */
size_t hv_console_read(struct hv_console *c, void *buf, size_t len);

#endif
