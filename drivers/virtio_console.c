/*
 * drivers/virtio_console.c: the virtio console (virtio 1.2 §5.3) with a
 * single port: receiveq and transmitq of port 0 (§5.3.2), the configuration
 * space (§5.3.4) and console operation without multiport (§5.3.6).
 */
#include "drivers/virtio_console.h"

/*
 * Choices:
 * - No feature is offered: no size, no multiport, no emergency write.
 * - Input is pulled from the stream only while the driver can take it, and
 *   kept in the instance until a receive buffer is there: bytes are never
 *   lost between the stream and the guest, and survive a device reset.
 * - Output goes to the stream at once; what the stream refuses (write
 *   returning 0) is dropped, like a terminal nobody reads.
 * - The receive queue must hold device-writable buffers only and the transmit
 *   queue device-readable ones (§5.3.6.1); anything else is NEEDS_RESET.
 */

static int con_fill(struct virtio_console *con)
{
	size_t n;

	if (con->rx_head < con->rx_len)
		return 1;
	con->rx_head = con->rx_len = 0;
	if (!con->stream || !con->stream->read)
		return 0;
	n = con->stream->read(con->stream->ctx, con->rx, sizeof(con->rx));
	con->rx_len = n < sizeof(con->rx) ? n : sizeof(con->rx);
	return con->rx_len != 0;
}

/* Waiting input into one receive chain: 1 when given, 0 with no buffer. */
static int con_rx_one(struct virtio_console *con, struct virtq *vq)
{
	struct virtq_chain *c = &con->chain;
	size_t n = con->rx_len - con->rx_head;
	int ret = virtq_pop(vq, c, VIRTQ_ONLY_WRITABLE);

	if (ret <= 0)
		return ret;
	if (n > c->write_len)
		n = (size_t)c->write_len;
	ret = virtq_write(vq, c, 0, con->rx + con->rx_head, n);
	if (!ret)
		ret = virtq_push(vq, c, (uint32_t)n);
	con->rx_head += n;
	return ret ? ret : 1;
}

static void con_rx(struct virtio_console *con)
{
	struct virtq *vq = virtio_mmio_queue(&con->mmio, VIRTIO_CONSOLE_RXQ);
	unsigned int i;
	int ret = 0;

	if (!vq)
		return;
	/* Bounded: a driver offering empty buffers cannot keep the device here. */
	for (i = 0; i < VIRTIO_CONSOLE_QUEUE_SIZE && con_fill(con); i++) {
		ret = con_rx_one(con, vq);
		if (ret <= 0)
			break;
	}
	virtio_mmio_signal_used(&con->mmio, VIRTIO_CONSOLE_RXQ);
	if (ret < 0)
		virtio_mmio_needs_reset(&con->mmio, VIRTIO_CONSOLE_RXQ, NULL);
}

static void con_write_out(struct virtio_console *con, const uint8_t *buf, size_t len)
{
	while (len && con->stream && con->stream->write) {
		size_t n = con->stream->write(con->stream->ctx, buf, len);

		if (!n || n > len)
			return;
		buf += n;
		len -= n;
	}
}

static int con_tx_one(void *dev, struct virtq *vq)
{
	struct virtio_console *con = dev;
	struct virtq_chain *c = &con->chain;
	uint64_t off = 0;
	int ret;

	while (off < c->read_len) {
		uint64_t n = c->read_len - off;

		if (n > sizeof(con->tx))
			n = sizeof(con->tx);
		ret = virtq_read(vq, c, off, con->tx, (size_t)n);
		if (ret)
			return ret;
		con_write_out(con, con->tx, (size_t)n);
		off += n;
	}
	return virtq_push(vq, c, 0);
}

static void con_queue_notify(void *dev, unsigned int q)
{
	struct virtio_console *con = dev;

	if (q == VIRTIO_CONSOLE_TXQ)
		virtio_mmio_serve(&con->mmio, q, &con->chain, VIRTQ_ONLY_READABLE, con_tx_one);
	else
		con_rx(con);
}

static int con_config_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	struct virtio_console *con = dev;

	return virtio_config_read_bytes(&con->config, sizeof(con->config), offset, size, value);
}

static const struct virtio_device_ops con_ops = {
	.device_id = VIRTIO_ID_CONSOLE,
	.num_queues = 2,
	.queue_size_max = VIRTIO_CONSOLE_QUEUE_SIZE,
	.config_read = con_config_read,
	.queue_notify = con_queue_notify,
};

int virtio_console_init(struct virtio_console *con, const struct dm_env *env,
			const struct dm_stream *stream, unsigned int irq)
{
	con->stream = stream;
	con->config = (struct virtio_console_config){ .cols = 0 };
	con->chain = (struct virtq_chain){ .seg = con->seg, .max = VIRTIO_CONSOLE_SEG_MAX };
	con->rx_head = con->rx_len = 0;
	virtio_mmio_init(&con->mmio, env, irq, &con_ops, con, 0);
	return 0;
}

void virtio_console_poll(struct virtio_console *con)
{
	con_rx(con);
}
