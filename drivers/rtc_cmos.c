/*
 * drivers/rtc_cmos.c: the PC CMOS clock, after the Motorola MC146818A data
 * sheet: the address map, the time, calendar and alarm data modes (BCD or
 * binary, 12- or 24-hour), the update cycle (UIP 244 us ahead of it) and
 * registers A-D, with the PC's century byte at 0x32. The time runs from
 * rtc_cmos_init's value on env->clock_ns.
 */
#include "drivers/rtc_cmos.h"

/*
 * Choices:
 * - The update cycle takes no time: the registers change at each second
 *   boundary (a whole number of seconds after init or the last time set) and
 *   UIP (register A bit 7) reads 1 only in the 244 us before one, as on the
 *   chip, so a reader that waits for UIP clear (Linux's mc146818_get_time)
 *   waits at most that long. While SET is held there are no updates and UIP
 *   reads 0. The divider bits of register A are storage: the clock runs.
 * - No interrupts: the alarm registers and register B's enables are storage,
 *   register C reads 0 (no flag is ever set), IRQ 8 is never raised. Linux
 *   boots without it.
 * - Years 1970-9999. Writing the time (with SET, or one register without it)
 *   moves the clock; the new time runs on from there.
 * - Register D reads VRT (valid RAM and time) and ignores writes; every other
 *   byte, 0x0e and 0x0f included, is RAM that reads back what was written.
 */

enum {
	REG_SEC = 0x00,
	REG_MIN = 0x02,
	REG_HOUR = 0x04,
	REG_WDAY = 0x06,
	REG_MDAY = 0x07,
	REG_MONTH = 0x08,
	REG_YEAR = 0x09,
	REG_A = 0x0a,
	REG_B = 0x0b,
	REG_C = 0x0c,
	REG_D = 0x0d,
	REG_CENTURY = 0x32,
};

#define A_UIP 0x80
#define A_DEFAULT 0x26 /* 32.768 kHz time base, 1024 Hz periodic rate */
#define B_SET 0x80
#define B_DM_BINARY 0x04
#define B_24H 0x02
#define D_VRT 0x80 /* valid RAM and time */
#define HOUR_PM 0x80
#define NS_PER_S 1000000000ull
#define UIP_NS 244000ull /* UIP rises this long before an update */
#define SECS_PER_DAY 86400
#define DAYS_PER_400Y 146097 /* any 400 Gregorian years: 97 of them leap */
#define YEAR_MAX 9999

struct rtc_time {
	unsigned int sec, min, hour, wday, mday, month, year; /* month 1-12, year 1970-9999 */
};

static int is_time_reg(unsigned int reg)
{
	return reg == REG_SEC || reg == REG_MIN || reg == REG_HOUR || reg == REG_WDAY ||
	       reg == REG_MDAY || reg == REG_MONTH || reg == REG_YEAR || reg == REG_CENTURY;
}

static int is_leap(unsigned int year)
{
	return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

static unsigned int days_in_month(unsigned int year, unsigned int month)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return days[month - 1] + (month == 2 && is_leap(year));
}

/* Leap years in 1..year-1. */
static int64_t leaps_before(unsigned int year)
{
	unsigned int y = year - 1;

	return y / 4 - y / 100 + y / 400;
}

static int64_t seconds_from_time(const struct rtc_time *t)
{
	int64_t days = 365 * (int64_t)(t->year - 1970) + leaps_before(t->year) - leaps_before(1970);

	for (unsigned int m = 1; m < t->month; m++)
		days += days_in_month(t->year, m);
	days += t->mday - 1;
	return days * SECS_PER_DAY + t->hour * 3600 + t->min * 60 + t->sec;
}

/* s held to the dates the clock can show, 1970-01-01 to the end of YEAR_MAX. */
static int64_t seconds_clamped(int64_t s)
{
	const struct rtc_time last = { 59, 59, 23, 0, 31, 12, YEAR_MAX };

	if (s < 0)
		return 0;
	return s > seconds_from_time(&last) ? seconds_from_time(&last) : s;
}

/* Seconds since 1970 as a date; outside 1970-9999 it stops at the ends. */
static void time_from_seconds(int64_t s, struct rtc_time *t)
{
	uint64_t days;

	s = seconds_clamped(s);
	days = (uint64_t)s / SECS_PER_DAY;
	t->sec = (unsigned int)(s % 60);
	t->min = (unsigned int)(s / 60 % 60);
	t->hour = (unsigned int)(s / 3600 % 24);
	t->wday = (unsigned int)((days + 4) % 7) + 1; /* 1970-01-01 was a Thursday; Sunday is 1 */
	t->year = 1970 + 400 * (unsigned int)(days / DAYS_PER_400Y);
	days %= DAYS_PER_400Y;
	while (days >= 365u + is_leap(t->year)) {
		days -= 365u + is_leap(t->year);
		t->year++;
	}
	for (t->month = 1; days >= days_in_month(t->year, t->month); t->month++)
		days -= days_in_month(t->year, t->month);
	t->mday = (unsigned int)days + 1;
}

static uint8_t to_reg(const struct rtc_cmos *r, unsigned int v)
{
	return (uint8_t)(r->ram[REG_B] & B_DM_BINARY ? v : (v / 10) << 4 | v % 10);
}

static unsigned int from_reg(const struct rtc_cmos *r, uint8_t v)
{
	return r->ram[REG_B] & B_DM_BINARY ? v : (v >> 4) * 10u + (v & 0xf);
}

static uint64_t rtc_clock(const struct rtc_cmos *r)
{
	return r->env->clock_ns ? r->env->clock_ns(r->env->ctx) : 0;
}

static int64_t rtc_now(const struct rtc_cmos *r)
{
	return r->base_s + (int64_t)((rtc_clock(r) - r->base_ns) / NS_PER_S);
}

/* UIP: the next update (a second boundary) is less than 244 us away. */
static int rtc_update_in_progress(const struct rtc_cmos *r)
{
	if (r->ram[REG_B] & B_SET)
		return 0;
	return (rtc_clock(r) - r->base_ns) % NS_PER_S >= NS_PER_S - UIP_NS;
}

/* The running time into the time registers, in the format register B asks for. */
static void rtc_latch(struct rtc_cmos *r)
{
	struct rtc_time t;
	unsigned int hour;

	time_from_seconds(rtc_now(r), &t);
	hour = t.hour;
	if (!(r->ram[REG_B] & B_24H))
		hour = hour % 12 ? hour % 12 : 12;
	r->ram[REG_SEC] = to_reg(r, t.sec);
	r->ram[REG_MIN] = to_reg(r, t.min);
	r->ram[REG_HOUR] = to_reg(r, hour);
	if (!(r->ram[REG_B] & B_24H) && t.hour >= 12)
		r->ram[REG_HOUR] |= HOUR_PM;
	r->ram[REG_WDAY] = to_reg(r, t.wday);
	r->ram[REG_MDAY] = to_reg(r, t.mday);
	r->ram[REG_MONTH] = to_reg(r, t.month);
	r->ram[REG_YEAR] = to_reg(r, t.year % 100);
	r->ram[REG_CENTURY] = to_reg(r, t.year / 100);
}

/* The time registers, as the guest wrote them, become the running time. */
static void rtc_commit(struct rtc_cmos *r)
{
	uint8_t h = r->ram[REG_HOUR];
	struct rtc_time t = { .sec = from_reg(r, r->ram[REG_SEC]) % 60,
			      .min = from_reg(r, r->ram[REG_MIN]) % 60,
			      .mday = from_reg(r, r->ram[REG_MDAY]),
			      .month = from_reg(r, r->ram[REG_MONTH]),
			      .year = from_reg(r, r->ram[REG_CENTURY]) * 100 +
				      from_reg(r, r->ram[REG_YEAR]) % 100 };

	t.hour = from_reg(r, h & (r->ram[REG_B] & B_24H ? 0xff : 0x7f)) % 24;
	if (!(r->ram[REG_B] & B_24H))
		t.hour = t.hour % 12 + (h & HOUR_PM ? 12 : 0);
	if (t.year < 1970)
		t.year = t.year % 100 < 70 ? 2000 + t.year % 100 : 1900 + t.year % 100;
	if (t.year < 1970 || t.year > YEAR_MAX)
		t.year = 1970;
	if (t.month < 1 || t.month > 12)
		t.month = 1;
	if (t.mday < 1 || t.mday > days_in_month(t.year, t.month))
		t.mday = 1;
	r->base_s = seconds_from_time(&t);
	r->base_ns = rtc_clock(r);
}

void rtc_cmos_init(struct rtc_cmos *r, const struct dm_env *env, int64_t unix_seconds)
{
	/* Clamped, so the running time (base_s plus at most 2^64 ns) cannot overflow. */
	*r = (struct rtc_cmos){ .env = env, .base_s = seconds_clamped(unix_seconds) };
	r->base_ns = rtc_clock(r);
	r->ram[REG_A] = A_DEFAULT;
	r->ram[REG_B] = B_24H;
	r->ram[REG_D] = D_VRT;
}

static uint8_t rtc_read_reg(struct rtc_cmos *r, unsigned int reg)
{
	if (is_time_reg(reg) && !(r->ram[REG_B] & B_SET))
		rtc_latch(r);
	if (reg == REG_A)
		return (r->ram[REG_A] & ~A_UIP) | (rtc_update_in_progress(r) ? A_UIP : 0);
	if (reg == REG_C)
		return 0;
	return r->ram[reg];
}

static void rtc_write_reg(struct rtc_cmos *r, unsigned int reg, uint8_t v)
{
	int set = r->ram[REG_B] & B_SET;

	if (reg == REG_C || reg == REG_D)
		return; /* read-only */
	if (reg == REG_B && (v & B_SET) && !set)
		rtc_latch(r); /* the guest sets the clock from what it shows */
	if (reg == REG_B && !(v & B_SET) && set)
		rtc_commit(r); /* read in the data mode the time was written in */
	if (is_time_reg(reg) && !set)
		rtc_latch(r);
	r->ram[reg] = reg == REG_A ? v & ~A_UIP : v;
	if (is_time_reg(reg) && !set)
		rtc_commit(r);
}

int rtc_cmos_io_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	struct rtc_cmos *r = dev;

	if (size != 1 || offset >= RTC_CMOS_REGION_LEN)
		return -EINVAL;
	*value = offset == 0 ? r->index : rtc_read_reg(r, r->index);
	return 0;
}

int rtc_cmos_io_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	struct rtc_cmos *r = dev;

	if (size != 1 || offset >= RTC_CMOS_REGION_LEN)
		return -EINVAL;
	if (offset == 0)
		r->index = value & 0x7f; /* bit 7 is the NMI mask on a PC: not ours */
	else
		rtc_write_reg(r, r->index, (uint8_t)value);
	return 0;
}
