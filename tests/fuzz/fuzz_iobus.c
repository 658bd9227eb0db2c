/*
 * tests/fuzz/fuzz_iobus.c: libFuzzer target of drivers/iobus.c, the port and
 * MMIO dispatcher: ranges from the input are registered, then accesses at
 * any address must reach only the device that holds them, inside its range.
 */
#include <stdlib.h>

#include "drivers/iobus.h"
#include "tests/fuzz/fuzz.h"

static int dev_check(void *dev, uint64_t offset, unsigned int size)
{
	const struct dm_io_region *r = dev;

	if (offset >= r->len || (size != 1 && size != 2 && size != 4 && size != 8))
		abort(); /* the bus handed a device an access outside its range */
	return 0;
}

static int dev_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	*value = ~0ull;
	return dev_check(dev, offset, size);
}

static int dev_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	(void)value;
	return dev_check(dev, offset, size);
}

static void add_regions(struct fuzz_in *in, struct iobus *bus, struct dm_io_region *r,
			unsigned int n)
{
	const struct dm_io_region *clash;

	for (unsigned int i = 0; i < n; i++) {
		r[i] = (struct dm_io_region){ .name = "dev",
					      .space = fuzz_take(in, 1) % 2,
					      .base = fuzz_take(in, 8),
					      .len = fuzz_take(in, 2),
					      .read = dev_read,
					      .write = dev_write,
					      .dev = &r[i] };
		(void)iobus_register(bus, &r[i], &clash);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	static struct iobus bus;
	struct dm_io_region r[IOBUS_MAX_DEVICES + 2];
	unsigned int n = fuzz_take(&in, 1) % (IOBUS_MAX_DEVICES + 2);

	iobus_init(&bus, NULL, NULL, NULL);
	add_regions(&in, &bus, r, n);
	while (in.n) {
		unsigned int op = fuzz_take(&in, 1), width = 1u << (op / 4) % 4;
		uint64_t addr = fuzz_take(&in, 8);

		if (op & 1)
			iobus_write(&bus, op / 2 % 2, addr, width, fuzz_take(&in, 8));
		else
			(void)iobus_read(&bus, op / 2 % 2, addr, width);
	}
	return 0;
}
