UNIT_DEPS_test_uart16550 := drivers/uart16550.c
