/*
 * drivers/virtio_console.h: a virtio console (virtio 1.2 §5.3) on the
 * virtio-mmio transport with one port (no VIRTIO_CONSOLE_F_MULTIPORT),
 * backed by a dm_stream.
 */
#ifndef DRIVERS_VIRTIO_CONSOLE_H
#define DRIVERS_VIRTIO_CONSOLE_H

#include "drivers/dm_env.h"
#include "drivers/virtio_mmio.h"
#include "drivers/virtqueue.h"

#define VIRTIO_CONSOLE_QUEUE_SIZE 64
#define VIRTIO_CONSOLE_RXQ 0 /* receiveq (port 0) */
#define VIRTIO_CONSOLE_TXQ 1 /* transmitq (port 0) */
#define VIRTIO_CONSOLE_SEG_MAX 16
#define VIRTIO_CONSOLE_BUF 256

/* §5.3.4: the configuration space (its fields need features not offered: all 0). */
struct virtio_console_config {
	uint16_t cols;	       /* 0x00 VIRTIO_CONSOLE_F_SIZE */
	uint16_t rows;	       /* 0x02 */
	uint32_t max_nr_ports; /* 0x04 VIRTIO_CONSOLE_F_MULTIPORT */
	uint32_t emerg_wr;     /* 0x08 VIRTIO_CONSOLE_F_EMERG_WRITE */
};
_Static_assert(sizeof(struct virtio_console_config) == 12, "virtio_console_config is 12 bytes");

struct virtio_console {
	struct virtio_mmio mmio; /* the region's dev pointer is &con->mmio */
	const struct dm_stream *stream;
	struct virtio_console_config config;
	struct virtq_chain chain;
	struct virtq_seg seg[VIRTIO_CONSOLE_SEG_MAX];
	uint8_t rx[VIRTIO_CONSOLE_BUF]; /* input taken from the stream, not yet given */
	size_t rx_head, rx_len;
	uint8_t tx[VIRTIO_CONSOLE_BUF];
};

/*
 * Makes con a virtio-mmio console on interrupt line irq over stream (which,
 * like env, must outlive it; NULL: output dropped, no input). Returns 0.
 * Output reaches the stream when the driver notifies the transmit queue.
 */
int __must_check virtio_console_init(struct virtio_console *con, const struct dm_env *env,
				     const struct dm_stream *stream, unsigned int irq);
/* Moves waiting input from the stream into the guest's receive buffers; call it periodically. */
void virtio_console_poll(struct virtio_console *con);

#endif
