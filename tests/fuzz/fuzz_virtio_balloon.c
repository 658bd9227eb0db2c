/*
 * tests/fuzz/fuzz_virtio_balloon.c: libFuzzer target of
 * drivers/virtio_balloon.c over virtio_mmio.c and virtqueue.c (virtio 1.2
 * §5.5), with a backend that sometimes fails, the host moving the target and
 * asking for stats between the guest's steps.
 */
#include "drivers/virtio_balloon.h"
#include "tests/fuzz/fuzz.h"

static struct fuzz_in *pool;

static int backend_op(void *ctx, gpa_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa % VIRTIO_BALLOON_PAGE_SIZE || !len || len % VIRTIO_BALLOON_PAGE_SIZE ||
	    gpa + len > FUZZ_RAM_SIZE)
		__builtin_trap(); /* the model promised whole pages of guest RAM */
	return fuzz_take(pool, 1) == 0xff ? -EIO : 0;
}

static void poll(void *ctx)
{
	struct virtio_balloon *b = ctx;
	uint64_t op = fuzz_take(pool, 1);

	if (op == 0xfe)
		virtio_balloon_set_target(b, fuzz_take(pool, 4));
	else if (op == 0xfd)
		virtio_balloon_request_stats(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dm_balloon backend = { .release = backend_op, .reclaim = backend_op };
	static struct virtio_balloon b;
	struct fuzz_in in = { data, size };
	struct fuzz_vm vm;
	struct dm_io_region r = { .len = VIRTIO_MMIO_REGION_LEN,
				  .read = virtio_mmio_io_read,
				  .write = virtio_mmio_io_write,
				  .dev = &b.mmio };

	pool = &in;
	fuzz_vm_init(&vm);
	if (virtio_balloon_init(&b, &vm.env, &backend, 5, 1))
		return 0;
	fuzz_io_run(&in, &vm, &r, 1, poll, &b);
	return 0;
}
