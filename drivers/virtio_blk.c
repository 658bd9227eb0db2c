/*
 * drivers/virtio_blk.c: the virtio block device (virtio 1.2 §5.2): feature
 * bits §5.2.3, configuration §5.2.4, requests IN, OUT, FLUSH and GET_ID
 * (§5.2.6), read-only stores and write stability (§5.2.6.2), any framing of a
 * request over its buffers (§2.7.4).
 */
#include "drivers/virtio_blk.h"

/*
 * Choices:
 * - A request is the chain's readable bytes (16-byte header, then OUT data)
 *   and writable bytes (IN or GET_ID data, then the status byte last), in
 *   whatever buffers the driver split them into. A chain without a header or
 *   a status byte cannot be answered: that is a device error (NEEDS_RESET).
 * - Out-of-range sectors, lengths not a multiple of 512 and store failures
 *   are answered with VIRTIO_BLK_S_IOERR; unknown types with UNSUPP.
 * - Writes to a read-only store fail with IOERR before the store is called
 *   (§5.2.6.2). FLUSH on a read-only store succeeds without calling it.
 * - FLUSH offered but not negotiated: every write is flushed before it
 *   completes (§5.2.6.2 case 1).
 * - Data moves between store and guest RAM without a copy when the host
 *   translates guest addresses, else through the instance's bounce buffer.
 */

struct blk_io {
	struct virtio_blk *blk;
	uint64_t offset; /* in the store */
};

static int blk_read_only(const struct virtio_blk *blk)
{
	return blk->store->read_only || !blk->store->write;
}

static void *blk_map(const struct virtio_blk *blk, gpa_t gpa, size_t len)
{
	const struct dm_env *env = blk->mmio.env;

	return env->mem_translate ? env->mem_translate(env->ctx, gpa, len) : NULL;
}

/* Store to guest (IN): one piece of the writable buffers. */
static int blk_in_piece(void *arg, gpa_t gpa, size_t len)
{
	struct blk_io *io = arg;
	const struct dm_block *store = io->blk->store;
	const struct dm_env *env = io->blk->mmio.env;
	void *p = blk_map(io->blk, gpa, len);

	if (p) {
		if (store->read(store->ctx, io->offset, p, len))
			return -EIO;
		io->offset += len;
		return 0;
	}
	while (len) {
		size_t n = len < VIRTIO_BLK_BOUNCE ? len : VIRTIO_BLK_BOUNCE;

		if (store->read(store->ctx, io->offset, io->blk->bounce, n))
			return -EIO;
		if (env->mem_write(env->ctx, gpa, io->blk->bounce, n))
			return -EFAULT;
		io->offset += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

/* Guest to store (OUT): one piece of the readable buffers. */
static int blk_out_piece(void *arg, gpa_t gpa, size_t len)
{
	struct blk_io *io = arg;
	const struct dm_block *store = io->blk->store;
	const struct dm_env *env = io->blk->mmio.env;
	void *p = blk_map(io->blk, gpa, len);

	if (p) {
		if (store->write(store->ctx, io->offset, p, len))
			return -EIO;
		io->offset += len;
		return 0;
	}
	while (len) {
		size_t n = len < VIRTIO_BLK_BOUNCE ? len : VIRTIO_BLK_BOUNCE;

		if (env->mem_read(env->ctx, gpa, io->blk->bounce, n))
			return -EFAULT;
		if (store->write(store->ctx, io->offset, io->blk->bounce, n))
			return -EIO;
		io->offset += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

/* Whole sectors, all of them below the capacity. */
static int blk_range_ok(const struct virtio_blk *blk, uint64_t sector, uint64_t len)
{
	uint64_t capacity = blk->config.capacity;

	if (len % VIRTIO_BLK_SECTOR || sector > capacity)
		return 0;
	return len / VIRTIO_BLK_SECTOR <= capacity - sector;
}

static int blk_flush_store(const struct virtio_blk *blk)
{
	const struct dm_block *store = blk->store;

	if (blk_read_only(blk) || !store->flush)
		return 0;
	return store->flush(store->ctx) ? -EIO : 0;
}

/* IN and OUT: returns a VIRTIO_BLK_S_* status, or a negative errno for a guest fault. */
static int blk_rw(struct virtio_blk *blk, struct virtq *vq, const struct virtio_blk_req_hdr *h,
		  uint32_t *written)
{
	struct virtq_chain *c = &blk->chain;
	int in = h->type == VIRTIO_BLK_T_IN;
	uint64_t len = in ? c->write_len - 1 : c->read_len - sizeof(*h);
	struct blk_io io = { .blk = blk };
	int ret;

	if (!in && blk_read_only(blk))
		return VIRTIO_BLK_S_IOERR;
	if (!blk_range_ok(blk, h->sector, len))
		return VIRTIO_BLK_S_IOERR;
	io.offset = h->sector * VIRTIO_BLK_SECTOR;
	if (in)
		ret = virtq_walk(c, 1, 0, len, blk_in_piece, &io);
	else
		ret = virtq_walk(c, 0, sizeof(*h), len, blk_out_piece, &io);
	if (ret == -EFAULT)
		return virtq_error(vq, ret, "buffer outside guest RAM");
	if (ret)
		return VIRTIO_BLK_S_IOERR;
	if (!in && (blk->mmio.device_features & (1ull << VIRTIO_BLK_F_FLUSH)) &&
	    !virtio_mmio_has_feature(&blk->mmio, VIRTIO_BLK_F_FLUSH) && blk_flush_store(blk))
		return VIRTIO_BLK_S_IOERR;
	if (in)
		*written = (uint32_t)len;
	return VIRTIO_BLK_S_OK;
}

/* §5.2.6: a NUL-padded string of up to 20 bytes, without NUL when it has 20. */
static int blk_get_id(struct virtio_blk *blk, struct virtq *vq, uint32_t *written)
{
	uint8_t id[VIRTIO_BLK_ID_BYTES] = { 0 };
	const char *s = blk->store->id;
	unsigned int i;
	int ret;

	if (blk->chain.write_len - 1 < VIRTIO_BLK_ID_BYTES)
		return VIRTIO_BLK_S_IOERR;
	for (i = 0; s && i < VIRTIO_BLK_ID_BYTES && s[i]; i++)
		id[i] = (uint8_t)s[i];
	ret = virtq_write(vq, &blk->chain, 0, id, sizeof(id));
	if (ret)
		return ret;
	*written = sizeof(id);
	return VIRTIO_BLK_S_OK;
}

static int blk_execute(struct virtio_blk *blk, struct virtq *vq, const struct virtio_blk_req_hdr *h,
		       uint32_t *written)
{
	switch (h->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		return blk_rw(blk, vq, h, written);
	case VIRTIO_BLK_T_FLUSH:
		return blk_flush_store(blk) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID:
		return blk_get_id(blk, vq, written);
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

/* One chain: header, the work, then the status byte, then the used entry. */
static int blk_request(void *dev, struct virtq *vq)
{
	struct virtio_blk *blk = dev;
	struct virtq_chain *c = &blk->chain;
	struct virtio_blk_req_hdr h;
	uint32_t written = 0;
	uint8_t status;
	int ret;

	if (c->read_len < sizeof(h) || !c->write_len)
		return virtq_error(vq, -EINVAL, "block request without header or status byte");
	ret = virtq_read(vq, c, 0, &h, sizeof(h));
	if (ret)
		return ret;
	ret = blk_execute(blk, vq, &h, &written);
	if (ret < 0)
		return ret;
	status = (uint8_t)ret;
	ret = virtq_write(vq, c, c->write_len - 1, &status, 1);
	if (ret)
		return ret;
	return virtq_push(vq, c, written + 1);
}

static void blk_queue_notify(void *dev, unsigned int q)
{
	struct virtio_blk *blk = dev;

	virtio_mmio_serve(&blk->mmio, q, &blk->chain, 0, blk_request);
}

static int blk_config_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	struct virtio_blk *blk = dev;

	return virtio_config_read_bytes(&blk->config, sizeof(blk->config), offset, size, value);
}

static const struct virtio_device_ops blk_ops = {
	.device_id = VIRTIO_ID_BLOCK,
	.num_queues = 1,
	.queue_size_max = VIRTIO_BLK_QUEUE_SIZE,
	.config_read = blk_config_read,
	.queue_notify = blk_queue_notify,
};

int virtio_blk_init(struct virtio_blk *blk, const struct dm_env *env, const struct dm_block *store,
		    unsigned int irq)
{
	uint64_t features = 1ull << VIRTIO_BLK_F_SEG_MAX;

	if (!store || !store->read)
		return -EINVAL;
	blk->store = store;
	blk->config = (struct virtio_blk_config){ .capacity = store->size / VIRTIO_BLK_SECTOR,
						  .seg_max = VIRTIO_BLK_SEG_MAX };
	blk->chain = (struct virtq_chain){ .seg = blk->seg, .max = VIRTIO_BLK_SEG_MAX + 2 };
	if (blk_read_only(blk))
		features |= 1ull << VIRTIO_BLK_F_RO;
	else if (store->flush)
		features |= 1ull << VIRTIO_BLK_F_FLUSH;
	virtio_mmio_init(&blk->mmio, env, irq, &blk_ops, blk, features);
	return 0;
}
