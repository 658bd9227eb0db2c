/*
 * tests/fuzz/fuzz_virtio_net.c: libFuzzer target of drivers/virtio_net.c over
 * virtio_mmio.c and virtqueue.c: register writes, rings in RAM and the
 * frames the host side receives all come from the input.
 */
#include "drivers/virtio_net.h"
#include "tests/fuzz/fuzz.h"

static struct fuzz_in *wire;

static int port_send(void *ctx, const void *frame, size_t len)
{
	(void)ctx, (void)frame, (void)len;
	return 0;
}

static long port_recv(void *ctx, void *buf, size_t size)
{
	size_t len = fuzz_take(wire, 2) % 1600;
	uint8_t *p = buf;

	(void)ctx;
	if (len > size)
		len = size;
	for (size_t i = 0; i < len; i++)
		p[i] = i;
	return len;
}

static void poll(void *ctx)
{
	virtio_net_poll(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dm_packet port = { .send = port_send, .recv = port_recv };
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	static struct virtio_net net;
	struct fuzz_in in = { data, size };
	struct fuzz_vm vm;
	struct dm_io_region r = { .len = VIRTIO_MMIO_REGION_LEN,
				  .read = virtio_mmio_io_read,
				  .write = virtio_mmio_io_write,
				  .dev = &net.mmio };

	wire = &in;
	fuzz_vm_init(&vm);
	if (virtio_net_init(&net, &vm.env, &port, mac, 5))
		return 0;
	fuzz_io_run(&in, &vm, &r, 1, poll, &net);
	return 0;
}
