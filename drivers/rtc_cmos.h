/*
 * drivers/rtc_cmos.h: the PC's CMOS real-time clock (an MC146818 at ports
 * 0x70-0x71): the time and date registers, registers A-D and 128 bytes of
 * CMOS RAM. One instance per guest.
 */
#ifndef DRIVERS_RTC_CMOS_H
#define DRIVERS_RTC_CMOS_H

#include "drivers/dm_env.h"

#define RTC_CMOS_PORT 0x70
#define RTC_CMOS_REGION_LEN 2
#define RTC_CMOS_RAM_LEN 128

struct rtc_cmos {
	const struct dm_env *env;
	uint8_t index;
	uint8_t ram[RTC_CMOS_RAM_LEN]; /* the time registers hold the latched time */
	int64_t base_s;		       /* the guest's time at base_ns of env->clock_ns */
	uint64_t base_ns;
};

/* unix_seconds: the time the clock shows now (seconds since 1970-01-01 UTC). */
void rtc_cmos_init(struct rtc_cmos *r, const struct dm_env *env, int64_t unix_seconds);
/* The port region at RTC_CMOS_PORT: index (offset 0) and data (offset 1). */
int rtc_cmos_io_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
int rtc_cmos_io_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);

#endif
