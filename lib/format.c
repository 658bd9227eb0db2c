/*
 * lib/format.c: a small vsnprintf for every program's output (C11 7.21.6.1
 * is the reference for the conversions it supports). No floating point, no
 * allocation, no global state; it is unit-tested on the host against the
 * behaviour of the C library's snprintf.
 */
#include "lib/format.h"

#include <stdint.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

struct spec {
	int left, zero, plus, space, alt;
	int width, prec;
	char length; /* 'H' hh, 'h', 'l', 'L' ll, 'z', 't' or 0 */
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

static size_t str_len(const char *s, int max)
{
	size_t n = 0;

	while ((max < 0 || n < (size_t)max) && s[n])
		n++;
	return n;
}

static void fmt_string(struct out *o, const struct spec *sp, const char *s)
{
	size_t n;

	if (!s)
		s = "(null)";
	n = str_len(s, sp->prec);
	if (!sp->left)
		out_pad(o, ' ', sp->width - (int)n);
	for (size_t i = 0; i < n; i++)
		out_char(o, s[i]);
	if (sp->left)
		out_pad(o, ' ', sp->width - (int)n);
}

/* Writes the digits of v in base into tmp (reversed); returns their count. */
static int to_digits(char *tmp, uint64_t v, unsigned base, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	while (v) {
		tmp[n++] = digits[v % base];
		v /= base;
	}
	return n;
}

static void fmt_number(struct out *o, const struct spec *sp, uint64_t v, int neg, unsigned base,
		       int upper)
{
	char tmp[24];
	const char *prefix = "";
	int ndig = to_digits(tmp, v, base, upper);
	int nzero = 0, plen, total;

	if (sp->prec >= 0 && ndig < sp->prec)
		nzero = sp->prec - ndig;
	else if (sp->prec < 0 && ndig == 0)
		nzero = 1;
	if (neg)
		prefix = "-";
	else if (sp->plus && base == 10)
		prefix = "+";
	else if (sp->space && base == 10)
		prefix = " ";
	else if (sp->alt && base == 16 && v)
		prefix = upper ? "0X" : "0x";
	else if (sp->alt && base == 8 && nzero == 0)
		nzero = 1;
	plen = (int)str_len(prefix, -1);
	total = plen + nzero + ndig;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > total) {
		nzero += sp->width - total;
		total = sp->width;
	}
	if (!sp->left)
		out_pad(o, ' ', sp->width - total);
	for (int i = 0; i < plen; i++)
		out_char(o, prefix[i]);
	out_pad(o, '0', nzero);
	while (ndig--)
		out_char(o, tmp[ndig]);
	if (sp->left)
		out_pad(o, ' ', sp->width - total);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = 1;
		else if (*f == '0')
			sp->zero = 1;
		else if (*f == '+')
			sp->plus = 1;
		else if (*f == ' ')
			sp->space = 1;
		else if (*f == '#')
			sp->alt = 1;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = 1;
			sp->width = -sp->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	if (*f == 'h' || *f == 'l') {
		sp->length = *f++;
		if (*f == sp->length) {
			sp->length = sp->length == 'h' ? 'H' : 'L';
			f++;
		}
	} else if (*f == 'z' || *f == 't') {
		sp->length = *f++;
	}
	return f;
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
	case 'L':
	case 'z':
	case 't':
		return va_arg(*ap, long long);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned);
	case 'l':
	case 'L':
	case 'z':
	case 't':
		return va_arg(*ap, unsigned long long);
	default:
		return va_arg(*ap, unsigned);
	}
}

static void fmt_one(struct out *o, struct spec *sp, char conv, va_list *ap)
{
	int64_t s;
	char c;

	switch (conv) {
	case 'd':
	case 'i':
		s = arg_signed(sp, ap);
		fmt_number(o, sp, s < 0 ? -(uint64_t)s : (uint64_t)s, s < 0, 10, 0);
		break;
	case 'u':
		sp->plus = sp->space = 0; /* for signed conversions only */
		fmt_number(o, sp, arg_unsigned(sp, ap), 0, 10, 0);
		break;
	case 'x':
	case 'X':
		fmt_number(o, sp, arg_unsigned(sp, ap), 0, 16, conv == 'X');
		break;
	case 'o':
		fmt_number(o, sp, arg_unsigned(sp, ap), 0, 8, 0);
		break;
	case 'p':
		sp->alt = 1;
		fmt_number(o, sp, (uintptr_t)va_arg(*ap, void *), 0, 16, 0);
		break;
	case 's':
		fmt_string(o, sp, va_arg(*ap, const char *));
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		if (!sp->left)
			out_pad(o, ' ', sp->width - 1);
		out_char(o, c);
		if (sp->left)
			out_pad(o, ' ', sp->width - 1);
		break;
	default: /* '%' and unknown conversions are copied */
		out_char(o, '%');
		if (conv != '%')
			out_char(o, conv);
		break;
	}
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size };
	struct spec sp;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &aq);
		if (!*fmt)
			break;
		fmt_one(&o, &sp, *fmt++, &aq);
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
