/*
 * The domain's console as tern-hv sees it, whichever way it reaches the
 * guest: the console_io hypercall (hc_console.c) or the PV console ring
 * (pvcon.c).
 *
 * Output: every byte goes, in order, to the output descriptor (stdout), to
 * the log file when one is set, and to the attached terminal when one is.
 * Input: bytes from the input descriptor (stdin, read by a thread of this
 * file) and from the attached terminal are buffered until the guest takes
 * them.  The buffer has one reader at a time: CONSOLEIO_read until the PV
 * console claims it (hv_console_route_input), the console ring from then
 * on.
 */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define HV_CONSOLE_IN_SIZE 4096

/*
 * Told that input arrived.  Runs on the thread that delivered it with the
 * console's lock held: it must not block nor call back into the console.
 */
typedef void (*hv_console_input_fn)(void *opaque);

struct hv_console {
	int out_fd;
	int in_fd;        /* -1: no input */
	int stop_fd;      /* eventfd that ends the input thread */
	pthread_t reader;
	int reader_started;
	pthread_mutex_t lock; /* orders output; protects everything below */
	int log_fd;       /* -1: no log */
	int client_fd;    /* the attached terminal, -1: none */
	hv_console_input_fn input_fn; /* NULL: input is for CONSOLEIO_read */
	void *input_opaque;
	uint8_t in[HV_CONSOLE_IN_SIZE]; /* input ring */
	size_t in_head;
	size_t in_len;
};

/*
 * Sets up the console; the descriptors stay owned by the caller.  With
 * in_fd >= 0 a thread reads it into the input buffer until end of file.
 * Returns 0 or -errno.
 */
int hv_console_init(struct hv_console *c, int out_fd, int in_fd);

/* Stops the input thread and releases what hv_console_init made. */
void hv_console_destroy(struct hv_console *c);

/*
 * Writes all of buf to the output and the log, whole, even from several
 * threads; output that cannot be written is dropped.  The attached terminal
 * gets what its socket takes without waiting: a terminal that does not
 * keep up loses output, the guest is never held up by it.
 */
void hv_console_write(struct hv_console *c, const void *buf, size_t len);

/*
 * Sets the log file (fd >= 0, owned by the caller) or removes it (-1).
 * Once this returns the console no longer writes to the previous one.
 */
void hv_console_set_log(struct hv_console *c, int fd);

/*
 * Sets the attached terminal's socket (owned by the caller) or detaches it
 * (-1), with the same guarantee as hv_console_set_log.
 */
void hv_console_set_client(struct hv_console *c, int fd);

/*
 * Adds input bytes (from stdin or the attached terminal); bytes beyond the
 * buffer's room are dropped.  Calls the input function if one is set.
 */
void hv_console_input(struct hv_console *c, const void *buf, size_t len);

/*
 * CONSOLEIO_read: takes up to len buffered input bytes; returns how many
 * (maybe 0).  Always 0 while the input is routed to the PV console.
 */
size_t hv_console_read(struct hv_console *c, void *buf, size_t len);

/*
 * Gives the input to the PV console (fn non-NULL) or back to CONSOLEIO_read
 * (NULL).  fn is called at once if input is waiting, and whenever more
 * arrives; it is not called after hv_console_route_input(c, NULL, NULL)
 * returns.
 */
void hv_console_route_input(struct hv_console *c, hv_console_input_fn fn, void *opaque);

/*
 * For the PV console: takes up to len buffered input bytes whoever owns the
 * input; returns how many.
 */
size_t hv_console_take_input(struct hv_console *c, void *buf, size_t len);

/* How many input bytes are buffered. */
size_t hv_console_input_pending(struct hv_console *c);

#endif
