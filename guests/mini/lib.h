/*
 * The few C library functions mini needs, written for a freestanding
 * kernel: memory and string helpers, decimal parsing and a small
 * vsnprintf.  All of them run in ring 0 and in ring 3.
 */
#ifndef MINI_LIB_H
#define MINI_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* The standard functions; the compiler may also emit calls to them. */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);

/* True if s begins with prefix. */
bool starts_with(const char *s, const char *prefix);

/* True if the NUL-terminated s contains needle. */
bool contains(const char *s, const char *needle);

/*
 * Parses a decimal number at *s and advances *s past it.  Returns false if
 * *s does not start with a digit or the number overflows 64 bits.
 */
bool parse_u64(const char **s, uint64_t *out);

/*
 * Formats like C's vsnprintf for the conversions %d %i %u %x %s %c %p %%,
 * with the 0 and - flags, a width, and the l, ll and z length modifiers.
 * Always NUL-terminates when size > 0; returns the length of the result,
 * which is cut at size - 1 bytes.
 */
size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Formats into a 256-byte buffer (see fmt_vsnprintf) and hands it to out. */
void fmt_vprint(void (*out)(const char *s, size_t n), const char *fmt, va_list ap);

/* As fmt_vsnprintf, with the arguments inline. */
__attribute__((format(printf, 3, 4))) size_t fmt_snprintf(char *buf, size_t size,
							  const char *fmt, ...);

#endif
