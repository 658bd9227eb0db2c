/*
 * tests/unit/test_iobus.c: drivers/iobus.c, a guest's I/O bus: overlapping
 * ranges are refused and the clash named, lookups at a range's first and last
 * address, open-bus reads (all ones at every width) and dropped writes for
 * unclaimed addresses, a refused access read as open bus, and the counters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "drivers/iobus.h"

struct fake {
	uint64_t last_off, last_value;
	unsigned int last_size, writes;
};

static int fake_read(void *dev, uint64_t off, unsigned int size, uint64_t *value)
{
	struct fake *f = dev;

	f->last_off = off, f->last_size = size;
	*value = 0x1122334455667788ull;
	return 0;
}

static int fake_write(void *dev, uint64_t off, unsigned int size, uint64_t value)
{
	struct fake *f = dev;

	f->last_off = off, f->last_size = size, f->last_value = value, f->writes++;
	return 0;
}

static int refuse_read(void *dev, uint64_t off, unsigned int size, uint64_t *value)
{
	(void)dev, (void)off, (void)size;
	*value = 0;
	return -EINVAL;
}

static unsigned int locks, unlocks;

static uint64_t count_lock(void *ctx)
{
	(void)ctx;
	locks++;
	return 42;
}

static void count_unlock(void *ctx, uint64_t flags)
{
	(void)ctx;
	assert_int_equal(flags, 42);
	unlocks++;
}

static struct fake dev_a, dev_b;
static const struct dm_io_region com1 = { "com1",    DM_SPACE_PIO, 0x3f8, 8,
					  fake_read, fake_write,   &dev_a };
static const struct dm_io_region ioapic = { "ioapic",  DM_SPACE_MMIO, 0xfec00000, 0x1000,
					    fake_read, fake_write,    &dev_b };

static void overlap_is_refused_and_named(void **state)
{
	struct iobus bus;
	const struct dm_io_region *clash = NULL;
	const struct dm_io_region other = { "other", DM_SPACE_PIO, 0x3ff, 2, NULL, NULL, NULL };
	const struct dm_io_region below = { "below", DM_SPACE_PIO, 0x3f0, 8, NULL, NULL, NULL };
	const struct dm_io_region mmio_same = { "m", DM_SPACE_MMIO, 0x3f8, 8, NULL, NULL, NULL };

	(void)state;
	iobus_init(&bus, NULL, NULL, NULL);
	assert_int_equal(iobus_register(&bus, &com1, &clash), 0);
	assert_int_equal(iobus_register(&bus, &other, &clash), -EBUSY);
	assert_non_null(clash);
	assert_string_equal(clash->name, "com1");
	assert_int_equal(iobus_register(&bus, &com1, NULL), -EBUSY);
	/* touching ranges and the same numbers in the other space do not clash */
	assert_int_equal(iobus_register(&bus, &below, &clash), 0);
	assert_int_equal(iobus_register(&bus, &mmio_same, &clash), 0);
	assert_int_equal(bus.ndev, 3);
}

static void empty_wrapping_and_full_are_refused(void **state)
{
	struct iobus bus;
	struct dm_io_region r = { "r", DM_SPACE_MMIO, ~0ull - 1, 4, NULL, NULL, NULL };

	(void)state;
	iobus_init(&bus, NULL, NULL, NULL);
	assert_int_equal(iobus_register(&bus, &r, NULL), -EINVAL);
	r.base = 0, r.len = 0;
	assert_int_equal(iobus_register(&bus, &r, NULL), -EINVAL);
	r.len = 1;
	for (unsigned int i = 0; i < IOBUS_MAX_DEVICES; i++, r.base++)
		assert_int_equal(iobus_register(&bus, &r, NULL), 0);
	assert_int_equal(iobus_register(&bus, &r, NULL), -ENOSPC);
}

static void lookup_holds_at_the_edges(void **state)
{
	struct iobus bus;

	(void)state;
	iobus_init(&bus, NULL, NULL, NULL);
	assert_int_equal(iobus_register(&bus, &com1, NULL), 0);
	assert_int_equal(iobus_register(&bus, &ioapic, NULL), 0);
	assert_null(iobus_find(&bus, DM_SPACE_PIO, 0x3f7));
	assert_string_equal(iobus_find(&bus, DM_SPACE_PIO, 0x3f8)->r.name, "com1");
	assert_string_equal(iobus_find(&bus, DM_SPACE_PIO, 0x3ff)->r.name, "com1");
	assert_null(iobus_find(&bus, DM_SPACE_PIO, 0x400));
	assert_null(iobus_find(&bus, DM_SPACE_MMIO, 0x3f8));
	assert_string_equal(iobus_find(&bus, DM_SPACE_MMIO, 0xfec00fff)->r.name, "ioapic");
	assert_null(iobus_find(&bus, DM_SPACE_MMIO, 0xfec01000));
	iobus_write(&bus, DM_SPACE_PIO, 0x3ff, 1, 0x1ab);
	assert_int_equal(dev_a.last_off, 7);
	assert_int_equal(dev_a.last_value, 0xab); /* masked to the width */
}

static void open_bus_reads_all_ones_at_every_width(void **state)
{
	struct iobus bus;

	(void)state;
	iobus_init(&bus, NULL, NULL, NULL);
	assert_int_equal(iobus_read(&bus, DM_SPACE_PIO, 0x80, 1), 0xff);
	assert_int_equal(iobus_read(&bus, DM_SPACE_PIO, 0x80, 2), 0xffff);
	assert_int_equal(iobus_read(&bus, DM_SPACE_PIO, 0x80, 4), 0xffffffffull);
	assert_true(iobus_read(&bus, DM_SPACE_MMIO, 0x1000, 8) == ~0ull);
	iobus_write(&bus, DM_SPACE_PIO, 0x80, 1, 0);
	assert_int_equal(bus.unclaimed[DM_SPACE_PIO], 4);
	assert_int_equal(bus.unclaimed[DM_SPACE_MMIO], 1);
}

static void claimed_reads_are_masked_and_refusals_float(void **state)
{
	struct iobus bus;
	const struct dm_io_region picky = {
		"picky", DM_SPACE_PIO, 0x70, 2, refuse_read, NULL, NULL
	};

	(void)state;
	iobus_init(&bus, NULL, NULL, NULL);
	assert_int_equal(iobus_register(&bus, &com1, NULL), 0);
	assert_int_equal(iobus_register(&bus, &picky, NULL), 0);
	assert_int_equal(iobus_read(&bus, DM_SPACE_PIO, 0x3f9, 2), 0x7788);
	assert_int_equal(dev_a.last_size, 2);
	assert_int_equal(iobus_read(&bus, DM_SPACE_PIO, 0x71, 1), 0xff);
	iobus_write(&bus, DM_SPACE_PIO, 0x70, 1, 5); /* no write hook: dropped */
	assert_int_equal(iobus_find(&bus, DM_SPACE_PIO, 0x70)->writes, 1);
}

static void counters_count_reads_writes_and_unclaimed(void **state)
{
	struct iobus bus;
	int lapic;

	(void)state;
	locks = unlocks = 0;
	iobus_init(&bus, NULL, count_lock, count_unlock);
	lapic = iobus_add_counter(&bus, "lapic-page");
	assert_int_equal(lapic, 0);
	assert_int_equal(iobus_register(&bus, &com1, NULL), 0);
	assert_null(iobus_find(&bus, DM_SPACE_MMIO, 0)); /* a counter has no range */
	iobus_read(&bus, DM_SPACE_PIO, 0x3f8, 1);
	iobus_read(&bus, DM_SPACE_PIO, 0x3fd, 1);
	iobus_write(&bus, DM_SPACE_PIO, 0x3f8, 1, 'x');
	iobus_write(&bus, DM_SPACE_MMIO, 0xfee00000, 4, 0);
	iobus_count(&bus, lapic, 1);
	iobus_count(&bus, lapic, 0);
	assert_int_equal(bus.dev[1].reads, 2);
	assert_int_equal(bus.dev[1].writes, 1);
	assert_int_equal(bus.dev[0].reads, 1);
	assert_int_equal(bus.dev[0].writes, 1);
	assert_int_equal(bus.unclaimed[DM_SPACE_PIO], 0);
	assert_int_equal(bus.unclaimed[DM_SPACE_MMIO], 1);
	assert_int_equal(locks, 3); /* around each device call, not unclaimed ones */
	assert_int_equal(unlocks, 3);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(overlap_is_refused_and_named),
		T(empty_wrapping_and_full_are_refused),
		T(lookup_holds_at_the_edges),
		T(open_bus_reads_all_ones_at_every_width),
		T(claimed_reads_are_masked_and_refusals_float),
		T(counters_count_reads_writes_and_unclaimed),
	};

	return cmocka_run_group_tests_name("test_iobus", tests, NULL, NULL);
}
