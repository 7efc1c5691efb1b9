// SPDX-License-Identifier: MIT
/* rt_vsnprintf: the printf subset console.h lists, into a bounded buffer. */
#include <kestrel-rt/console.h>

struct out {
	char *buf;
	size_t size;
	size_t len;	/* what the whole output needs */
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

struct spec {
	int width;
	int precision;		/* -1: none */
	bool zero, left, alt;
};

/* A number in base 10 or 16 (with '#': 0x before a non-zero hex one), padded to the width. */
static void out_number(struct out *o, u64 v, bool negative, unsigned int base, bool upper,
		       const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	bool prefix = sp->alt && base == 16 && v;
	int width = sp->width, n = 0, len;
	bool zero = sp->zero, left = sp->left;
	char tmp[24];

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + negative + 2 * prefix;
	if (!left && !zero)
		out_pad(o, ' ', width - len);
	if (negative)
		out_char(o, '-');
	if (prefix) {
		out_char(o, '0');
		out_char(o, upper ? 'X' : 'x');
	}
	if (!left && zero)
		out_pad(o, '0', width - len);
	while (n)
		out_char(o, tmp[--n]);
	if (left)
		out_pad(o, ' ', width - len);
}

static void out_string(struct out *o, const char *s, const struct spec *sp)
{
	int len = 0;

	if (!s)
		s = "(null)";
	while (s[len] && (sp->precision < 0 || len < sp->precision))
		len++;
	if (!sp->left)
		out_pad(o, ' ', sp->width - len);
	for (int i = 0; i < len; i++)
		out_char(o, s[i]);
	if (sp->left)
		out_pad(o, ' ', sp->width - len);
}

int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		struct spec sp = { .precision = -1 };
		int longs = 0;
		u64 u;
		s64 d;

		if (*fmt != '%') {
			out_char(&o, *fmt);
			continue;
		}
		for (fmt++;; fmt++) {
			if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '#')
				sp.alt = true;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			sp.width = sp.width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			sp.precision = 0;
			if (*++fmt == '*') {
				sp.precision = va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				sp.precision = sp.precision * 10 + (*fmt++ - '0');
		}
		/* h and hh: the argument was promoted to int anyway. */
		while (*fmt == 'l' || *fmt == 'z' || *fmt == 'h') {
			longs += *fmt == 'z' ? 2 : *fmt == 'l';
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			d = longs ? va_arg(ap, s64) : va_arg(ap, int);
			u = d < 0 ? -(u64)d : (u64)d;
			out_number(&o, u, d < 0, 10, false, &sp);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = longs ? va_arg(ap, u64) : va_arg(ap, unsigned int);
			out_number(&o, u, false, *fmt == 'u' ? 10 : 16, *fmt == 'X', &sp);
			break;
		case 'p':
			out_char(&o, '0');
			out_char(&o, 'x');
			sp = (struct spec){ .width = 16, .zero = true };
			out_number(&o, (u64)(uintptr_t)va_arg(ap, void *), false, 16, false, &sp);
			break;
		case 'c':
			out_char(&o, (char)va_arg(ap, int));
			break;
		case 's':
			out_string(&o, va_arg(ap, const char *), &sp);
			break;
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			fmt--;	/* a lone '%' at the end */
			break;
		default:
			out_char(&o, '%');
			out_char(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int rt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = rt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
