/*
 * tests/unit/test_pc_platform.c: drivers/pc_platform.c, the PC's legacy
 * port map both modes use: every device at its port with its size, none
 * overlapping on a bus (all of them at once too), and only the devices a
 * guest has.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/iobus.h"
#include "drivers/pc_platform.h"

static struct uart16550 com1;
static struct i8254 pit;
static struct rtc_cmos rtc;
static struct acpi_pm pm;

static int reset_write(void *dev, uint64_t off, unsigned int size, uint64_t value)
{
	(void)dev, (void)off, (void)size, (void)value;
	return 0;
}

static void every_device_at_its_port_with_its_size(void **state)
{
	static const struct {
		const char *name;
		uint64_t port, len;
	} want[] = {
		{ "com1", 0x3f8, 8 },	  { "pit", 0x40, 4 },	    { "port61", 0x61, 1 },
		{ "rtc", 0x70, 2 },	  { "pm1a-evt", 0x600, 4 }, { "pm1a-cnt", 0x604, 2 },
		{ "pm-timer", 0x608, 4 }, { "reset", 0xcf9, 1 },
	};
	const struct pc_platform p = {
		.com1 = &com1, .pit = &pit, .rtc = &rtc, .pm = &pm, .reset_write = reset_write
	};
	struct dm_io_region r[PC_PLATFORM_MAX_REGIONS];
	struct iobus bus;

	(void)state;
	iobus_init(&bus, NULL, NULL, NULL);
	assert_int_equal(pc_platform_regions(&p, r), 8);
	for (unsigned int i = 0; i < 8; i++) {
		assert_string_equal(r[i].name, want[i].name);
		assert_int_equal(r[i].space, DM_SPACE_PIO);
		assert_int_equal(r[i].base, want[i].port);
		assert_int_equal(r[i].len, want[i].len);
		assert_int_equal(iobus_register(&bus, &r[i], NULL), 0);
	}
	assert_ptr_equal(iobus_find(&bus, DM_SPACE_PIO, 0x3ff)->r.dev, &com1);
	assert_null(r[6].write); /* the PM timer is read-only */
}

static void only_the_devices_a_guest_has(void **state)
{
	struct dm_io_region r[PC_PLATFORM_MAX_REGIONS];

	(void)state;
	assert_int_equal(pc_platform_regions(&(struct pc_platform){ .com1 = &com1 }, r), 1);
	assert_int_equal(pc_platform_regions(&(struct pc_platform){ .rtc = &rtc, .pm = &pm }, r),
			 4);
	assert_string_equal(r[0].name, "rtc");
	assert_int_equal(pc_platform_regions(&(struct pc_platform){ 0 }, r), 0);
}

/* Issue 16's devices, after the others, none overlapping the reset register at 0xcf9. */
static void fw_cfg_pic_and_pci_at_their_ports(void **state)
{
	static const struct {
		const char *name;
		uint64_t port, len;
	} want[] = {
		{ "reset", 0xcf9, 1 },	   { "fw-cfg", 0x510, 2 },   { "fw-cfg-dma", 0x514, 8 },
		{ "pic-master", 0x20, 2 }, { "pic-slave", 0xa0, 2 }, { "pic-elcr", 0x4d0, 2 },
		{ "pci-addr", 0xcf8, 1 },  { "pci-data", 0xcfc, 4 },
	};
	static struct fw_cfg fc;
	static struct i8259 pic;
	static struct pci_host pci;
	const struct pc_platform p = {
		.reset_write = reset_write, .fw_cfg = &fc, .pic = &pic, .pci = &pci
	};
	struct dm_io_region r[PC_PLATFORM_MAX_REGIONS];
	struct iobus bus;

	(void)state;
	iobus_init(&bus, NULL, NULL, NULL);
	assert_int_equal(pc_platform_regions(&p, r), 8);
	for (unsigned int i = 0; i < 8; i++) {
		assert_string_equal(r[i].name, want[i].name);
		assert_int_equal(r[i].base, want[i].port);
		assert_int_equal(r[i].len, want[i].len);
		assert_int_equal(iobus_register(&bus, &r[i], NULL), 0);
	}
}

/* pc-testdev after them; every device of a domain together fits the table and the bus. */
static void testdev_at_its_ports_and_the_whole_platform_fits(void **state)
{
	static const struct {
		const char *name;
		uint64_t port, len;
	} want[] = {
		{ "testdev", 0xe0, 4 },
		{ "testdev-flush", 0xe4, 4 },
		{ "testdev-byte", 0xe8, 4 },
		{ "testdev-irq", 0x2000, 24 },
	};
	static struct fw_cfg fc;
	static struct i8259 pic;
	static struct pci_host pci;
	static struct pc_testdev td;
	const struct pc_platform p = { .com1 = &com1,
				       .pit = &pit,
				       .rtc = &rtc,
				       .pm = &pm,
				       .reset_write = reset_write,
				       .fw_cfg = &fc,
				       .pic = &pic,
				       .pci = &pci,
				       .testdev = &td };
	struct dm_io_region r[PC_PLATFORM_MAX_REGIONS];
	struct iobus bus;
	unsigned int n;

	(void)state;
	iobus_init(&bus, NULL, NULL, NULL);
	n = pc_platform_regions(&p, r);
	assert_int_equal(n, 19);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(iobus_register(&bus, &r[i], NULL), 0);
	for (unsigned int i = 0; i < 4; i++) {
		assert_string_equal(r[15 + i].name, want[i].name);
		assert_int_equal(r[15 + i].base, want[i].port);
		assert_int_equal(r[15 + i].len, want[i].len);
		assert_ptr_equal(r[15 + i].dev, &td);
	}
	assert_null(r[16].read); /* the flush and IRQ ports are write-only */
	assert_null(r[18].read);
}

static char logged[200];

static void log_line(void *ctx, int level, const char *msg)
{
	(void)ctx;
	assert_int_equal(level, DM_LOG_ERR);
	strncpy(logged, msg, sizeof(logged) - 1);
}

static void a_second_platform_on_the_bus_is_refused_and_logged(void **state)
{
	const struct dm_env env = { .log = log_line };
	struct iobus bus;

	(void)state;
	iobus_init(&bus, NULL, NULL, NULL);
	assert_int_equal(pc_platform_register(&(struct pc_platform){ .rtc = &rtc }, &bus, &env), 0);
	assert_int_equal(logged[0], 0);
	assert_int_equal(pc_platform_register(&(struct pc_platform){ .rtc = &rtc }, &bus, &env),
			 -EBUSY);
	assert_string_equal(logged, "device rtc at port 0x70+0x2 overlaps device rtc at 0x70+0x2");
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(every_device_at_its_port_with_its_size),
		T(only_the_devices_a_guest_has),
		T(fw_cfg_pic_and_pci_at_their_ports),
		T(testdev_at_its_ports_and_the_whole_platform_fits),
		T(a_second_platform_on_the_bus_is_refused_and_logged),
	};

	return cmocka_run_group_tests_name("test_pc_platform", tests, NULL, NULL);
}
