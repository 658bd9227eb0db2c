/*
 * tests/unit/test_cmdline.c: kernel/cmdline.c, the hypervisor command line:
 * words split on spaces and tabs with double quotes grouping, "name" and
 * "name=value" matched against an option table, every problem warned and
 * counted; and cmdline_parse_uint's digits and overflow.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/cmdline.h"
#include "kernel/errno.h"

/* What the setters and the warn callback saw. */
struct seen {
	unsigned long loglevel;
	int testexit;
	char console[CMDLINE_MAX_WORD];
	int console_calls;
	int nwarn;
	char warn[8][CMDLINE_MAX_WORD * 2 + 64];
};

static int set_loglevel(void *ctx, const char *v)
{
	struct seen *s = ctx;
	unsigned long n;

	if (cmdline_parse_uint(v, &n) || n > 7)
		return -EINVAL;
	s->loglevel = n;
	return 0;
}

static int set_testexit(void *ctx, const char *v)
{
	struct seen *s = ctx;

	assert_null(v);
	s->testexit++;
	return 0;
}

static int set_console(void *ctx, const char *v)
{
	struct seen *s = ctx;

	snprintf(s->console, sizeof(s->console), "%s", v);
	s->console_calls++;
	return 0;
}

static const struct cmdline_opt opts[] = {
	{ "loglevel", 1, set_loglevel, "0-7" },
	{ "testexit", 0, set_testexit, "exit QEMU after the tests" },
	{ "console", 1, set_console, "com1, com2 or vga" },
};

static void warn(void *ctx, const char *msg)
{
	struct seen *s = ctx;

	if (s->nwarn < 8)
		snprintf(s->warn[s->nwarn], sizeof(s->warn[0]), "%s", msg);
	s->nwarn++;
}

static int parse(const char *line, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	return cmdline_parse(line, opts, sizeof(opts) / sizeof(opts[0]), s, warn);
}

static void values_and_flags_reach_their_setters(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(parse("loglevel=4 testexit console=com2", &s), 0);
	assert_int_equal(s.loglevel, 4);
	assert_int_equal(s.testexit, 1);
	assert_string_equal(s.console, "com2");
	assert_int_equal(s.nwarn, 0);
}

static void unknown_option_is_warned_and_parsing_goes_on(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(parse("acpi=dump loglevel=6 mb2dump", &s), 2);
	assert_int_equal(s.loglevel, 6);
	assert_int_equal(s.nwarn, 2);
	assert_string_equal(s.warn[0], "unknown option 'acpi' ignored");
	assert_string_equal(s.warn[1], "unknown option 'mb2dump' ignored");
}

static void option_names_match_whole_words_only(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(parse("log=3 loglevels=3 Loglevel=3", &s), 3);
	assert_int_equal(s.loglevel, 0);
}

static void flag_given_a_value_is_warned(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(parse("testexit=1", &s), 1);
	assert_int_equal(s.testexit, 0);
	assert_string_equal(s.warn[0], "option 'testexit' takes no value; ignored");
}

static void value_option_without_value_is_warned(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(parse("console", &s), 1);
	assert_int_equal(s.console_calls, 0);
	assert_string_equal(s.warn[0], "option 'console' needs a value (name=value); ignored");
}

static void rejected_value_is_warned_with_the_help(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(parse("loglevel=9 loglevel=x loglevel=", &s), 3);
	assert_int_equal(s.loglevel, 0);
	assert_string_equal(s.warn[0], "bad value '9' for option 'loglevel' (0-7) ignored");
	assert_string_equal(s.warn[1], "bad value 'x' for option 'loglevel' (0-7) ignored");
	assert_string_equal(s.warn[2], "bad value '' for option 'loglevel' (0-7) ignored");
}

static void value_is_split_at_the_first_equals_sign(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(parse("console=a=b", &s), 0);
	assert_string_equal(s.console, "a=b");
}

static void quotes_group_spaces_and_are_removed(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(parse("console=\"vga  and com1\" testexit", &s), 0);
	assert_string_equal(s.console, "vga  and com1");
	assert_int_equal(s.testexit, 1);
	assert_int_equal(parse("\"console=x y\"", &s), 0);
	assert_string_equal(s.console, "x y");
	assert_int_equal(parse("console=a\"b\tc\"d", &s), 0);
	assert_string_equal(s.console, "ab\tcd");
	assert_int_equal(parse("console=\"open to the end ", &s), 0);
	assert_string_equal(s.console, "open to the end ");
}

static void many_spaces_and_tabs_separate_words(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(parse("   \t loglevel=2\t\t\ttestexit      console=vga \t ", &s), 0);
	assert_int_equal(s.loglevel, 2);
	assert_int_equal(s.testexit, 1);
	assert_string_equal(s.console, "vga");
}

static void empty_blank_or_null_line_sets_nothing(void **state)
{
	static const char *const lines[] = { "", " ", "\t \t", NULL };
	struct seen s;

	(void)state;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(parse(lines[i], &s), 0);
		assert_int_equal(s.nwarn + s.testexit + s.console_calls, 0);
	}
}

static void word_of_the_maximum_length_is_accepted(void **state)
{
	char line[CMDLINE_MAX_WORD + 16], want[CMDLINE_MAX_WORD];
	struct seen s;

	(void)state;
	/* "console=" and 119 letters: 127 characters, the buffer less its NUL */
	memset(want, 'v', CMDLINE_MAX_WORD - 9);
	want[CMDLINE_MAX_WORD - 9] = '\0';
	snprintf(line, sizeof(line), "console=%s", want);
	assert_int_equal(strlen(line), CMDLINE_MAX_WORD - 1);
	assert_int_equal(parse(line, &s), 0);
	assert_string_equal(s.console, want);
}

static void too_long_word_is_warned_not_cut(void **state)
{
	char line[CMDLINE_MAX_WORD + 32];
	struct seen s;

	(void)state;
	memset(line, 'w', sizeof(line));
	memcpy(line, "console=", 8);
	line[CMDLINE_MAX_WORD + 8] = '\0'; /* 8 characters more than a word may have */
	strcat(line, " testexit");
	assert_int_equal(parse(line, &s), 1);
	assert_int_equal(s.console_calls, 0);
	assert_int_equal(s.testexit, 1);
	assert_string_equal(s.warn[0], "option 'console=wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww...' too "
				       "long; ignored");
}

static void every_problem_is_counted(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(parse("a b=1 testexit=0 console loglevel=8 = testexit", &s), 6);
	assert_int_equal(s.nwarn, 6);
	assert_string_equal(s.warn[5], "unknown option '' ignored");
	assert_int_equal(s.testexit, 1);
}

static void uint_parses_decimal_digits(void **state)
{
	unsigned long v = 99;

	(void)state;
	assert_int_equal(cmdline_parse_uint("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cmdline_parse_uint("007", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(cmdline_parse_uint("4294967296", &v), 0);
	assert_int_equal(v, 4294967296ul);
	assert_int_equal(cmdline_parse_uint("18446744073709551609", &v), 0);
	assert_int_equal(v, 18446744073709551609ul);
}

static void uint_rejects_non_digits_and_leaves_the_output_alone(void **state)
{
	static const char *const bad[] = { "",	 "-1",	     "+1", " 1",  "1 ", "0x10",
					   "1k", "\xd9\xa1", "9a", "1.5", NULL };
	unsigned long v = 1234;

	(void)state;
	for (int i = 0; i < 11; i++)
		assert_int_equal(cmdline_parse_uint(bad[i], &v), -EINVAL);
	assert_int_equal(v, 1234);
}

static void uint_rejects_overflow(void **state)
{
	unsigned long v = 1234;

	(void)state;
	assert_int_equal(cmdline_parse_uint("18446744073709551616", &v), -EINVAL);
	assert_int_equal(cmdline_parse_uint("99999999999999999999", &v), -EINVAL);
	assert_int_equal(cmdline_parse_uint("184467440737095516150", &v), -EINVAL);
	assert_int_equal(v, 1234);
}

/* The overflow check must not cost the top of the range. */
static void uint_accepts_the_largest_unsigned_long(void **state)
{
	unsigned long v = 0;

	(void)state;
	assert_int_equal(cmdline_parse_uint("18446744073709551615", &v), 0);
	assert_int_equal(v, ULONG_MAX);
	assert_int_equal(cmdline_parse_uint("18446744073709551610", &v), 0);
	assert_int_equal(v, ULONG_MAX - 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(values_and_flags_reach_their_setters),
		cmocka_unit_test(unknown_option_is_warned_and_parsing_goes_on),
		cmocka_unit_test(option_names_match_whole_words_only),
		cmocka_unit_test(flag_given_a_value_is_warned),
		cmocka_unit_test(value_option_without_value_is_warned),
		cmocka_unit_test(rejected_value_is_warned_with_the_help),
		cmocka_unit_test(value_is_split_at_the_first_equals_sign),
		cmocka_unit_test(quotes_group_spaces_and_are_removed),
		cmocka_unit_test(many_spaces_and_tabs_separate_words),
		cmocka_unit_test(empty_blank_or_null_line_sets_nothing),
		cmocka_unit_test(word_of_the_maximum_length_is_accepted),
		cmocka_unit_test(too_long_word_is_warned_not_cut),
		cmocka_unit_test(every_problem_is_counted),
		cmocka_unit_test(uint_parses_decimal_digits),
		cmocka_unit_test(uint_rejects_non_digits_and_leaves_the_output_alone),
		cmocka_unit_test(uint_rejects_overflow),
		cmocka_unit_test(uint_accepts_the_largest_unsigned_long),
	};

	return cmocka_run_group_tests_name("test_cmdline", tests, NULL, NULL);
}
