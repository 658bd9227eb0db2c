/*
 * tests/unit/test_pc_testdev.c: drivers/pc_testdev.c, QEMU's pc-testdev as
 * kvm-unit-tests drives it: the scratch register at every width and offset
 * (x86/emulator.c's string I/O on 0xe0), the IRQ ports (lib/x86's
 * set_irq_line), the flush port's width, and the lines past the ISA bus.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "drivers/pc_testdev.h"

static struct pc_testdev t;
static unsigned int last_line, calls;
static int last_level;

static void set_irq(void *ctx, unsigned int line, int level)
{
	(void)ctx;
	last_line = line, last_level = level, calls++;
}

static const struct dm_env env = { .set_irq = set_irq };

static int rig_setup(void **state)
{
	(void)state;
	pc_testdev_init(&t, &env);
	calls = 0;
	return 0;
}

static uint64_t rd(uint64_t off, unsigned int size)
{
	uint64_t v = ~0ull;

	assert_int_equal(pc_testdev_reg_read(&t, off, size, &v), 0);
	return v;
}

static void a_dword_reads_back_at_every_width(void **state)
{
	(void)state;
	assert_int_equal(pc_testdev_reg_write(&t, 0, 4, 0x11223344u), 0);
	assert_int_equal(rd(0, 4), 0x11223344u);
	assert_int_equal(rd(0, 1), 0x44);
	assert_int_equal(rd(3, 1), 0x11);
	assert_int_equal(rd(2, 2), 0x1122);
	assert_int_equal(rd(1, 4), 0x112233); /* bytes past the register read 0 */
}

static void a_byte_write_changes_only_its_byte(void **state)
{
	(void)state;
	assert_int_equal(pc_testdev_reg_write(&t, 0, 4, 0x11223344u), 0);
	assert_int_equal(pc_testdev_reg_write(&t, 1, 1, 0xab), 0);
	assert_int_equal(rd(0, 4), 0x1122ab44u);
	assert_int_equal(pc_testdev_reg_write(&t, 2, 4, 0xdeadbeefu), 0); /* upper half dropped */
	assert_int_equal(rd(0, 4), 0xbeefab44u);
	assert_int_equal(pc_testdev_reg_write(&t, 4, 1, 0), -EINVAL);
}

static void string_output_leaves_the_last_byte(void **state)
{
	static const char s[] = "abcdefghijklmnop";

	(void)state;
	for (unsigned int i = 0; i < sizeof(s) - 1; i++)
		assert_int_equal(pc_testdev_reg_write(&t, 0, 1, (uint8_t)s[i]), 0);
	assert_int_equal(rd(0, 1), 'p');
}

static void an_irq_port_sets_its_line(void **state)
{
	(void)state;
	assert_int_equal(pc_testdev_irq_write(&t, 14, 1, 1), 0);
	assert_int_equal(last_line, 14);
	assert_int_equal(last_level, 1);
	assert_int_equal(t.lines, 1u << 14);
	assert_int_equal(pc_testdev_irq_write(&t, 14, 1, 0x80), 0); /* any non-zero byte */
	assert_int_equal(last_level, 1);
	assert_int_equal(pc_testdev_irq_write(&t, 14, 1, 0), 0);
	assert_int_equal(last_level, 0);
	assert_int_equal(t.lines, 0);
	assert_int_equal(calls, 3);
}

static void lines_past_isa_and_wide_writes_are_dropped(void **state)
{
	(void)state;
	assert_int_equal(pc_testdev_irq_write(&t, 16, 1, 1), -EINVAL);
	assert_int_equal(pc_testdev_irq_write(&t, 23, 1, 1), -EINVAL);
	assert_int_equal(pc_testdev_irq_write(&t, 3, 2, 1), -EINVAL);
	assert_int_equal(calls, 0);
	assert_int_equal(t.dropped_irq, 3);
}

static void the_flush_port_takes_dwords_only(void **state)
{
	(void)state;
	assert_int_equal(pc_testdev_flush_write(&t, 0, 4, 0x1000), 0);
	assert_int_equal(pc_testdev_flush_write(&t, 0, 1, 0x1000), -EINVAL);
	assert_int_equal(t.flushes, 1);
}

#define T(f) cmocka_unit_test_setup(f, rig_setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(a_dword_reads_back_at_every_width),
		T(a_byte_write_changes_only_its_byte),
		T(string_output_leaves_the_last_byte),
		T(an_irq_port_sets_its_line),
		T(lines_past_isa_and_wide_writes_are_dropped),
		T(the_flush_port_takes_dwords_only),
	};

	return cmocka_run_group_tests_name("test_pc_testdev", tests, NULL, NULL);
}
