/*
 * Logging for tern-hv.  Every message goes to stderr, prefixed with the
 * program and domain name; the guest's console owns stdout.
 */
#ifndef HV_LOG_H
#define HV_LOG_H

#include <stdnoreturn.h>

/* Sets the name shown after "tern-hv" in every message (the domain name). */
void hv_log_set_domain(const char *name);

/* Raises or lowers verbosity: 0 warnings only, 1 info, 2 debug. */
void hv_log_set_level(int level);

/* Warnings: log_warn appends strerror(errno), log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For broken invariants only: prints and exits with status 1. */
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
