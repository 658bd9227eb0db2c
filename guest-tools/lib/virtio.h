/*
 * guest-tools/lib/virtio.h: a minimal virtio-mmio driver for test guests
 * (virtio 1.2 §4.2.3 driver initialisation, §2.7 split virtqueues), polled,
 * no interrupts. Devices are looked for at the virtio-mmio windows of QEMU's
 * microvm machine (0xfeb00000, 0x200 apart), which bvm uses too.
 */
#ifndef GUEST_TOOLS_VIRTIO_H
#define GUEST_TOOLS_VIRTIO_H

#include <stdint.h>

#define GVQ_SIZE 16

/* The virtio-mmio registers (virtio 1.2 §4.2.2), offsets in a device's window. */
enum {
	REG_MAGIC = 0x000,
	REG_VERSION = 0x004,
	REG_DEVICE_ID = 0x008,
	REG_DEV_FEATURES = 0x010,
	REG_DEV_FEATURES_SEL = 0x014,
	REG_DRV_FEATURES = 0x020,
	REG_DRV_FEATURES_SEL = 0x024,
	REG_QUEUE_SEL = 0x030,
	REG_QUEUE_NUM_MAX = 0x034,
	REG_QUEUE_NUM = 0x038,
	REG_QUEUE_READY = 0x044,
	REG_QUEUE_NOTIFY = 0x050,
	REG_STATUS = 0x070,
	REG_QUEUE_DESC = 0x080,
	REG_QUEUE_DRIVER = 0x090,
	REG_QUEUE_DEVICE = 0x0a0,
	REG_CONFIG = 0x100,
	REG_END = 0x200, /* one device's window */
};

enum {
	VIRTIO_ID_NET = 1,
	VIRTIO_ID_BLOCK = 2,
	VIRTIO_ID_CONSOLE = 3,
	VIRTIO_ID_RNG = 4,
	VIRTIO_ID_BALLOON = 5,
};

struct gvq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct gvq {
	unsigned int index;
	struct gvq_desc desc[GVQ_SIZE] __attribute__((aligned(16)));
	struct {
		uint16_t flags, idx, ring[GVQ_SIZE], used_event;
	} avail __attribute__((aligned(2)));
	struct {
		uint16_t flags, idx;
		struct {
			uint32_t id, len;
		} ring[GVQ_SIZE];
		uint16_t avail_event;
	} used __attribute__((aligned(4)));
	uint16_t last_used;
};

struct gvirtio {
	uintptr_t base;
	uint32_t device_id;
	uint64_t features; /* negotiated */
};

struct gvbuf {
	void *addr;
	uint32_t len;
	int device_writes;
};

/* virtio-blk requests (virtio 1.2 §5.2.6): a header, the data, a status byte. */
enum {
	VIRTIO_BLK_T_IN = 0,
	VIRTIO_BLK_T_OUT = 1,
	VIRTIO_BLK_T_FLUSH = 4,
	VIRTIO_BLK_T_GET_ID = 8,
	VIRTIO_BLK_S_OK = 0,
	VIRTIO_BLK_S_IOERR = 1,
};

struct gvirtio_blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

/* Finds the first device of that type; 0 or -1. */
int gvirtio_find(uint32_t device_id, struct gvirtio *dev);
/* Reset, ACK, DRIVER, features (VERSION_1 plus wanted & offered), FEATURES_OK. */
int gvirtio_negotiate(struct gvirtio *dev, uint64_t wanted);
int gvirtio_queue_setup(struct gvirtio *dev, struct gvq *q, unsigned int index);
void gvirtio_driver_ok(struct gvirtio *dev);
uint32_t gvirtio_status(struct gvirtio *dev);
/* Queues one chain of buffers (device-readable ones first) and notifies. */
int gvq_submit(struct gvirtio *dev, struct gvq *q, const struct gvbuf *bufs, unsigned int n);
/* Waits (bounded) for the next used element; returns its length or -1 on timeout. */
long gvq_wait(struct gvq *q);
uint32_t gvirtio_config32(struct gvirtio *dev, unsigned int offset);
/*
 * One virtio-blk request with len bytes of data at data (none if len is 0; the
 * device writes them unless type is VIRTIO_BLK_T_OUT). Returns the status byte
 * the device wrote, or -1 if it never answered.
 */
int gvirtio_blk_request(struct gvirtio *dev, struct gvq *q, uint32_t type, uint64_t sector,
			void *data, uint32_t len);

#endif
