/*
 * ternd's messages, on stderr as systemd expects: the functions hv/log.h
 * declares, so that the hypervisor code ternd links (the configuration
 * parser, Unix sockets) speaks as ternd.  tern-hv links hv/log.c instead.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ternd.h"

/* Process-wide by nature, set once before the loop runs. */
static int log_level;

void mig_log_set_level(int level)
{
	log_level = level;
}

/* One line, if level is wanted; with errno's text when with_errno.  Keeps errno. */
static void vlog(int level, const char *what, bool with_errno, const char *fmt, va_list ap)
{
	int err = errno;
	char line[1024];

	if (level > log_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "ternd: %s%s%s%s\n", what, line, with_errno ? ": " : "",
		with_errno ? strerror(err) : "");
	errno = err;
}

#define LOG_FUNCTION(name, level, what, with_errno) \
	void name(const char *fmt, ...)             \
	{                                           \
		va_list ap;                         \
		va_start(ap, fmt);                  \
		vlog(level, what, with_errno, fmt, ap); \
		va_end(ap);                         \
	}

LOG_FUNCTION(log_warn, 0, "", true)
LOG_FUNCTION(log_warnx, 0, "", false)
LOG_FUNCTION(log_info, 1, "", false)
LOG_FUNCTION(log_debug, 2, "debug: ", false)

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(0, "fatal: ", false, fmt, ap);
	va_end(ap);
	exit(1);
}
