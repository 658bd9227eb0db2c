/*
 * drivers/virtio_blk.h: a virtio block device (virtio 1.2 §5.2) on the
 * virtio-mmio transport, backed by a dm_block store. One request queue.
 */
#ifndef DRIVERS_VIRTIO_BLK_H
#define DRIVERS_VIRTIO_BLK_H

#include "drivers/dm_env.h"
#include "drivers/virtio_mmio.h"
#include "drivers/virtqueue.h"

#define VIRTIO_BLK_SECTOR 512
#define VIRTIO_BLK_QUEUE_SIZE 256
#define VIRTIO_BLK_SEG_MAX 126 /* data buffers per request, offered as seg_max */
#define VIRTIO_BLK_BOUNCE 4096 /* copy buffer, when the host cannot translate */
#define VIRTIO_BLK_ID_BYTES 20

/* §5.2.3 feature bits. */
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_FLUSH 9

/* §5.2.6 request types and status values. */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

/* §5.2.6: the device-readable header of a request; data and the status byte follow. */
struct virtio_blk_req_hdr {
	uint32_t type;	   /* 0x00 VIRTIO_BLK_T_* */
	uint32_t reserved; /* 0x04 */
	uint64_t sector;   /* 0x08 in 512-byte units */
};
_Static_assert(sizeof(struct virtio_blk_req_hdr) == 16, "virtio_blk request header is 16 bytes");

/* §5.2.4: the start of the configuration space (the rest reads as 0). */
struct virtio_blk_config {
	uint64_t capacity;	      /* 0x00 512-byte sectors */
	uint32_t size_max;	      /* 0x08 VIRTIO_BLK_F_SIZE_MAX (not offered) */
	uint32_t seg_max;	      /* 0x0c VIRTIO_BLK_F_SEG_MAX */
	uint16_t cylinders;	      /* 0x10 VIRTIO_BLK_F_GEOMETRY (not offered) */
	uint8_t heads;		      /* 0x12 */
	uint8_t sectors;	      /* 0x13 */
	uint32_t blk_size;	      /* 0x14 VIRTIO_BLK_F_BLK_SIZE (not offered) */
	uint8_t physical_block_exp;   /* 0x18 VIRTIO_BLK_F_TOPOLOGY (not offered) */
	uint8_t alignment_offset;     /* 0x19 */
	uint16_t min_io_size;	      /* 0x1a */
	uint32_t opt_io_size;	      /* 0x1c */
	uint8_t writeback;	      /* 0x20 VIRTIO_BLK_F_CONFIG_WCE (not offered) */
	uint8_t unused0;	      /* 0x21 */
	uint16_t num_queues;	      /* 0x22 VIRTIO_BLK_F_MQ (not offered) */
	uint32_t max_discard_sectors; /* 0x24 VIRTIO_BLK_F_DISCARD (not offered) */
};
_Static_assert(sizeof(struct virtio_blk_config) == 0x28,
	       "virtio_blk_config to max_discard_sectors");

struct virtio_blk {
	struct virtio_mmio mmio; /* the region's dev pointer is &blk->mmio */
	const struct dm_block *store;
	struct virtio_blk_config config;
	struct virtq_chain chain;
	struct virtq_seg seg[VIRTIO_BLK_SEG_MAX + 2]; /* header, data, status */
	uint8_t bounce[VIRTIO_BLK_BOUNCE];
};

/*
 * Makes blk a virtio-mmio block device on interrupt line irq over store
 * (which, like env, must outlive it). The capacity is store->size / 512;
 * VIRTIO_BLK_F_RO is offered for a read-only store (or one without write),
 * VIRTIO_BLK_F_FLUSH for a writable store with flush. Returns 0, or -EINVAL
 * for a missing store or store->read. Requests are served when the driver
 * notifies the queue; there is nothing to poll.
 */
int __must_check virtio_blk_init(struct virtio_blk *blk, const struct dm_env *env,
				 const struct dm_block *store, unsigned int irq);

#endif
