/*
 * lib/format.h: the printf-style formatter every program shares: the kernel's
 * console and log lines, bivisor.efi, the test guests, the guest loaders'
 * error messages (also in bvm). Freestanding and pure; its names are fmt_*,
 * never the C library's, so it links beside glibc in bvm and the unit tests.
 * The format attribute lets -Wformat check every call.
 */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Formats into buf (always NUL-terminated when size > 0) and returns the
 * length the full output would have had, as C99 vsnprintf does.
 * Conversions: %d %i %u %x %X %o %p %s %c %%, with flags '-', '0', ' ', '+',
 * '#', a width and precision (or '*'), and the length modifiers hh h l ll z t.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
