/*
 * tests/unit/test_i8259.c: drivers/i8259.c, the PC/AT's 8259A pair, driven
 * through its ports the way Linux and a test kernel program it: ICW1-ICW4,
 * masks, EOIs, priorities, the cascade, level inputs through the ELCR, the
 * poll command, and the INT line the host sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "drivers/i8259.h"

static struct i8259 pic;
static int intr_level, intr_changes;

static void rig_intr(void *ctx, int level)
{
	(void)ctx;
	intr_level = level;
	intr_changes++;
}

static void out(unsigned int port, uint8_t v)
{
	int rc;

	if (port >= I8259_ELCR_PORT)
		rc = i8259_elcr_write(&pic, port - I8259_ELCR_PORT, 1, v);
	else if (port >= I8259_SLAVE_PORT)
		rc = i8259_slave_write(&pic, port - I8259_SLAVE_PORT, 1, v);
	else
		rc = i8259_master_write(&pic, port - I8259_MASTER_PORT, 1, v);
	assert_int_equal(rc, 0);
}

static uint8_t in(unsigned int port)
{
	uint64_t v = 0;
	int rc;

	if (port >= I8259_ELCR_PORT)
		rc = i8259_elcr_read(&pic, port - I8259_ELCR_PORT, 1, &v);
	else if (port >= I8259_SLAVE_PORT)
		rc = i8259_slave_read(&pic, port - I8259_SLAVE_PORT, 1, &v);
	else
		rc = i8259_master_read(&pic, port - I8259_MASTER_PORT, 1, &v);
	assert_int_equal(rc, 0);
	return (uint8_t)v;
}

static void pulse(unsigned int irq)
{
	i8259_set_irq(&pic, irq, 1);
	i8259_set_irq(&pic, irq, 0);
}

/* Linux's init_8259A: vectors 0x30 and 0x38, cascade on IR2, 8086 mode, then masks. */
static void linux_init(uint8_t mask0, uint8_t mask1)
{
	out(0x21, 0xff);
	out(0xa1, 0xff);
	out(0x20, 0x11);
	out(0x21, 0x30);
	out(0x21, 0x04);
	out(0x21, 0x01);
	out(0xa0, 0x11);
	out(0xa1, 0x38);
	out(0xa1, 0x02);
	out(0xa1, 0x01);
	out(0x21, mask0);
	out(0xa1, mask1);
}

static int rig_setup(void **state)
{
	(void)state;
	intr_level = intr_changes = 0;
	i8259_init(&pic, rig_intr, NULL);
	return 0;
}

static void starts_as_a_bios_leaves_it(void **state)
{
	(void)state;
	assert_int_equal(in(0x21), 0xfb);
	assert_int_equal(in(0xa1), 0xff);
	pulse(0);
	pulse(12);
	assert_int_equal(intr_changes, 0);
	out(0x21, 0xfa); /* unmask IRQ 0: its latched edge asks now */
	assert_int_equal(intr_level, 1);
	assert_int_equal(i8259_ack(&pic), 0x08);
}

static void edge_irq_is_held_in_service_until_eoi(void **state)
{
	(void)state;
	linux_init(0xfe, 0xff);
	pulse(0);
	assert_int_equal(intr_level, 1);
	assert_int_equal(i8259_ack(&pic), 0x30);
	assert_int_equal(intr_level, 0);
	out(0x20, 0x0b); /* OCW3: read ISR */
	assert_int_equal(in(0x20), 0x01);
	pulse(0);
	assert_int_equal(intr_level, 0); /* in service: the same level waits */
	out(0x20, 0x20);		 /* non-specific EOI */
	assert_int_equal(in(0x20), 0x00);
	assert_int_equal(intr_level, 1);
	assert_int_equal(i8259_ack(&pic), 0x30);
}

static void lower_priority_waits_for_the_eoi(void **state)
{
	(void)state;
	linux_init(0x00, 0xff);
	pulse(3);
	pulse(1);
	assert_int_equal(i8259_ack(&pic), 0x31);
	assert_int_equal(intr_level, 0);
	assert_int_equal(i8259_ack(&pic), 0x37); /* an INTA now finds nothing it may give */
	out(0x20, 0x20);
	assert_int_equal(i8259_ack(&pic), 0x33);
}

static void fully_nested_order(void **state)
{
	(void)state;
	linux_init(0x00, 0xff);
	pulse(3);
	assert_int_equal(i8259_ack(&pic), 0x33);
	pulse(5);
	assert_int_equal(intr_level, 0); /* 5 is below 3 in service */
	pulse(1);
	assert_int_equal(intr_level, 1); /* 1 is above it */
	assert_int_equal(i8259_ack(&pic), 0x31);
	out(0x20, 0x20); /* EOI ends 1 */
	assert_int_equal(intr_level, 0);
	out(0x20, 0x63); /* specific EOI of 3 */
	assert_int_equal(intr_level, 1);
	assert_int_equal(i8259_ack(&pic), 0x35);
}

static void slave_irq_goes_through_the_cascade(void **state)
{
	(void)state;
	linux_init(0xfb, 0xfb); /* cascade and IRQ 10 unmasked */
	pulse(10);
	assert_int_equal(intr_level, 1);
	assert_int_equal(i8259_ack(&pic), 0x3a);
	out(0x20, 0x0b);
	out(0xa0, 0x0b);
	assert_int_equal(in(0x20), 0x04);
	assert_int_equal(in(0xa0), 0x04);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	assert_int_equal(in(0x20) | in(0xa0), 0);
}

static void level_irq_asks_again_until_lowered(void **state)
{
	(void)state;
	linux_init(0xfb, 0xfb);
	out(0x4d1, 0x04); /* IRQ 10 level-triggered */
	i8259_set_irq(&pic, 10, 1);
	assert_int_equal(i8259_ack(&pic), 0x3a);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	assert_int_equal(intr_level, 1); /* still high */
	i8259_set_irq(&pic, 10, 0);
	assert_int_equal(intr_level, 0);
	out(0xa0, 0x0a); /* read IRR */
	assert_int_equal(in(0xa0), 0);
}

static void masked_pics_never_raise_int(void **state)
{
	(void)state;
	linux_init(0xff, 0xff);
	for (unsigned int irq = 0; irq < I8259_IRQS; irq++)
		pulse(irq);
	i8259_set_irq(&pic, 9, 1);
	assert_int_equal(intr_changes, 0);
	out(0x20, 0x0a); /* the requests wait in IRR */
	assert_int_equal(in(0x20), 0xfb);
}

static void spurious_ack_gives_ir7(void **state)
{
	(void)state;
	linux_init(0x00, 0x00);
	assert_int_equal(i8259_ack(&pic), 0x37);
	out(0x20, 0x0b);
	assert_int_equal(in(0x20), 0);
}

static void auto_eoi_and_poll(void **state)
{
	(void)state;
	out(0x20, 0x11);
	out(0x21, 0x40);
	out(0x21, 0x04);
	out(0x21, 0x03); /* 8086, AEOI */
	out(0x21, 0x00);
	pulse(4);
	assert_int_equal(i8259_ack(&pic), 0x44);
	out(0x20, 0x0b);
	assert_int_equal(in(0x20), 0); /* nothing in service */
	pulse(6);
	out(0x20, 0x0c); /* poll */
	assert_int_equal(in(0x20), 0x86);
	out(0x20, 0x0c);
	assert_int_equal(in(0x20), 0x00);
}

static void rotation_makes_the_served_irq_lowest(void **state)
{
	(void)state;
	linux_init(0x00, 0xff);
	pulse(1);
	assert_int_equal(i8259_ack(&pic), 0x31);
	out(0x20, 0xa0); /* rotate on non-specific EOI: IR1 becomes the lowest */
	pulse(1);
	pulse(4);
	assert_int_equal(i8259_ack(&pic), 0x34);
	out(0x20, 0xc7); /* set priority: IR7 lowest again */
	out(0x20, 0x20);
	assert_int_equal(i8259_ack(&pic), 0x31);
}

static void elcr_keeps_its_fixed_edge_bits(void **state)
{
	(void)state;
	out(0x4d0, 0xff);
	out(0x4d1, 0xff);
	assert_int_equal(in(0x4d0), 0xf8);
	assert_int_equal(in(0x4d1), 0xde);
}

static void only_byte_accesses(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(i8259_master_read(&pic, 0, 2, &v), -EINVAL);
	assert_int_equal(i8259_slave_write(&pic, 2, 1, 0), -EINVAL);
	assert_int_equal(i8259_elcr_read(&pic, 2, 1, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(starts_as_a_bios_leaves_it, rig_setup),
		cmocka_unit_test_setup(edge_irq_is_held_in_service_until_eoi, rig_setup),
		cmocka_unit_test_setup(lower_priority_waits_for_the_eoi, rig_setup),
		cmocka_unit_test_setup(fully_nested_order, rig_setup),
		cmocka_unit_test_setup(slave_irq_goes_through_the_cascade, rig_setup),
		cmocka_unit_test_setup(level_irq_asks_again_until_lowered, rig_setup),
		cmocka_unit_test_setup(masked_pics_never_raise_int, rig_setup),
		cmocka_unit_test_setup(spurious_ack_gives_ir7, rig_setup),
		cmocka_unit_test_setup(auto_eoi_and_poll, rig_setup),
		cmocka_unit_test_setup(rotation_makes_the_served_irq_lowest, rig_setup),
		cmocka_unit_test_setup(elcr_keeps_its_fixed_edge_bits, rig_setup),
		cmocka_unit_test_setup(only_byte_accesses, rig_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
