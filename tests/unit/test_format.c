/*
 * tests/unit/test_format.c: lib/format.c against the host C library's
 * snprintf (C11 7.21.6.1): every integer conversion over a grid of flags,
 * widths, precisions, length modifiers and edge values, then strings,
 * characters, pointers, '*' arguments and truncation at every buffer size.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include "lib/format.h"

#define BUF 160
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Formats with both implementations; the test fails on any difference. */
static void expect_like_libc(const char *fmt, ...)
{
	char want[BUF], got[BUF];
	int nwant, ngot;
	va_list ap, aq;

	va_start(ap, fmt);
	va_copy(aq, ap);
	nwant = vsnprintf(want, sizeof(want), fmt, ap);
	ngot = fmt_vsnprintf(got, sizeof(got), fmt, aq);
	va_end(aq);
	va_end(ap);
	if (nwant != ngot || strcmp(want, got))
		fail_msg("\"%s\": libc gives %d \"%s\", fmt gives %d \"%s\"", fmt, nwant, want,
			 ngot, got);
}

static const char *const lengths[] = { "", "hh", "h", "l", "ll", "z", "t" };
static const char *const widths[] = { "", "1", "6", "24" };
static const char *const precs[] = { "", ".0", ".1", ".5", ".23" };

static const long long values[] = {
	0,	   1,	       -1,	  7,	     -8,
	42,	   127,	       -128,	  128,	     255,
	256,	   32767,      -32768,	  65535,     INT_MAX,
	INT_MIN,   UINT_MAX,   LLONG_MAX, LLONG_MIN, 0x123456789abcdefll,
	-10000000, 0x80000000, 01234567,
};

/* The argument a conversion with this length modifier expects. */
static void expect_signed(const char *fmt, const char *len, long long v)
{
	if (!strcmp(len, "l"))
		expect_like_libc(fmt, (long)v);
	else if (!strcmp(len, "ll"))
		expect_like_libc(fmt, v);
	else if (!strcmp(len, "z"))
		expect_like_libc(fmt, (ssize_t)v);
	else if (!strcmp(len, "t"))
		expect_like_libc(fmt, (ptrdiff_t)v);
	else
		expect_like_libc(fmt, (int)v);
}

static void expect_unsigned(const char *fmt, const char *len, long long v)
{
	if (!strcmp(len, "l"))
		expect_like_libc(fmt, (unsigned long)v);
	else if (!strcmp(len, "ll"))
		expect_like_libc(fmt, (unsigned long long)v);
	else if (!strcmp(len, "z") || !strcmp(len, "t"))
		expect_like_libc(fmt, (size_t)v);
	else
		expect_like_libc(fmt, (unsigned int)v);
}

static void expect_all_values(const char *fmt, const char *len, int is_signed)
{
	for (size_t v = 0; v < NELEM(values); v++)
		if (is_signed)
			expect_signed(fmt, len, values[v]);
		else
			expect_unsigned(fmt, len, values[v]);
}

/*
 * Every subset of the flags in `flags` with every width, precision and length
 * modifier, for conversion conv, over all values. Returns the formats tried.
 */
static int grid(const char *flags, char conv, int is_signed)
{
	const size_t ncombos = NELEM(widths) * NELEM(precs) * NELEM(lengths);
	const size_t nflags = strlen(flags);
	char fmt[32], set[8];
	int tried = 0;

	for (unsigned int mask = 0; mask < 1u << nflags; mask++) {
		size_t n = 0;

		for (size_t i = 0; i < nflags; i++)
			if (mask & 1u << i)
				set[n++] = flags[i];
		set[n] = '\0';
		for (size_t i = 0; i < ncombos; i++) {
			const char *w = widths[i % NELEM(widths)];
			const char *p = precs[i / NELEM(widths) % NELEM(precs)];
			const char *l = lengths[i / NELEM(widths) / NELEM(precs)];

			snprintf(fmt, sizeof(fmt), "[%%%s%s%s%s%c]", set, w, p, l, conv);
			expect_all_values(fmt, l, is_signed);
			tried++;
		}
	}
	return tried;
}

static void signed_conversions_match_libc(void **state)
{
	(void)state;
	assert_int_equal(grid("-0+ ", 'd', 1), 16 * 4 * 5 * 7);
	assert_int_equal(grid("-0+ ", 'i', 1), 16 * 4 * 5 * 7);
}

static void unsigned_conversions_match_libc(void **state)
{
	(void)state;
	assert_int_equal(grid("-0", 'u', 0), 4 * 4 * 5 * 7);
	assert_int_equal(grid("-0#", 'x', 0), 8 * 4 * 5 * 7);
	assert_int_equal(grid("-0#", 'X', 0), 8 * 4 * 5 * 7);
	assert_int_equal(grid("-0#", 'o', 0), 8 * 4 * 5 * 7);
}

static void star_width_and_precision_match_libc(void **state)
{
	(void)state;
	expect_like_libc("[%*d]", 8, 42);
	expect_like_libc("[%*d]", -8, 42);
	expect_like_libc("[%-*d]", -8, 42);
	expect_like_libc("[%0*d]", 8, -42);
	expect_like_libc("[%.*d]", 5, 42);
	expect_like_libc("[%.*d]", -5, 42);
	expect_like_libc("[%0.*d]", -1, 42);
	expect_like_libc("[%*.*x]", 10, 6, 0xbeef);
	expect_like_libc("[%*.*s]", -7, 3, "abcdef");
	expect_like_libc("[%.*s]", 0, "abc");
	expect_like_libc("[%*d|%*d]", 3, 1, -3, 2);
}

static void strings_match_libc(void **state)
{
	static const char *const strs[] = { "", "a", "hello", "a longer string, 31 characters" };
	static const char *const fmts[] = { "[%s]",   "[%10s]",	 "[%-10s]",  "[%.0s]",
					    "[%.3s]", "[%8.2s]", "[%-8.4s]", "[%1s]" };

	(void)state;
	for (size_t f = 0; f < NELEM(fmts); f++)
		for (size_t s = 0; s < NELEM(strs); s++)
			expect_like_libc(fmts[f], strs[s]);
}

static void pointers_match_libc(void **state)
{
	static const uintptr_t ptrs[] = { 1, 0xb8000, 0xffff800000000000, UINTPTR_MAX };

	(void)state;
	for (size_t i = 0; i < NELEM(ptrs); i++) {
		expect_like_libc("[%p]", (void *)ptrs[i]);
		expect_like_libc("[%24p]", (void *)ptrs[i]);
		expect_like_libc("[%-24p]", (void *)ptrs[i]);
		expect_like_libc("[%.12p]", (void *)ptrs[i]);
		expect_like_libc("[%024p]", (void *)ptrs[i]);
	}
}

static void text_percent_and_mixed_formats_match_libc(void **state)
{
	(void)state;
	expect_like_libc("");
	expect_like_libc("no conversions at all");
	expect_like_libc("100%% sure, %%%d%%", 5);
	expect_like_libc("%s=%#lx (%d pages, %-6s|)", "cr3", 0x1000ul, -3, "rw");
	expect_like_libc("cpu%u: apic %#x, %llu ticks, %zu bytes, %td apart", 3u, 0xfeu,
			 123456789012ull, (size_t)4096, (ptrdiff_t)-16);
}

static void truncation_matches_libc_at_every_buffer_size(void **state)
{
	char want[48], got[48];

	(void)state;
	for (size_t size = 0; size <= 34; size++) {
		int nwant, ngot;

		memset(want, 'X', sizeof(want));
		memset(got, 'X', sizeof(got));
		nwant = snprintf(want, size, "frame %#lx of %d: %s", 0x12345000ul, -77, "pool");
		ngot = fmt_snprintf(got, size, "frame %#lx of %d: %s", 0x12345000ul, -77, "pool");
		assert_int_equal(ngot, nwant);
		assert_memory_equal(got, want, sizeof(want)); /* nothing written past size */
	}
}

static void size_zero_writes_nothing_and_returns_the_full_length(void **state)
{
	char buf[4] = "abc";

	(void)state;
	assert_int_equal(fmt_snprintf(NULL, 0, "%d-%s", 12345, "xyz"), 9);
	assert_int_equal(fmt_snprintf(buf, 0, "%d", 7), 1);
	assert_string_equal(buf, "abc");
}

static void output_is_nul_terminated_when_truncated(void **state)
{
	char buf[5];

	(void)state;
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s", "truncated"), 9);
	assert_string_equal(buf, "trun");
	assert_int_equal(fmt_snprintf(buf, 1, "%x", 0xabc), 3);
	assert_string_equal(buf, "");
}

static void null_string_prints_null(void **state)
{
	const char *volatile none = NULL; /* hidden from gcc's format checks */
	char buf[32];

	(void)state;
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "[%s]", none), 8);
	assert_string_equal(buf, "[(null)]");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "[%-8s]", none), 10);
	assert_string_equal(buf, "[(null)  ]");
}

/* glibc prints "(nil)" here; the kernel prints the value like any other. */
static void null_pointer_prints_zero(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "[%p]", NULL), 3);
	assert_string_equal(buf, "[0]");
}

static void unknown_conversion_is_copied_and_trailing_percent_dropped(void **state)
{
	const char *unknown = "[%y]", *trailing = "abc%";
	char buf[32];

	(void)state;
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), unknown, 1), 4);
	assert_string_equal(buf, "[%y]");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), trailing), 3);
	assert_string_equal(buf, "abc");
}

/* C11 7.21.6.1p6: '+' and ' ' are for signed conversions only. */
static void plus_and_space_flags_do_not_apply_to_unsigned(void **state)
{
	const char *plus = "[%+u]", *space = "[% u]";

	(void)state;
	expect_like_libc(plus, 5u);
	expect_like_libc(space, 5u);
}

/* A NUL character is output and counted like any other %c argument. */
static void nul_char_is_written_and_counted(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "a%cb", '\0'), 3);
	assert_memory_equal(buf, "a\0b", 4);
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%3c", '\0'), 3);
	assert_memory_equal(buf, "  \0", 4);
}

/* Placed last: until lib/format.c reads a %c past its byte, ASan stops here. */
static void chars_match_libc(void **state)
{
	(void)state;
	expect_like_libc("[%c]", 'x');
	expect_like_libc("[%5c]", 'x');
	expect_like_libc("[%-5c]", 'x');
	expect_like_libc("[%*c]", 4, 'z');
	expect_like_libc("[%c%c%c]", 'a', 0xe9, '~');
	expect_like_libc("%s=%d%c", "x", 3, '!');
}

/* C11 7.21.6.1p8: with a precision, %s reads no further than that many bytes. */
static void string_precision_bounds_the_bytes_read(void **state)
{
	const char unterminated[3] = { 'a', 'b', 'c' };
	char buf[8];

	(void)state;
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%.3s", unterminated), 3);
	assert_string_equal(buf, "abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(signed_conversions_match_libc),
		cmocka_unit_test(unsigned_conversions_match_libc),
		cmocka_unit_test(star_width_and_precision_match_libc),
		cmocka_unit_test(strings_match_libc),
		cmocka_unit_test(pointers_match_libc),
		cmocka_unit_test(text_percent_and_mixed_formats_match_libc),
		cmocka_unit_test(truncation_matches_libc_at_every_buffer_size),
		cmocka_unit_test(size_zero_writes_nothing_and_returns_the_full_length),
		cmocka_unit_test(output_is_nul_terminated_when_truncated),
		cmocka_unit_test(null_string_prints_null),
		cmocka_unit_test(null_pointer_prints_zero),
		cmocka_unit_test(unknown_conversion_is_copied_and_trailing_percent_dropped),
		cmocka_unit_test(plus_and_space_flags_do_not_apply_to_unsigned),
		cmocka_unit_test(nul_char_is_written_and_counted),
		cmocka_unit_test(chars_match_libc),
		cmocka_unit_test(string_precision_bounds_the_bytes_read),
	};

	return cmocka_run_group_tests_name("test_format", tests, NULL, NULL);
}
