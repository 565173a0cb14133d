/*
 * A small vsnprintf: enough for mini's messages, in ring 0 and ring 3.
 */
#include "lib.h"

struct out {
	char *buf;
	size_t size;
	size_t len;
};

struct spec {
	bool zero;
	bool left;
	unsigned width;
	int longs; /* number of 'l' (a 'z' counts as one) */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct out *o, const struct spec *sp, const char *s, size_t n,
		       bool negative)
{
	size_t total = n + negative;
	size_t pad = sp->width > total ? sp->width - total : 0;

	if (negative && sp->zero)
		put(o, '-');
	for (; !sp->left && pad; pad--)
		put(o, sp->zero ? '0' : ' ');
	if (negative && !sp->zero)
		put(o, '-');
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	for (; pad; pad--)
		put(o, ' ');
}

static void put_number(struct out *o, const struct spec *sp, uint64_t v, unsigned base,
		       bool negative)
{
	char digits[24];
	size_t n = 0;

	do {
		digits[sizeof(digits) - 1 - n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	put_padded(o, sp, digits + sizeof(digits) - n, n, negative);
}

static const char *parse_spec(const char *f, struct spec *sp)
{
	*sp = (struct spec){ 0 };
	for (;; f++) {
		if (*f == '0')
			sp->zero = true;
		else if (*f == '-')
			sp->left = true;
		else
			break;
	}
	for (; *f >= '0' && *f <= '9'; f++)
		sp->width = sp->width * 10 + (unsigned)(*f - '0');
	for (; *f == 'l' || *f == 'z'; f++)
		sp->longs++;
	if (sp->left)
		sp->zero = false;
	return f;
}

static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
	return sp->longs ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned int);
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
	return sp->longs ? va_arg(*ap, long) : va_arg(*ap, int);
}

static void convert(struct out *o, const struct spec *sp, char c, va_list *ap)
{
	switch (c) {
	case 'd':
	case 'i': {
		int64_t v = arg_signed(sp, ap);

		put_number(o, sp, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0);
		break;
	}
	case 'u':
		put_number(o, sp, arg_unsigned(sp, ap), 10, false);
		break;
	case 'x':
		put_number(o, sp, arg_unsigned(sp, ap), 16, false);
		break;
	case 'p':
		put(o, '0');
		put(o, 'x');
		put_number(o, sp, (uintptr_t)va_arg(*ap, void *), 16, false);
		break;
	case 's': {
		const char *s = va_arg(*ap, const char *);

		s = s ? s : "(null)";
		put_padded(o, sp, s, strlen(s), false);
		break;
	}
	case 'c': {
		char ch = (char)va_arg(*ap, int);

		put_padded(o, sp, &ch, 1, false);
		break;
	}
	case '%':
		put(o, '%');
		break;
	default: /* not a conversion we know: print it as written */
		put(o, '%');
		if (c)
			put(o, c);
	}
}

size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp);
		convert(&o, &sp, *fmt, &args);
		if (*fmt)
			fmt++;
	}
	va_end(args);
	if (size)
		buf[MIN(o.len, size - 1)] = '\0';
	return MIN(o.len, size ? size - 1 : 0);
}

size_t fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void fmt_vprint(void (*out)(const char *s, size_t n), const char *fmt, va_list ap)
{
	char buf[256];

	out(buf, fmt_vsnprintf(buf, sizeof(buf), fmt, ap));
}
