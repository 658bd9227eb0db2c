/*
 * drivers/virtio_net.c: the virtio network device (virtio 1.2 §5.1): feature
 * bits §5.1.3 (only VIRTIO_NET_F_MAC), configuration §5.1.4, the 12-byte
 * virtio_net_hdr and packet transmission and reception without offloads or
 * merged buffers (§5.1.6, §5.1.6.2, §5.1.6.3).
 */
#include "drivers/virtio_net.h"

/*
 * Choices:
 * - Reception is pulled: virtio_net_poll (and a notification of the receive
 *   queue, which means new buffers) takes one frame at a time from the port
 *   and keeps it until a receive buffer is there, so no frame is lost while
 *   the driver refills. A frame larger than the buffer it meets is dropped and
 *   the buffer kept for the next frame.
 * - Every received frame gets a zero header with num_buffers 1 (no
 *   VIRTIO_NET_F_MRG_RXBUF); a transmitted frame's header is ignored (no
 *   offloads were offered, so it asks for nothing).
 * - A transmit chain shorter than the header is a driver error (NEEDS_RESET);
 *   a frame longer than VIRTIO_NET_FRAME_MAX or one the port refuses is
 *   dropped and its buffer returned.
 */

static int net_recv(struct virtio_net *net)
{
	long n = net->port->recv(net->port->ctx, net->rx_frame, sizeof(net->rx_frame));

	net->rx_len = n > 0 && (unsigned long)n <= sizeof(net->rx_frame) ? (size_t)n : 0;
	return net->rx_len != 0;
}

/* The waiting frame into one receive chain: 1 when the frame is gone, 0 with no buffer. */
static int net_rx_one(struct virtio_net *net, struct virtq *vq)
{
	struct virtq_chain *c = &net->chain;
	struct virtio_net_hdr hdr = { .num_buffers = 1 };
	size_t len = net->rx_len;
	int ret = virtq_pop(vq, c, VIRTQ_ONLY_WRITABLE);

	if (ret <= 0)
		return ret;
	net->rx_len = 0;
	if (c->write_len < sizeof(hdr) + len) {
		virtq_unpop(vq);
		return 1;
	}
	ret = virtq_write(vq, c, 0, &hdr, sizeof(hdr));
	if (!ret)
		ret = virtq_write(vq, c, sizeof(hdr), net->rx_frame, len);
	if (!ret)
		ret = virtq_push(vq, c, (uint32_t)(sizeof(hdr) + len));
	return ret ? ret : 1;
}

static void net_rx(struct virtio_net *net)
{
	struct virtq *vq = virtio_mmio_queue(&net->mmio, VIRTIO_NET_RXQ);
	unsigned int i;
	int ret = 0;

	if (!vq)
		return;
	for (i = 0; i < VIRTIO_NET_RX_BATCH; i++) {
		if (!net->rx_len && !net_recv(net))
			break;
		ret = net_rx_one(net, vq);
		if (ret <= 0)
			break;
	}
	virtio_mmio_signal_used(&net->mmio, VIRTIO_NET_RXQ);
	if (ret < 0)
		virtio_mmio_needs_reset(&net->mmio, VIRTIO_NET_RXQ, NULL);
}

static int net_tx_one(void *dev, struct virtq *vq)
{
	struct virtio_net *net = dev;
	struct virtq_chain *c = &net->chain;
	uint64_t len;
	int ret;

	if (c->read_len < sizeof(struct virtio_net_hdr))
		return virtq_error(vq, -EINVAL, "transmit buffer shorter than virtio_net_hdr");
	len = c->read_len - sizeof(struct virtio_net_hdr);
	if (len && len <= VIRTIO_NET_FRAME_MAX) {
		ret = virtq_read(vq, c, sizeof(struct virtio_net_hdr), net->tx_frame, (size_t)len);
		if (ret)
			return ret;
		net->port->send(net->port->ctx, net->tx_frame, (size_t)len);
	}
	return virtq_push(vq, c, 0);
}

static void net_queue_notify(void *dev, unsigned int q)
{
	struct virtio_net *net = dev;

	if (q == VIRTIO_NET_TXQ)
		virtio_mmio_serve(&net->mmio, q, &net->chain, VIRTQ_ONLY_READABLE, net_tx_one);
	else
		net_rx(net);
}

static void net_reset(void *dev)
{
	struct virtio_net *net = dev;

	net->rx_len = 0;
}

static int net_config_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	struct virtio_net *net = dev;

	return virtio_config_read_bytes(&net->config, sizeof(net->config), offset, size, value);
}

static const struct virtio_device_ops net_ops = {
	.device_id = VIRTIO_ID_NET,
	.num_queues = 2,
	.queue_size_max = VIRTIO_NET_QUEUE_SIZE,
	.config_read = net_config_read,
	.queue_notify = net_queue_notify,
	.reset = net_reset,
};

int virtio_net_init(struct virtio_net *net, const struct dm_env *env, const struct dm_packet *port,
		    const uint8_t *mac, unsigned int irq)
{
	uint64_t features = 0;
	unsigned int i;

	if (!port || !port->send || !port->recv)
		return -EINVAL;
	net->port = port;
	net->config = (struct virtio_net_config){ .status = 0 };
	net->chain = (struct virtq_chain){ .seg = net->seg, .max = VIRTIO_NET_SEG_MAX };
	if (mac) {
		for (i = 0; i < sizeof(net->config.mac); i++)
			net->config.mac[i] = mac[i];
		features |= 1ull << VIRTIO_NET_F_MAC;
	}
	virtio_mmio_init(&net->mmio, env, irq, &net_ops, net, features);
	return 0;
}

void virtio_net_poll(struct virtio_net *net)
{
	net_rx(net);
}
