UNIT_DEPS_test_uart16550 := drivers/uart16550.c
UNIT_DEPS_test_rtc_cmos := drivers/rtc_cmos.c
UNIT_DEPS_test_i8254 := drivers/i8254.c
UNIT_DEPS_test_cpu_policy := drivers/cpu_policy.c
UNIT_DEPS_test_iobus := drivers/iobus.c lib/format.c lib/string.c
UNIT_DEPS_test_pc_platform := drivers/pc_platform.c drivers/iobus.c lib/format.c lib/string.c drivers/uart16550.c drivers/i8254.c drivers/rtc_cmos.c drivers/acpi_pm.c
