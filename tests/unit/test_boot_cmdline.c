/*
 * tests/unit/test_boot_cmdline.c: drivers/firmware/boot_cmdline.c, the
 * Multiboot command line with the image's name as argv[0], as GRUB gives it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "drivers/dm_env.h"
#include "drivers/firmware/boot_cmdline.h"

static void name_then_the_arguments(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(fw_boot_cmdline(buf, sizeof(buf), "pcplat", "cpus=2 x=1"), 0);
	assert_string_equal(buf, "pcplat cpus=2 x=1");
	assert_int_equal(fw_boot_cmdline(buf, sizeof(buf), "/guests/hello.elf", ""), 0);
	assert_string_equal(buf, "/guests/hello.elf");
	assert_int_equal(fw_boot_cmdline(buf, sizeof(buf), "hello", NULL), 0);
	assert_string_equal(buf, "hello");
}

static void exactly_full_fits_one_more_does_not(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(fw_boot_cmdline(buf, sizeof(buf), "abc", "def"), 0);
	assert_string_equal(buf, "abc def");
	assert_int_equal(fw_boot_cmdline(buf, sizeof(buf), "abc", "defg"), -E2BIG);
	assert_int_equal(fw_boot_cmdline(buf, 0, "a", ""), -E2BIG);
}

static void a_name_is_one_word(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(fw_boot_cmdline(buf, sizeof(buf), "", "x"), -EINVAL);
	assert_int_equal(fw_boot_cmdline(buf, sizeof(buf), "a b", "x"), -EINVAL);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(name_then_the_arguments),
		cmocka_unit_test(exactly_full_fits_one_more_does_not),
		cmocka_unit_test(a_name_is_one_word),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
