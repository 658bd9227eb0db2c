/*
 * tests/unit/test_rtc_cmos.c: drivers/rtc_cmos.c, the CMOS clock at ports
 * 0x70-0x71, driven through its port region as a guest does, on a test clock
 * the rig moves by hand: time and date in both data modes and hour formats,
 * the UIP window, registers C and D, setting the clock, plain CMOS bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "drivers/rtc_cmos.h"

enum { SEC = 0, MIN = 2, HOUR = 4, WDAY = 6, MDAY = 7, MONTH = 8, YEAR = 9 };
enum { REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d, CENTURY = 0x32 };
enum { B_SET = 0x80, B_BINARY = 0x04, B_24H = 0x02, A_UIP = 0x80, D_VRT = 0x80 };

#define NS 1000000000ull
#define LEAP_DAY_2024_235958 1709251198 /* 2024-02-29 23:59:58 UTC, a Thursday */

struct rig {
	struct dm_env env;
	struct rtc_cmos rtc;
	uint64_t now_ns;
};

static uint64_t rig_clock(void *ctx)
{
	return ((struct rig *)ctx)->now_ns;
}

static void rig_init(struct rig *r, int64_t unix_seconds)
{
	*r = (struct rig){ .now_ns = 5 * NS };
	r->env = (struct dm_env){ .ctx = r, .clock_ns = rig_clock };
	rtc_cmos_init(&r->rtc, &r->env, unix_seconds);
}

static uint8_t reg_read(struct rig *r, uint8_t reg)
{
	uint64_t v = 0;

	assert_int_equal(rtc_cmos_io_write(&r->rtc, 0, 1, reg), 0);
	assert_int_equal(rtc_cmos_io_read(&r->rtc, 1, 1, &v), 0);
	return (uint8_t)v;
}

static void reg_write(struct rig *r, uint8_t reg, uint8_t v)
{
	assert_int_equal(rtc_cmos_io_write(&r->rtc, 0, 1, reg), 0);
	assert_int_equal(rtc_cmos_io_write(&r->rtc, 1, 1, v), 0);
}

static void time_reads_in_bcd_and_24h_by_default(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, LEAP_DAY_2024_235958);
	assert_int_equal(reg_read(&r, SEC), 0x58);
	assert_int_equal(reg_read(&r, MIN), 0x59);
	assert_int_equal(reg_read(&r, HOUR), 0x23);
	assert_int_equal(reg_read(&r, WDAY), 5); /* Sunday is 1 */
	assert_int_equal(reg_read(&r, MDAY), 0x29);
	assert_int_equal(reg_read(&r, MONTH), 0x02);
	assert_int_equal(reg_read(&r, YEAR), 0x24);
	assert_int_equal(reg_read(&r, CENTURY), 0x20);
}

static void time_runs_on_the_clock_across_a_leap_day(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, LEAP_DAY_2024_235958);
	r.now_ns += 2 * NS + NS / 2;
	assert_int_equal(reg_read(&r, SEC), 0x00);
	assert_int_equal(reg_read(&r, HOUR), 0x00);
	assert_int_equal(reg_read(&r, MDAY), 0x01);
	assert_int_equal(reg_read(&r, MONTH), 0x03);
	assert_int_equal(reg_read(&r, WDAY), 6);
}

static void dates_follow_the_gregorian_leap_rules(void **state)
{
	static const struct {
		int64_t unix_seconds;
		uint8_t century, year, month, mday, wday, hour;
	} cases[] = {
		{ 951782400, 0x20, 0x00, 0x02, 0x29, 3, 0x00 },	  /* 2000-02-29: a leap century */
		{ 4107542400, 0x21, 0x00, 0x03, 0x01, 2, 0x00 },  /* 2100-03-01: 2100 is not leap */
		{ 13574606400, 0x24, 0x00, 0x02, 0x29, 3, 0x12 }, /* 2400-02-29 12:00 */
		{ 0, 0x19, 0x70, 0x01, 0x01, 5, 0x00 },		  /* the epoch, a Thursday */
	};
	struct rig r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rig_init(&r, cases[i].unix_seconds);
		assert_int_equal(reg_read(&r, CENTURY), cases[i].century);
		assert_int_equal(reg_read(&r, YEAR), cases[i].year);
		assert_int_equal(reg_read(&r, MONTH), cases[i].month);
		assert_int_equal(reg_read(&r, MDAY), cases[i].mday);
		assert_int_equal(reg_read(&r, WDAY), cases[i].wday);
		assert_int_equal(reg_read(&r, HOUR), cases[i].hour);
		assert_int_equal(reg_read(&r, MIN), 0);
		assert_int_equal(reg_read(&r, SEC), 0);
	}
}

static void century_turns_with_the_year(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, 946684799); /* 1999-12-31 23:59:59 */
	assert_int_equal(reg_read(&r, CENTURY), 0x19);
	r.now_ns += NS;
	assert_int_equal(reg_read(&r, CENTURY), 0x20);
	assert_int_equal(reg_read(&r, YEAR), 0x00);
	assert_int_equal(reg_read(&r, MONTH), 0x01);
	assert_int_equal(reg_read(&r, MDAY), 0x01);
	assert_int_equal(reg_read(&r, HOUR), 0x00);
}

static void uip_shows_in_the_last_244us_before_each_second(void **state)
{
	struct rig r;
	uint64_t t;

	(void)state;
	rig_init(&r, LEAP_DAY_2024_235958);
	t = r.now_ns;
	for (uint64_t s = 0; s < 3; s++) {
		r.now_ns = t + s * NS;
		assert_int_equal(reg_read(&r, REG_A) & A_UIP, 0);
		r.now_ns = t + (s + 1) * NS - 244001;
		assert_int_equal(reg_read(&r, REG_A), 0x26);
		assert_int_equal(reg_read(&r, SEC), s == 0 ? 0x58 : s == 1 ? 0x59 : 0x00);
		r.now_ns += 1;
		assert_int_equal(reg_read(&r, REG_A), A_UIP | 0x26);
		r.now_ns = t + (s + 1) * NS - 1;
		assert_int_equal(reg_read(&r, REG_A) & A_UIP, A_UIP);
	}
	r.now_ns = t + 3 * NS;
	assert_int_equal(reg_read(&r, REG_A) & A_UIP, 0);
	assert_int_equal(reg_read(&r, SEC), 0x01); /* the update came at the boundary */
	r.now_ns = t + 4 * NS - 1000;
	reg_write(&r, REG_B, B_24H | B_SET); /* no updates while SET is held */
	assert_int_equal(reg_read(&r, REG_A) & A_UIP, 0);
	reg_write(&r, REG_A, 0xa6); /* UIP is read-only */
	reg_write(&r, REG_B, B_24H);
	assert_int_equal(reg_read(&r, REG_A), 0x26);
}

static void register_c_reads_0_and_register_d_valid(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, 0);
	reg_write(&r, REG_B, 0x70 | B_24H); /* periodic, alarm, update interrupts: no effect */
	r.now_ns += 3 * NS;
	assert_int_equal(reg_read(&r, REG_C), 0);
	assert_int_equal(reg_read(&r, REG_C), 0);
	assert_int_equal(reg_read(&r, REG_B), 0x70 | B_24H);
	assert_int_equal(reg_read(&r, REG_D), D_VRT);
	reg_write(&r, REG_D, 0);
	reg_write(&r, REG_C, 0xff);
	assert_int_equal(reg_read(&r, REG_D), D_VRT);
	assert_int_equal(reg_read(&r, REG_C), 0);
}

static void binary_and_12_hour_modes_follow_register_b(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, 946645509); /* 1999-12-31 13:05:09 */
	reg_write(&r, REG_B, B_BINARY);
	assert_int_equal(reg_read(&r, HOUR), 0x80 | 1);
	assert_int_equal(reg_read(&r, SEC), 9);
	assert_int_equal(reg_read(&r, YEAR), 99);
	assert_int_equal(reg_read(&r, CENTURY), 19);
	reg_write(&r, REG_B, 0);
	assert_int_equal(reg_read(&r, HOUR), 0x81);
	assert_int_equal(reg_read(&r, MDAY), 0x31);
	reg_write(&r, REG_B, B_BINARY | B_24H);
	assert_int_equal(reg_read(&r, HOUR), 13);
	assert_int_equal(reg_read(&r, MDAY), 31);
}

static void twelve_hour_mode_has_12_am_and_12_pm(void **state)
{
	static const struct {
		int64_t unix_seconds;
		uint8_t hour;
	} cases[] = {
		{ 0, 0x12 },		/* 00:00 is 12 AM */
		{ 3600, 0x01 },		/* 01:00 AM */
		{ 43200, 0x80 | 0x12 }, /* 12:00 is 12 PM */
		{ 82800, 0x80 | 0x11 }, /* 23:00 is 11 PM */
	};
	struct rig r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rig_init(&r, cases[i].unix_seconds);
		reg_write(&r, REG_B, 0);
		assert_int_equal(reg_read(&r, HOUR), cases[i].hour);
	}
}

static void setting_12_hour_pm_time_in_binary(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, 0);
	reg_write(&r, REG_B, B_BINARY);
	reg_write(&r, REG_B, B_SET | B_BINARY);
	reg_write(&r, HOUR, 0x80 | 12); /* 12 PM */
	reg_write(&r, MIN, 34);
	reg_write(&r, SEC, 56);
	reg_write(&r, REG_B, B_BINARY | B_24H); /* the time was written in 12-hour mode */
	assert_int_equal(reg_read(&r, HOUR), 12);
	assert_int_equal(reg_read(&r, MIN), 34);
	assert_int_equal(reg_read(&r, SEC), 56);
	assert_int_equal(reg_read(&r, YEAR), 70);
}

static void setting_the_time_with_set_moves_the_clock(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, LEAP_DAY_2024_235958);
	reg_write(&r, REG_B, B_24H | B_SET);
	reg_write(&r, SEC, 0x30);
	reg_write(&r, MIN, 0x15);
	reg_write(&r, HOUR, 0x08);
	reg_write(&r, MDAY, 0x31);
	reg_write(&r, MONTH, 0x12);
	reg_write(&r, YEAR, 0x30);
	r.now_ns += 10 * NS; /* frozen while SET */
	assert_int_equal(reg_read(&r, SEC), 0x30);
	reg_write(&r, REG_B, B_24H);
	r.now_ns += 3 * NS;
	assert_int_equal(reg_read(&r, SEC), 0x33);
	assert_int_equal(reg_read(&r, MIN), 0x15);
	assert_int_equal(reg_read(&r, MDAY), 0x31);
	assert_int_equal(reg_read(&r, MONTH), 0x12);
	assert_int_equal(reg_read(&r, YEAR), 0x30);
	assert_int_equal(reg_read(&r, CENTURY), 0x20);
}

static void setting_a_date_past_2100_keeps_it(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, 0);
	reg_write(&r, REG_B, B_24H | B_SET);
	reg_write(&r, CENTURY, 0x21);
	reg_write(&r, YEAR, 0x04);
	reg_write(&r, MONTH, 0x02);
	reg_write(&r, MDAY, 0x29);
	reg_write(&r, HOUR, 0x23);
	reg_write(&r, MIN, 0x59);
	reg_write(&r, SEC, 0x59);
	reg_write(&r, REG_B, B_24H);
	r.now_ns += NS;
	assert_int_equal(reg_read(&r, CENTURY), 0x21);
	assert_int_equal(reg_read(&r, YEAR), 0x04);
	assert_int_equal(reg_read(&r, MONTH), 0x03);
	assert_int_equal(reg_read(&r, MDAY), 0x01);
	assert_int_equal(reg_read(&r, HOUR), 0x00);
	assert_int_equal(reg_read(&r, WDAY), 7); /* 2104-03-01 is a Saturday */
}

static void one_register_without_set_keeps_the_others(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, LEAP_DAY_2024_235958);
	reg_write(&r, MIN, 0x10);
	assert_int_equal(reg_read(&r, MIN), 0x10);
	assert_int_equal(reg_read(&r, HOUR), 0x23);
	assert_int_equal(reg_read(&r, MDAY), 0x29);
}

static void nonsense_dates_are_clamped(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, 0);
	reg_write(&r, REG_B, B_24H | B_SET);
	reg_write(&r, MONTH, 0x13);
	reg_write(&r, MDAY, 0x45);
	reg_write(&r, REG_B, B_24H);
	assert_int_equal(reg_read(&r, MONTH), 0x01);
	assert_int_equal(reg_read(&r, MDAY), 0x01);
	assert_int_equal(reg_read(&r, YEAR), 0x70);
}

/* The fuzzer's find: a start time near INT64_MAX overflowed the running time. Times
 * outside 1970-9999 start at its ends, and the clock runs on without overflow. */
static void start_times_outside_the_range_are_clamped(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, INT64_MAX - 65535);
	r.now_ns += 100000 * NS; /* past INT64_MAX from the old start */
	assert_int_equal(reg_read(&r, YEAR), 0x99);
	assert_int_equal(reg_read(&r, CENTURY), 0x99);
	assert_int_equal(reg_read(&r, MONTH), 0x12);
	rig_init(&r, INT64_MIN);
	assert_int_equal(reg_read(&r, YEAR), 0x70);
	assert_int_equal(reg_read(&r, CENTURY), 0x19);
	assert_int_equal(reg_read(&r, MDAY), 0x01);
}

static void cmos_ram_keeps_bytes_and_ignores_the_nmi_bit(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, 0);
	reg_write(&r, 0x40, 0x5a);
	reg_write(&r, 0x80 | 0x7f, 0xa5);
	reg_write(&r, 0x0e, 0x3c); /* the PC's diagnostic and shutdown status bytes */
	reg_write(&r, 0x0f, 0x0a);
	assert_int_equal(reg_read(&r, 0x40), 0x5a);
	assert_int_equal(reg_read(&r, 0x7f), 0xa5);
	assert_int_equal(reg_read(&r, 0x80 | 0x40), 0x5a);
	assert_int_equal(reg_read(&r, 0x0e), 0x3c);
	assert_int_equal(reg_read(&r, 0x0f), 0x0a);
	assert_int_equal(reg_read(&r, 0x80 | SEC), 0x00); /* the seconds, NMI bit or not */
}

static void other_sizes_and_offsets_are_rejected(void **state)
{
	struct rig r;
	uint64_t v;

	(void)state;
	rig_init(&r, 0);
	assert_int_equal(rtc_cmos_io_read(&r.rtc, 0, 2, &v), -EINVAL);
	assert_int_equal(rtc_cmos_io_read(&r.rtc, 2, 1, &v), -EINVAL);
	assert_int_equal(rtc_cmos_io_write(&r.rtc, 1, 4, 0), -EINVAL);
}

int main(void)
{
#define T(f) cmocka_unit_test(f)
	const struct CMUnitTest tests[] = {
		T(time_reads_in_bcd_and_24h_by_default),
		T(time_runs_on_the_clock_across_a_leap_day),
		T(dates_follow_the_gregorian_leap_rules),
		T(century_turns_with_the_year),
		T(uip_shows_in_the_last_244us_before_each_second),
		T(register_c_reads_0_and_register_d_valid),
		T(binary_and_12_hour_modes_follow_register_b),
		T(twelve_hour_mode_has_12_am_and_12_pm),
		T(setting_12_hour_pm_time_in_binary),
		T(setting_the_time_with_set_moves_the_clock),
		T(setting_a_date_past_2100_keeps_it),
		T(one_register_without_set_keeps_the_others),
		T(nonsense_dates_are_clamped),
		T(start_times_outside_the_range_are_clamped),
		T(cmos_ram_keeps_bytes_and_ignores_the_nmi_bit),
		T(other_sizes_and_offsets_are_rejected),
	};

	return cmocka_run_group_tests_name("test_rtc_cmos", tests, NULL, NULL);
}
