/*
 * tests/fuzz/fuzz_virtio_rng.c: libFuzzer target of drivers/virtio_rng.c over
 * virtio_mmio.c and virtqueue.c, with a source that sometimes has nothing.
 */
#include <string.h>

#include "drivers/virtio_rng.h"
#include "tests/fuzz/fuzz.h"

static struct fuzz_in *pool;

static size_t source_fill(void *ctx, void *buf, size_t len)
{
	size_t n = fuzz_take(pool, 2);

	(void)ctx;
	if (n > len)
		n = len;
	memset(buf, 0x5a, n);
	return n;
}

static void poll(void *ctx)
{
	virtio_rng_poll(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dm_entropy source = { .fill = source_fill };
	static struct virtio_rng rng;
	struct fuzz_in in = { data, size };
	struct fuzz_vm vm;
	struct dm_io_region r = { .len = VIRTIO_MMIO_REGION_LEN,
				  .read = virtio_mmio_io_read,
				  .write = virtio_mmio_io_write,
				  .dev = &rng.mmio };

	pool = &in;
	fuzz_vm_init(&vm);
	if (virtio_rng_init(&rng, &vm.env, &source, 5))
		return 0;
	fuzz_io_run(&in, &vm, &r, 1, poll, &rng);
	return 0;
}
