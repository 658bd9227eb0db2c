/*
 * tests/fuzz/fuzz_uart16550.c: libFuzzer target of drivers/uart16550.c, the
 * 16550A COM port: guest port accesses, host input and time from the input.
 */
#include "drivers/uart16550.h"
#include "tests/fuzz/fuzz.h"

static struct fuzz_in *rx; /* the host side's bytes come from the input too */

static size_t stream_write(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx, (void)buf;
	return len;
}

static size_t stream_read(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	if (!len || !rx->n)
		return 0;
	buf[0] = fuzz_take(rx, 1);
	return 1;
}

static void poll(void *ctx)
{
	uart16550_poll(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dm_stream stream = { .write = stream_write, .read = stream_read };
	struct fuzz_in in = { data, size };
	struct fuzz_vm vm;
	struct uart16550 u;
	struct dm_io_region r = { .len = UART16550_REGION_LEN,
				  .read = uart16550_io_read,
				  .write = uart16550_io_write,
				  .dev = &u };

	rx = &in;
	fuzz_vm_init(&vm);
	uart16550_init(&u, &vm.env, &stream, 4);
	fuzz_io_run(&in, &vm, &r, 1, poll, &u);
	return 0;
}
