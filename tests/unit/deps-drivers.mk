UNIT_DEPS_test_uart16550 := drivers/uart16550.c
UNIT_DEPS_test_rtc_cmos := drivers/rtc_cmos.c
UNIT_DEPS_test_i8254 := drivers/i8254.c
UNIT_DEPS_test_cpu_policy := drivers/cpu_policy.c
UNIT_DEPS_test_iobus := drivers/iobus.c
