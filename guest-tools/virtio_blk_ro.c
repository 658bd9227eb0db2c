/*
 * guest-tools/virtio_blk_ro.c: a read-only virtio-blk disk (virtio 1.2
 * §5.2.3 VIRTIO_BLK_F_RO; §5.2.6.2: the device fails writes with
 * VIRTIO_BLK_S_IOERR). Run on a zeroed image: a write must fail and the
 * sectors must still read as zeros afterwards.
 */
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/virtio.h"

#define F_RO (1ull << 5)
#define SECTORS 8

static struct gvirtio dev;
static struct gvq vq __attribute__((aligned(4096)));
static uint8_t buf[SECTORS * 512] __attribute__((aligned(512)));

int guest_main(void)
{
	int zeros = 1;

	report(gvirtio_find(VIRTIO_ID_BLOCK, &dev) == 0, "a virtio-blk device is present");
	report(gvirtio_negotiate(&dev, F_RO) == 0, "features negotiated with VERSION_1");
	report(dev.features & F_RO, "the device says it is read-only");
	report(gvirtio_queue_setup(&dev, &vq, 0) == 0, "request queue set up");
	gvirtio_driver_ok(&dev);
	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	report(gvirtio_blk_request(&dev, &vq, VIRTIO_BLK_T_OUT, 16, buf, sizeof(buf)) ==
		       VIRTIO_BLK_S_IOERR,
	       "a write fails with an I/O error");
	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = 0xa5;
	report(gvirtio_blk_request(&dev, &vq, VIRTIO_BLK_T_IN, 16, buf, sizeof(buf)) == 0,
	       "a read of the same sectors succeeds");
	for (unsigned int i = 0; i < sizeof(buf); i++)
		zeros &= buf[i] == 0;
	report(zeros, "they still read as zeros");
	report(!(gvirtio_status(&dev) & 64), "the device does not need a reset");
	return report_summary();
}
