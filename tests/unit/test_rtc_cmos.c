/*
 * tests/unit/test_rtc_cmos.c: drivers/rtc_cmos.c, the CMOS clock at ports
 * 0x70-0x71, driven through its port region as a guest does, on a test clock
 * the rig moves by hand.
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

static void update_in_progress_never_shows(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, 0);
	for (int i = 0; i < 4; i++, r.now_ns += NS / 3)
		assert_int_equal(reg_read(&r, REG_A) & A_UIP, 0);
	reg_write(&r, REG_A, 0xa6);
	assert_int_equal(reg_read(&r, REG_A), 0x26);
	assert_int_equal(reg_read(&r, REG_D), D_VRT);
	assert_int_equal(reg_read(&r, REG_C), 0);
	reg_write(&r, REG_D, 0);
	assert_int_equal(reg_read(&r, REG_D), D_VRT);
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

static void cmos_ram_keeps_bytes_and_ignores_the_nmi_bit(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, 0);
	reg_write(&r, 0x40, 0x5a);
	reg_write(&r, 0x80 | 0x7f, 0xa5);
	assert_int_equal(reg_read(&r, 0x40), 0x5a);
	assert_int_equal(reg_read(&r, 0x7f), 0xa5);
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
		T(update_in_progress_never_shows),
		T(binary_and_12_hour_modes_follow_register_b),
		T(setting_the_time_with_set_moves_the_clock),
		T(one_register_without_set_keeps_the_others),
		T(nonsense_dates_are_clamped),
		T(cmos_ram_keeps_bytes_and_ignores_the_nmi_bit),
		T(other_sizes_and_offsets_are_rejected),
	};

	return cmocka_run_group_tests_name("test_rtc_cmos", tests, NULL, NULL);
}
