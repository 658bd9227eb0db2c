/*
 * drivers/virtio_balloon.c: the traditional memory balloon device (virtio
 * 1.2 §5.5): inflateq and deflateq of 32-bit PFNs (§5.5.6), the stats queue
 * (§5.5.6.3, VIRTIO_BALLOON_F_STATS_VQ), free page reporting (§5.5.6.7,
 * VIRTIO_BALLOON_F_REPORTING), the configuration space's num_pages and
 * actual (§5.5.4). The guest memory behind a PFN is released and
 * reclaimed by the host's struct dm_balloon.
 */
#include "drivers/virtio_balloon.h"
#include "lib/format.h"

/*
 * Choices:
 * - A PFN whose page is not wholly inside guest RAM (past ram_size, or in
 *   a hole that mem_translate refuses) is ignored and counted as refused;
 *   the rest of the request is still served and the buffer returned.
 * - Pages with consecutive PFNs go to the backend as one run.
 * - A request over VIRTIO_BALLOON_REQUEST_MAX bytes (Linux sends 1 KiB) or
 *   a device-writable buffer in a PFN or stats queue: NEEDS_RESET.
 * - VIRTIO_BALLOON_F_MUST_TELL_HOST is not offered: the backends let a
 *   guest touch a page it deflates before telling (it reads as zeros).
 * - The stats buffer is held until virtio_balloon_request_stats; a second
 *   one while one is held sends the first back.
 * - A reset sets actual to 0 and keeps the host's target.
 * - A reported free range is released page by page inside it (a partial
 *   page at either end is kept); the buffer goes back with 0 bytes written.
 */

enum balloon_op {
	BALLOON_INFLATE,
	BALLOON_DEFLATE,
	BALLOON_REPORT,
};

static int balloon_page_ok(struct virtio_balloon *b, gpa_t gpa)
{
	const struct dm_env *env = b->mmio.env;

	if (gpa >= env->ram_size || env->ram_size - gpa < VIRTIO_BALLOON_PAGE_SIZE)
		return 0;
	return !env->mem_translate || env->mem_translate(env->ctx, gpa, VIRTIO_BALLOON_PAGE_SIZE);
}

/* Hands the pending run to the backend: reclaim for a deflate, release otherwise. */
static void balloon_flush(struct virtio_balloon *b, enum balloon_op op)
{
	const struct dm_balloon *be = b->backend;
	uint64_t pages = b->run_len >> VIRTIO_BALLOON_PAGE_SHIFT;
	int rc = 0;

	if (!pages)
		return;
	if (op != BALLOON_DEFLATE)
		rc = be->release(be->ctx, b->run_gpa, b->run_len);
	else if (be->reclaim)
		rc = be->reclaim(be->ctx, b->run_gpa, b->run_len);
	if (rc)
		b->count.failed += pages;
	else if (op == BALLOON_INFLATE)
		b->count.released += pages;
	else if (op == BALLOON_DEFLATE)
		b->count.reclaimed += pages;
	else
		b->count.reported += pages;
	b->run_len = 0;
}

static void balloon_page(struct virtio_balloon *b, gpa_t gpa, enum balloon_op op)
{
	if (!balloon_page_ok(b, gpa)) {
		b->count.refused++;
		return;
	}
	if (b->run_len && gpa == b->run_gpa + b->run_len) {
		b->run_len += VIRTIO_BALLOON_PAGE_SIZE;
		return;
	}
	balloon_flush(b, op);
	b->run_gpa = gpa;
	b->run_len = VIRTIO_BALLOON_PAGE_SIZE;
}

/* One chain of PFNs (its trailing bytes short of a PFN are ignored), then given back. */
static int balloon_serve_pfns(struct virtio_balloon *b, struct virtq *vq, enum balloon_op op)
{
	struct virtq_chain *c = &b->chain;
	uint64_t n = c->read_len / 4, done = 0;
	int ret;

	if (c->read_len > VIRTIO_BALLOON_REQUEST_MAX)
		return virtq_error(vq, -E2BIG, "PFN request over 64 KiB");
	while (done < n) {
		uint64_t k = n - done < VIRTIO_BALLOON_PFN_BUF ? n - done : VIRTIO_BALLOON_PFN_BUF;

		ret = virtq_read(vq, c, done * 4, b->pfns, (size_t)k * 4);
		if (ret)
			return ret;
		for (uint64_t i = 0; i < k; i++)
			balloon_page(b, (gpa_t)b->pfns[i] << VIRTIO_BALLOON_PAGE_SHIFT, op);
		done += k;
	}
	balloon_flush(b, op);
	return virtq_push(vq, c, 0);
}

static int balloon_serve_inflate(void *dev, struct virtq *vq)
{
	return balloon_serve_pfns(dev, vq, BALLOON_INFLATE);
}

static int balloon_serve_deflate(void *dev, struct virtq *vq)
{
	return balloon_serve_pfns(dev, vq, BALLOON_DEFLATE);
}

/* §5.5.6.7: each device-writable buffer is a free range the guest does not use now. */
static int balloon_serve_report(void *dev, struct virtq *vq)
{
	struct virtio_balloon *b = dev;
	const struct virtq_chain *c = &b->chain;

	for (unsigned int i = 0; i < c->nseg; i++) {
		gpa_t p = (c->seg[i].gpa + VIRTIO_BALLOON_PAGE_SIZE - 1) &
			  ~(VIRTIO_BALLOON_PAGE_SIZE - 1);
		gpa_t end = (c->seg[i].gpa + c->seg[i].len) & ~(VIRTIO_BALLOON_PAGE_SIZE - 1);

		for (; p < end; p += VIRTIO_BALLOON_PAGE_SIZE)
			balloon_page(b, p, BALLOON_REPORT);
	}
	balloon_flush(b, BALLOON_REPORT);
	return virtq_push(vq, c, 0);
}

static uint64_t le_bytes(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* Records the stats of the chain held in stats_chain (tags past the table are skipped). */
static int balloon_read_stats(struct virtio_balloon *b, struct virtq *vq)
{
	const struct virtq_chain *c = &b->stats_chain;
	uint64_t len = c->read_len < sizeof(b->stat_buf) ? c->read_len : sizeof(b->stat_buf);
	int ret = virtq_read(vq, c, 0, b->stat_buf, (size_t)len);

	if (ret)
		return ret;
	for (uint64_t off = 0; off + VIRTIO_BALLOON_STAT_SIZE <= len;
	     off += VIRTIO_BALLOON_STAT_SIZE) {
		unsigned int tag = (unsigned int)le_bytes(b->stat_buf + off, 2);

		if (tag >= VIRTIO_BALLOON_STATS_MAX)
			continue;
		b->stats[tag] = le_bytes(b->stat_buf + off + 2, 8);
		b->stats_valid |= 1u << tag;
	}
	b->stats_updates++;
	return 0;
}

/* Holds the newest stats buffer; one held before it goes back to the driver. */
static int balloon_serve_stats(void *dev, struct virtq *vq)
{
	struct virtio_balloon *b = dev;
	int ret;

	if (b->stats_held) {
		ret = virtq_push(vq, &b->stats_chain, 0);
		if (ret)
			return ret;
	}
	b->stats_chain = b->chain;
	b->stats_chain.seg = b->stats_seg;
	for (unsigned int i = 0; i < b->chain.nseg; i++)
		b->stats_seg[i] = b->seg[i];
	b->stats_held = 1;
	return balloon_read_stats(b, vq);
}

/* Queue q's server: the queues after deflateq are numbered by the features in force. */
static void balloon_queue_notify(void *dev, unsigned int q)
{
	struct virtio_balloon *b = dev;
	unsigned int stats = virtio_mmio_has_feature(&b->mmio, VIRTIO_BALLOON_F_STATS_VQ);
	unsigned int report = VIRTIO_BALLOON_Q_STATS + stats;

	if (q == VIRTIO_BALLOON_Q_INFLATE || q == VIRTIO_BALLOON_Q_DEFLATE)
		virtio_mmio_serve(&b->mmio, q, &b->chain, VIRTQ_ONLY_READABLE,
				  q ? balloon_serve_deflate : balloon_serve_inflate);
	else if (stats && q == VIRTIO_BALLOON_Q_STATS)
		virtio_mmio_serve(&b->mmio, q, &b->chain, VIRTQ_ONLY_READABLE, balloon_serve_stats);
	else if (q == report && virtio_mmio_has_feature(&b->mmio, VIRTIO_BALLOON_F_REPORTING))
		virtio_mmio_serve(&b->mmio, q, &b->chain, VIRTQ_ONLY_WRITABLE,
				  balloon_serve_report);
}

static int balloon_config_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	struct virtio_balloon *b = dev;

	if (offset >= sizeof(b->config) || size > sizeof(b->config) - offset)
		return -EINVAL;
	return virtio_config_read_bytes(&b->config, sizeof(b->config), offset, size, value);
}

/* The driver's actual reached the target the host set: one line saying how long it
 * took (make bench reads it). */
static void balloon_log_reached(struct virtio_balloon *b)
{
	const struct dm_env *env = b->mmio.env;
	uint64_t ms = (env->clock_ns(env->ctx) - b->target_set_ns) / 1000000;
	char msg[112];

	b->target_pending = 0;
	fmt_snprintf(msg, sizeof(msg),
		     "balloon at its target of %u pages (%u MiB), %lu ms after it was set",
		     b->config.num_pages, b->config.num_pages >> (20 - VIRTIO_BALLOON_PAGE_SHIFT),
		     (unsigned long)ms);
	if (env->log)
		env->log(env->ctx, DM_LOG_INFO, msg);
}

/* Only actual is the driver's to write (§5.5.4), as one 32-bit store. */
static int balloon_config_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	struct virtio_balloon *b = dev;

	if (offset != offsetof(struct virtio_balloon_config, actual) || size != 4)
		return -EINVAL;
	b->config.actual = (uint32_t)value;
	if (b->target_pending && b->config.actual == b->config.num_pages)
		balloon_log_reached(b);
	return 0;
}

static void balloon_reset(void *dev)
{
	struct virtio_balloon *b = dev;

	b->config.actual = 0;
	b->stats_held = 0;
	b->run_len = 0;
}

static const struct virtio_device_ops balloon_ops = {
	.device_id = VIRTIO_ID_BALLOON,
	.num_queues = 4,
	.queue_size_max = VIRTIO_BALLOON_QUEUE_SIZE,
	.config_read = balloon_config_read,
	.config_write = balloon_config_write,
	.queue_notify = balloon_queue_notify,
	.reset = balloon_reset,
};

int virtio_balloon_init(struct virtio_balloon *b, const struct dm_env *env,
			const struct dm_balloon *backend, unsigned int irq, int reporting)
{
	uint64_t features = 1ull << VIRTIO_BALLOON_F_STATS_VQ;

	if (!backend || !backend->release)
		return -EINVAL;
	*b = (struct virtio_balloon){ .backend = backend };
	b->chain = (struct virtq_chain){ .seg = b->seg, .max = VIRTIO_BALLOON_SEG_MAX };
	b->stats_chain = (struct virtq_chain){ .seg = b->stats_seg, .max = VIRTIO_BALLOON_SEG_MAX };
	if (reporting)
		features |= 1ull << VIRTIO_BALLOON_F_REPORTING;
	virtio_mmio_init(&b->mmio, env, irq, &balloon_ops, b, features);
	return 0;
}

void virtio_balloon_set_target(struct virtio_balloon *b, uint64_t pages)
{
	uint64_t max = b->mmio.env->ram_size >> VIRTIO_BALLOON_PAGE_SHIFT;

	b->config.num_pages = (uint32_t)(pages < max ? pages : max);
	b->target_pending = b->mmio.env->clock_ns && b->config.num_pages != b->config.actual;
	if (b->target_pending)
		b->target_set_ns = b->mmio.env->clock_ns(b->mmio.env->ctx);
	virtio_mmio_config_changed(&b->mmio);
}

uint64_t virtio_balloon_actual(const struct virtio_balloon *b)
{
	return b->config.actual;
}

int virtio_balloon_request_stats(struct virtio_balloon *b)
{
	struct virtq *vq = virtio_mmio_queue(&b->mmio, VIRTIO_BALLOON_Q_STATS);

	if (!vq || !b->stats_held || !virtio_mmio_has_feature(&b->mmio, VIRTIO_BALLOON_F_STATS_VQ))
		return -ENOENT;
	b->stats_held = 0;
	if (virtq_push(vq, &b->stats_chain, 0))
		virtio_mmio_needs_reset(&b->mmio, VIRTIO_BALLOON_Q_STATS, NULL);
	virtio_mmio_signal_used(&b->mmio, VIRTIO_BALLOON_Q_STATS);
	return 0;
}

int virtio_balloon_stat(const struct virtio_balloon *b, unsigned int tag, uint64_t *value)
{
	if (tag >= VIRTIO_BALLOON_STATS_MAX || !(b->stats_valid >> tag & 1))
		return -ENOENT;
	*value = b->stats[tag];
	return 0;
}
