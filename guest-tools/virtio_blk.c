/*
 * guest-tools/virtio_blk.c: a minimal virtio-blk driver as a test (virtio
 * 1.2 §5.2.6: a request is a 16-byte header, the data, and a status byte the
 * device writes last). It writes a pattern, reads it back, flushes, asks for
 * the disk's id and checks that a read past the end is refused.
 */
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/virtio.h"

#define F_FLUSH (1ull << 9)
#define SECTORS 8

static struct gvirtio dev;
static struct gvq vq __attribute__((aligned(4096)));
static uint8_t out[SECTORS * 512] __attribute__((aligned(512)));
static uint8_t in[SECTORS * 512] __attribute__((aligned(512)));

int guest_main(void)
{
	char id[21] = { 0 };
	uint64_t capacity;
	int same = 1;

	report(gvirtio_find(VIRTIO_ID_BLOCK, &dev) == 0, "a virtio-blk device is present");
	report(gvirtio_negotiate(&dev, F_FLUSH) == 0, "features negotiated with VERSION_1");
	report(gvirtio_queue_setup(&dev, &vq, 0) == 0, "request queue set up");
	gvirtio_driver_ok(&dev);
	capacity = gvirtio_config32(&dev, 0) | (uint64_t)gvirtio_config32(&dev, 4) << 32;
	guest_printf("capacity: %lu sectors\n", (unsigned long)capacity);
	report(capacity >= 64, "the disk has at least 64 sectors");
	for (unsigned int i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + 3);
	report(gvirtio_blk_request(&dev, &vq, VIRTIO_BLK_T_OUT, 16, out, sizeof(out)) ==
		       VIRTIO_BLK_S_OK,
	       "write of 8 sectors succeeds");
	report(gvirtio_blk_request(&dev, &vq, VIRTIO_BLK_T_IN, 16, in, sizeof(in)) ==
		       VIRTIO_BLK_S_OK,
	       "read of 8 sectors succeeds");
	for (unsigned int i = 0; i < sizeof(in); i++)
		same &= in[i] == out[i];
	report(same, "what was read back is what was written");
	report(gvirtio_blk_request(&dev, &vq, VIRTIO_BLK_T_FLUSH, 0, 0, 0) == VIRTIO_BLK_S_OK,
	       "flush succeeds");
	report(gvirtio_blk_request(&dev, &vq, VIRTIO_BLK_T_GET_ID, 0, id, 20) == VIRTIO_BLK_S_OK &&
		       id[0],
	       "the disk has an id");
	guest_printf("id: '%s'\n", id);
	report(gvirtio_blk_request(&dev, &vq, VIRTIO_BLK_T_IN, capacity, in, 512) !=
		       VIRTIO_BLK_S_OK,
	       "a read past the end is refused");
	report(!(gvirtio_status(&dev) & 64), "the device does not need a reset");
	return report_summary();
}
