/*
 * tests/fuzz/fuzz_virtio_blk.c: libFuzzer target of drivers/virtio_blk.c over
 * virtio_mmio.c and virtqueue.c: the guest's register writes and the rings,
 * descriptors and requests it pokes into RAM come from the input.
 */
#include <string.h>

#include "drivers/virtio_blk.h"
#include "tests/fuzz/fuzz.h"

#define DISK_SIZE 8192u

static uint8_t disk[DISK_SIZE];

static int disk_read(void *ctx, uint64_t offset, void *buf, size_t len)
{
	(void)ctx;
	memcpy(buf, disk + offset, len); /* the model promises [offset, offset+len) is inside */
	return 0;
}

static int disk_write(void *ctx, uint64_t offset, const void *buf, size_t len)
{
	(void)ctx;
	memcpy(disk + offset, buf, len);
	return 0;
}

static int disk_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dm_block store = { .size = DISK_SIZE,
					       .id = "fuzz",
					       .read = disk_read,
					       .write = disk_write,
					       .flush = disk_flush };
	static struct virtio_blk blk;
	struct fuzz_in in = { data, size };
	struct fuzz_vm vm;
	struct dm_io_region r = { .len = VIRTIO_MMIO_REGION_LEN,
				  .read = virtio_mmio_io_read,
				  .write = virtio_mmio_io_write,
				  .dev = &blk.mmio };

	fuzz_vm_init(&vm);
	if (virtio_blk_init(&blk, &vm.env, &store, 5))
		return 0;
	fuzz_io_run(&in, &vm, &r, 1, NULL, NULL);
	return 0;
}
