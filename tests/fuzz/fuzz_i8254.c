/*
 * tests/fuzz/fuzz_i8254.c: libFuzzer target of drivers/i8254.c, the PIT:
 * counter and control ports, port 0x61 and time steps from the input.
 */
#include "drivers/i8254.h"
#include "tests/fuzz/fuzz.h"

static void poll(void *ctx)
{
	i8254_update(ctx);
	(void)i8254_next_event_ns(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct fuzz_vm vm;
	struct i8254 pit;
	const struct dm_io_region r[] = {
		{ .len = I8254_REGION_LEN,
		  .read = i8254_io_read,
		  .write = i8254_io_write,
		  .dev = &pit },
		{ .len = I8254_PORT61_REGION_LEN,
		  .read = i8254_port61_read,
		  .write = i8254_port61_write,
		  .dev = &pit },
	};

	fuzz_vm_init(&vm);
	i8254_init(&pit, &vm.env);
	fuzz_io_run(&in, &vm, r, 2, poll, &pit);
	return 0;
}
