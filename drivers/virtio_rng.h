/*
 * drivers/virtio_rng.h: a virtio entropy device (virtio 1.2 §5.4) on the
 * virtio-mmio transport, backed by a dm_entropy source. One request queue.
 */
#ifndef DRIVERS_VIRTIO_RNG_H
#define DRIVERS_VIRTIO_RNG_H

#include "drivers/dm_env.h"
#include "drivers/virtio_mmio.h"
#include "drivers/virtqueue.h"

#define VIRTIO_RNG_QUEUE_SIZE 64
#define VIRTIO_RNG_SEG_MAX 16
#define VIRTIO_RNG_BUF 256
#define VIRTIO_RNG_REQUEST_MAX 4096 /* bytes given per request at most */

struct virtio_rng {
	struct virtio_mmio mmio; /* the region's dev pointer is &rng->mmio */
	const struct dm_entropy *source;
	struct virtq_chain chain;
	struct virtq_seg seg[VIRTIO_RNG_SEG_MAX];
	uint8_t buf[VIRTIO_RNG_BUF];
};

/*
 * Makes rng a virtio-mmio entropy device on interrupt line irq over source
 * (which, like env, must outlive it). Returns 0, or -EINVAL for a missing
 * source or source->fill.
 */
int __must_check virtio_rng_init(struct virtio_rng *rng, const struct dm_env *env,
				 const struct dm_entropy *source, unsigned int irq);
/*
 * Requests are served when the driver notifies; one that found the source
 * empty waits, and this serves it again: call it periodically.
 */
void virtio_rng_poll(struct virtio_rng *rng);

#endif
