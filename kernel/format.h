/*
 * kernel/format.h: the printf-style formatter used by the console and by
 * every log line. Pure code: it is also compiled into the host unit tests.
 */
#ifndef KERNEL_FORMAT_H
#define KERNEL_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Formats into buf (always NUL-terminated when size > 0) and returns the
 * length the full output would have had, as C99 vsnprintf does.
 * Conversions: %d %i %u %x %X %o %p %s %c %%, with flags '-', '0', ' ', '+',
 * '#', a width and precision (or '*'), and the length modifiers hh h l ll z t.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
