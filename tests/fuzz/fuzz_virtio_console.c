/*
 * tests/fuzz/fuzz_virtio_console.c: libFuzzer target of
 * drivers/virtio_console.c over virtio_mmio.c and virtqueue.c: register
 * writes, rings in RAM and the host's input bytes come from the input.
 */
#include "drivers/virtio_console.h"
#include "tests/fuzz/fuzz.h"

static struct fuzz_in *rx;

static size_t stream_write(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx, (void)buf;
	return len / 2; /* a slow host: the model must keep the rest */
}

static size_t stream_read(void *ctx, uint8_t *buf, size_t len)
{
	size_t n = fuzz_take(rx, 1) % 64;

	(void)ctx;
	if (n > len)
		n = len;
	for (size_t i = 0; i < n; i++)
		buf[i] = 'a' + i % 26;
	return n;
}

static void poll(void *ctx)
{
	virtio_console_poll(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dm_stream stream = { .write = stream_write, .read = stream_read };
	static struct virtio_console con;
	struct fuzz_in in = { data, size };
	struct fuzz_vm vm;
	struct dm_io_region r = { .len = VIRTIO_MMIO_REGION_LEN,
				  .read = virtio_mmio_io_read,
				  .write = virtio_mmio_io_write,
				  .dev = &con.mmio };

	rx = &in;
	fuzz_vm_init(&vm);
	if (virtio_console_init(&con, &vm.env, &stream, 5))
		return 0;
	fuzz_io_run(&in, &vm, &r, 1, poll, &con);
	return 0;
}
