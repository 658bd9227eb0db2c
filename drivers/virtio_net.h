/*
 * drivers/virtio_net.h: a virtio network device (virtio 1.2 §5.1) on the
 * virtio-mmio transport, backed by a dm_packet port: one receive and one
 * transmit queue, no offloads, an optional MAC address.
 */
#ifndef DRIVERS_VIRTIO_NET_H
#define DRIVERS_VIRTIO_NET_H

#include "drivers/dm_env.h"
#include "drivers/virtio_mmio.h"
#include "drivers/virtqueue.h"

#define VIRTIO_NET_QUEUE_SIZE 256
#define VIRTIO_NET_RXQ 0	  /* receiveq1 */
#define VIRTIO_NET_TXQ 1	  /* transmitq1 */
#define VIRTIO_NET_FRAME_MAX 1518 /* Ethernet frame with an 802.1Q tag, without FCS */
#define VIRTIO_NET_SEG_MAX 64	  /* buffers per chain */
#define VIRTIO_NET_RX_BATCH 64	  /* frames one poll moves at most */

/* §5.1.3 feature bits. */
#define VIRTIO_NET_F_MAC 5

/* §5.1.6: the header before every frame (12 bytes with VIRTIO_F_VERSION_1). */
struct virtio_net_hdr {
	uint8_t flags;	      /* 0x00 */
	uint8_t gso_type;     /* 0x01 VIRTIO_NET_HDR_GSO_NONE (0) */
	uint16_t hdr_len;     /* 0x02 */
	uint16_t gso_size;    /* 0x04 */
	uint16_t csum_start;  /* 0x06 */
	uint16_t csum_offset; /* 0x08 */
	uint16_t num_buffers; /* 0x0a 1 without VIRTIO_NET_F_MRG_RXBUF */
};
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio_net_hdr is 12 bytes");

/* §5.1.4: the configuration space (mac, then status, which reads 0: no F_STATUS). */
struct virtio_net_config {
	uint8_t mac[6];	 /* 0x00 VIRTIO_NET_F_MAC */
	uint16_t status; /* 0x06 VIRTIO_NET_F_STATUS (not offered) */
};
_Static_assert(sizeof(struct virtio_net_config) == 8, "virtio_net_config up to status");

struct virtio_net {
	struct virtio_mmio mmio; /* the region's dev pointer is &net->mmio */
	const struct dm_packet *port;
	struct virtio_net_config config;
	struct virtq_chain chain;
	struct virtq_seg seg[VIRTIO_NET_SEG_MAX];
	uint8_t rx_frame[VIRTIO_NET_FRAME_MAX]; /* taken from the port, waiting for a buffer */
	size_t rx_len;				/* 0: none waits */
	uint8_t tx_frame[VIRTIO_NET_FRAME_MAX];
};

/*
 * Makes net a virtio-mmio network device on interrupt line irq over port
 * (which, like env, must outlive it). mac: 6 bytes offered with
 * VIRTIO_NET_F_MAC, or NULL to let the driver choose. Returns 0, or -EINVAL
 * for a missing port, port->send or port->recv.
 */
int __must_check virtio_net_init(struct virtio_net *net, const struct dm_env *env,
				 const struct dm_packet *port, const uint8_t *mac,
				 unsigned int irq);
/*
 * Moves frames waiting in the port into the guest's receive buffers, up to
 * VIRTIO_NET_RX_BATCH per call (call it when the port is readable, and
 * again while frames wait). Transmission happens when the driver notifies.
 */
void virtio_net_poll(struct virtio_net *net);

#endif
