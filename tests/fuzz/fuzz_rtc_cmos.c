/*
 * tests/fuzz/fuzz_rtc_cmos.c: libFuzzer target of drivers/rtc_cmos.c, the
 * MC146818 RTC and CMOS RAM: index/data ports and time steps from the input.
 */
#include "drivers/rtc_cmos.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct fuzz_vm vm;
	struct rtc_cmos rtc;
	struct dm_io_region r = { .len = RTC_CMOS_REGION_LEN,
				  .read = rtc_cmos_io_read,
				  .write = rtc_cmos_io_write,
				  .dev = &rtc };
	int64_t epoch = (int64_t)fuzz_take(&in, 8);

	fuzz_vm_init(&vm);
	rtc_cmos_init(&rtc, &vm.env, epoch);
	fuzz_io_run(&in, &vm, &r, 1, NULL, NULL);
	return 0;
}
