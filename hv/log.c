#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Logging configuration is process-wide by nature (one tern-hv per domain),
 * set once at start-up before any thread exists.
 */
static const char *log_domain = "";
static int log_level;

void hv_log_set_domain(const char *name)
{
	log_domain = name ? name : "";
}

void hv_log_set_level(int level)
{
	log_level = level;
}

static void vlog(const char *what, const char *fmt, va_list ap, const char *suffix)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "tern-hv%s%s%s: %s%s%s\n", *log_domain ? "[" : "", log_domain,
		*log_domain ? "]" : "", what, line, suffix ? suffix : "");
}

void log_warn(const char *fmt, ...)
{
	char suffix[256];
	int err = errno;
	va_list ap;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(err));
	va_start(ap, fmt);
	vlog("", fmt, ap, suffix);
	va_end(ap);
	errno = err;
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap, NULL);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_level < 1)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap, NULL);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < 2)
		return;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap, NULL);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal: ", fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
