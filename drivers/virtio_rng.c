/*
 * drivers/virtio_rng.c: the virtio entropy device (virtio 1.2 §5.4): one
 * requestq (§5.4.2), no features or configuration (§5.4.3, §5.4.4), device
 * operation filling device-writable buffers with random bytes (§5.4.6).
 */
#include "drivers/virtio_rng.h"

/*
 * Choices:
 * - A request gets what the source gives at once, up to its size and
 *   VIRTIO_RNG_REQUEST_MAX; the used length says how much (§5.4.6.2 lets the
 *   device fill less than the whole buffer).
 * - A request that finds the source empty is given back untouched and waits
 *   for virtio_rng_poll or the next notification.
 * - A device-readable buffer in the queue is a driver error (§5.4.6.1):
 *   NEEDS_RESET.
 */

/* Fills one chain: 1 when served, 0 when nothing waits or the source is empty. */
static int rng_serve_one(struct virtio_rng *rng, struct virtq *vq)
{
	struct virtq_chain *c = &rng->chain;
	uint64_t want, given = 0;
	int ret = virtq_pop(vq, c, VIRTQ_ONLY_WRITABLE);

	if (ret <= 0)
		return ret;
	want = c->write_len < VIRTIO_RNG_REQUEST_MAX ? c->write_len : VIRTIO_RNG_REQUEST_MAX;
	while (given < want) {
		size_t n = want - given < VIRTIO_RNG_BUF ? (size_t)(want - given) : VIRTIO_RNG_BUF;
		size_t got = rng->source->fill(rng->source->ctx, rng->buf, n);

		if (got > n)
			got = n;
		ret = virtq_write(vq, c, given, rng->buf, got);
		if (ret)
			return ret;
		given += got;
		if (got < n)
			break;
	}
	if (!given && want) {
		virtq_unpop(vq);
		return 0;
	}
	ret = virtq_push(vq, c, (uint32_t)given);
	return ret ? ret : 1;
}

static void rng_serve(struct virtio_rng *rng)
{
	struct virtq *vq = virtio_mmio_queue(&rng->mmio, 0);
	int ret;

	if (!vq)
		return;
	while ((ret = rng_serve_one(rng, vq)) > 0)
		;
	virtio_mmio_signal_used(&rng->mmio, 0);
	if (ret < 0)
		virtio_mmio_needs_reset(&rng->mmio, 0, NULL);
}

static void rng_queue_notify(void *dev, unsigned int q)
{
	(void)q;
	rng_serve(dev);
}

static const struct virtio_device_ops rng_ops = {
	.device_id = VIRTIO_ID_ENTROPY,
	.num_queues = 1,
	.queue_size_max = VIRTIO_RNG_QUEUE_SIZE,
	.queue_notify = rng_queue_notify,
};

int virtio_rng_init(struct virtio_rng *rng, const struct dm_env *env,
		    const struct dm_entropy *source, unsigned int irq)
{
	if (!source || !source->fill)
		return -EINVAL;
	rng->source = source;
	rng->chain = (struct virtq_chain){ .seg = rng->seg, .max = VIRTIO_RNG_SEG_MAX };
	virtio_mmio_init(&rng->mmio, env, irq, &rng_ops, rng, 0);
	return 0;
}

void virtio_rng_poll(struct virtio_rng *rng)
{
	rng_serve(rng);
}
