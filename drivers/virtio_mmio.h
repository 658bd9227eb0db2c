/*
 * drivers/virtio_mmio.h: the virtio-mmio transport, version 2 (virtio 1.2
 * §4.2). A device model embeds a struct virtio_mmio, describes itself with a
 * const struct virtio_device_ops and lets the transport own the registers,
 * the feature negotiation, the device status, the queues and the interrupt
 * line. The host maps VIRTIO_MMIO_REGION_LEN bytes of guest-physical space
 * to virtio_mmio_io_read / virtio_mmio_io_write with the struct as dev, and
 * serializes every call into one instance (I/O, poll and notify alike).
 */
#ifndef DRIVERS_VIRTIO_MMIO_H
#define DRIVERS_VIRTIO_MMIO_H

#include "drivers/dm_env.h"
#include "drivers/virtqueue.h"

#define VIRTIO_MMIO_REGION_LEN 0x200
#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */
#define VIRTIO_MMIO_VERSION 2
#define VIRTIO_MMIO_VENDOR_ID 0x69766962 /* "bivi" */
#define VIRTIO_MMIO_QUEUES_MAX 4
#define VIRTIO_MMIO_CONFIG 0x100 /* the device-specific configuration space starts here */

/* §4.2.2 Table 4.1: the control registers, each 32 bits wide. */
struct virtio_mmio_regs {
	uint32_t magic;		      /* 0x000 R  VIRTIO_MMIO_MAGIC */
	uint32_t version;	      /* 0x004 R  2 */
	uint32_t device_id;	      /* 0x008 R  VIRTIO_ID_* */
	uint32_t vendor_id;	      /* 0x00c R */
	uint32_t device_features;     /* 0x010 R  32 bits chosen by device_features_sel */
	uint32_t device_features_sel; /* 0x014 W */
	uint32_t reserved0[2];	      /* 0x018 */
	uint32_t driver_features;     /* 0x020 W  32 bits chosen by driver_features_sel */
	uint32_t driver_features_sel; /* 0x024 W */
	uint32_t reserved1[2];	      /* 0x028 legacy GuestPageSize */
	uint32_t queue_sel;	      /* 0x030 W */
	uint32_t queue_num_max;	      /* 0x034 R  0: no such queue */
	uint32_t queue_num;	      /* 0x038 W */
	uint32_t reserved2[2];	      /* 0x03c legacy QueueAlign, QueuePFN */
	uint32_t queue_ready;	      /* 0x044 RW */
	uint32_t reserved3[2];	      /* 0x048 */
	uint32_t queue_notify;	      /* 0x050 W  a queue index */
	uint32_t reserved4[3];	      /* 0x054 */
	uint32_t interrupt_status;    /* 0x060 R  VIRTIO_MMIO_INT_* */
	uint32_t interrupt_ack;	      /* 0x064 W */
	uint32_t reserved5[2];	      /* 0x068 */
	uint32_t status;	      /* 0x070 RW VIRTIO_STATUS_*; writing 0 resets */
	uint32_t reserved6[3];	      /* 0x074 */
	uint32_t queue_desc_low;      /* 0x080 W  Descriptor Area */
	uint32_t queue_desc_high;     /* 0x084 W */
	uint32_t reserved7[2];	      /* 0x088 */
	uint32_t queue_driver_low;    /* 0x090 W  Driver Area (available ring) */
	uint32_t queue_driver_high;   /* 0x094 W */
	uint32_t reserved8[2];	      /* 0x098 */
	uint32_t queue_device_low;    /* 0x0a0 W  Device Area (used ring) */
	uint32_t queue_device_high;   /* 0x0a4 W */
	uint32_t reserved9;	      /* 0x0a8 */
	uint32_t shm_sel;	      /* 0x0ac W */
	uint32_t shm_len_low;	      /* 0x0b0 R  no shared memory: all ones */
	uint32_t shm_len_high;	      /* 0x0b4 R */
	uint32_t shm_base_low;	      /* 0x0b8 R */
	uint32_t shm_base_high;	      /* 0x0bc R */
	uint32_t queue_reset;	      /* 0x0c0 RW VIRTIO_F_RING_RESET (not offered): 0 */
	uint32_t reserved10[14];      /* 0x0c4 */
	uint32_t config_generation;   /* 0x0fc R */
};
_Static_assert(sizeof(struct virtio_mmio_regs) == VIRTIO_MMIO_CONFIG, "registers end at 0x100");

#define VIRTIO_MMIO_REG(field) offsetof(struct virtio_mmio_regs, field)

#define VIRTIO_MMIO_INT_VRING 1	 /* used buffer notification */
#define VIRTIO_MMIO_INT_CONFIG 2 /* configuration change notification */

/* §2.1: device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

/* §5: device types. */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_ENTROPY 4
#define VIRTIO_ID_BALLOON 5

/*
 * What a device tells the transport about itself. dev is the pointer given
 * to virtio_mmio_init. Config offsets are from VIRTIO_MMIO_CONFIG; the
 * transport checks that size is 1, 2, 4 or 8 and the access naturally aligned.
 */
struct virtio_device_ops {
	uint32_t device_id;
	unsigned int num_queues; /* at most VIRTIO_MMIO_QUEUES_MAX */
	uint16_t queue_size_max; /* QueueNumMax of every queue: a power of 2 */
	/* 0 and *value, or -EINVAL past the configuration space. NULL: none. */
	int (*config_read)(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
	/* NULL: the configuration space is read-only (writes are dropped). */
	int (*config_write)(void *dev, uint64_t offset, unsigned int size, uint64_t value);
	/* The driver made buffers available in queue q: only while DRIVER_OK, q ready. */
	void (*queue_notify)(void *dev, unsigned int q);
	/* The transport was reset (also at init): drop everything tied to the driver. */
	void (*reset)(void *dev);
};

struct virtio_mmio_queue {
	struct virtq vq;
	uint32_t num;		    /* QueueNum */
	uint32_t ready;		    /* QueueReady */
	gpa_t desc, driver, device; /* the three area addresses written so far */
};

struct virtio_mmio {
	const struct dm_env *env;
	const struct virtio_device_ops *ops;
	void *dev;
	unsigned int irq;
	uint64_t device_features; /* offered: the device's, VERSION_1, INDIRECT_DESC, EVENT_IDX */
	uint64_t driver_features; /* what the driver wrote; in force once FEATURES_OK is set */
	uint32_t device_features_sel, driver_features_sel, queue_sel;
	uint32_t status;
	uint32_t interrupt_status;
	uint32_t config_generation;
	int irq_level; /* what set_irq was last told */
	struct virtio_mmio_queue queues[VIRTIO_MMIO_QUEUES_MAX];
};

/*
 * Binds t to env, ops and dev, offers device_features plus the transport's
 * own, and resets it (calling ops->reset). The line irq is assumed low.
 */
void virtio_mmio_init(struct virtio_mmio *t, const struct dm_env *env, unsigned int irq,
		      const struct virtio_device_ops *ops, void *dev, uint64_t device_features);
/*
 * The dm_io_read_fn / dm_io_write_fn of the 0x200-byte region (dev is the
 * struct virtio_mmio). Registers below 0x100 take aligned 4-byte accesses
 * only; the configuration space 1, 2, 4 or 8 bytes, naturally aligned.
 * Others get -EINVAL.
 */
int virtio_mmio_io_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
int virtio_mmio_io_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);

/* Queue q if the device may use it now (DRIVER_OK, no NEEDS_RESET, q ready), else NULL. */
struct virtq *virtio_mmio_queue(struct virtio_mmio *t, unsigned int q);
/* After pushing used buffers to q: raise the used buffer interrupt if the driver wants it. */
void virtio_mmio_signal_used(struct virtio_mmio *t, unsigned int q);
/*
 * The device found an error it cannot go on from (§2.1.2): logs "queue q:
 * why" (why NULL: the queue's last vq->error), sets DEVICE_NEEDS_RESET and,
 * once DRIVER_OK, raises a configuration change interrupt. Until the driver
 * resets the device, its queues are not used.
 */
void virtio_mmio_needs_reset(struct virtio_mmio *t, unsigned int q, const char *why);
/*
 * Serves every chain waiting in queue q, for a device that answers each at
 * once: virtq_pop(vq, c, flags), then serve(t->dev, vq) (0: go on). Then
 * signals the used ring; a negative errno from either stops and asks for a
 * reset (virtio_mmio_needs_reset with the queue's error), a positive value
 * just stops. Does nothing while the queue may not be used.
 */
void virtio_mmio_serve(struct virtio_mmio *t, unsigned int q, struct virtq_chain *c,
		       unsigned int flags, int (*serve)(void *dev, struct virtq *vq));
/* The configuration space changed: a new ConfigGeneration and, once DRIVER_OK, an interrupt. */
void virtio_mmio_config_changed(struct virtio_mmio *t);
/* Feature bit negotiated (offered, accepted, FEATURES_OK set). */
int virtio_mmio_has_feature(const struct virtio_mmio *t, unsigned int bit);
/*
 * A config_read helper for a configuration space kept as little-endian
 * bytes: *value from cfg[offset, offset + size), bytes past len reading as 0
 * (fields of features not offered). Returns 0.
 */
int virtio_config_read_bytes(const void *cfg, size_t len, uint64_t offset, unsigned int size,
			     uint64_t *value);

#endif
