/*
 * guest-tools/virtio_rng.c: entropy from a virtio-rng device (virtio 1.2
 * §5.4: the driver offers device-writable buffers on queue 0).
 */
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/virtio.h"

static struct gvirtio dev;
static struct gvq vq __attribute__((aligned(4096)));
static uint8_t buf[2][64];

int guest_main(void)
{
	long len[2];
	int differ = 0, nonzero = 0;

	report(gvirtio_find(VIRTIO_ID_RNG, &dev) == 0, "a virtio-rng device is present");
	report(gvirtio_negotiate(&dev, 0) == 0, "features negotiated with VERSION_1");
	report(gvirtio_queue_setup(&dev, &vq, 0) == 0, "request queue set up");
	gvirtio_driver_ok(&dev);
	for (int i = 0; i < 2; i++) {
		struct gvbuf b = { buf[i], sizeof(buf[i]), 1 };

		gvq_submit(&dev, &vq, &b, 1);
		len[i] = gvq_wait(&vq);
	}
	report(len[0] > 0 && len[1] > 0, "the device filled both buffers");
	for (unsigned int i = 0; i < sizeof(buf[0]); i++) {
		differ |= buf[0][i] != buf[1][i];
		nonzero |= buf[0][i];
	}
	report(differ && nonzero, "two draws differ and are not all zero");
	return report_summary();
}
