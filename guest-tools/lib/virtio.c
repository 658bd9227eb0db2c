/*
 * guest-tools/lib/virtio.c: the test guests' virtio-mmio driver (virtio 1.2
 * §4.2.2 register layout, §4.2.3.1 initialisation, §2.7.13 supplying buffers,
 * §2.7.14 receiving used buffers). Guest memory is identity-mapped, so a
 * pointer is its guest-physical address.
 */
#include "guest-tools/lib/virtio.h"

#define MMIO_BASE 0xfeb00000ul
#define MMIO_STRIDE 0x200
#define MMIO_SLOTS 32
#define MAGIC 0x74726976 /* "virt" */

enum {
	STATUS_ACK = 1,
	STATUS_DRIVER = 2,
	STATUS_DRIVER_OK = 4,
	STATUS_FEATURES_OK = 8,
};

#define F_VERSION_1 (1ull << 32)
#define DESC_NEXT 1
#define DESC_WRITE 2

static uint32_t rd(struct gvirtio *d, unsigned int reg)
{
	return *(volatile uint32_t *)(d->base + reg);
}

static void wr(struct gvirtio *d, unsigned int reg, uint32_t v)
{
	*(volatile uint32_t *)(d->base + reg) = v;
}

static void wr64(struct gvirtio *d, unsigned int reg, uint64_t v)
{
	wr(d, reg, (uint32_t)v);
	wr(d, reg + 4, (uint32_t)(v >> 32));
}

int gvirtio_find(uint32_t device_id, struct gvirtio *dev)
{
	for (unsigned int i = 0; i < MMIO_SLOTS; i++) {
		struct gvirtio d = { MMIO_BASE + i * MMIO_STRIDE, 0, 0 };

		if (rd(&d, REG_MAGIC) != MAGIC || rd(&d, REG_VERSION) != 2)
			continue;
		if (rd(&d, REG_DEVICE_ID) == device_id) {
			d.device_id = device_id;
			*dev = d;
			return 0;
		}
	}
	return -1;
}

int gvirtio_negotiate(struct gvirtio *dev, uint64_t wanted)
{
	uint64_t offered;

	wr(dev, REG_STATUS, 0);
	wr(dev, REG_STATUS, STATUS_ACK);
	wr(dev, REG_STATUS, STATUS_ACK | STATUS_DRIVER);
	wr(dev, REG_DEV_FEATURES_SEL, 1);
	offered = (uint64_t)rd(dev, REG_DEV_FEATURES) << 32;
	wr(dev, REG_DEV_FEATURES_SEL, 0);
	offered |= rd(dev, REG_DEV_FEATURES);
	if (!(offered & F_VERSION_1))
		return -1;
	dev->features = (wanted | F_VERSION_1) & offered;
	wr(dev, REG_DRV_FEATURES_SEL, 1);
	wr(dev, REG_DRV_FEATURES, (uint32_t)(dev->features >> 32));
	wr(dev, REG_DRV_FEATURES_SEL, 0);
	wr(dev, REG_DRV_FEATURES, (uint32_t)dev->features);
	wr(dev, REG_STATUS, STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK);
	return (rd(dev, REG_STATUS) & STATUS_FEATURES_OK) ? 0 : -1;
}

int gvirtio_queue_setup(struct gvirtio *dev, struct gvq *q, unsigned int index)
{
	wr(dev, REG_QUEUE_SEL, index);
	if (rd(dev, REG_QUEUE_NUM_MAX) < GVQ_SIZE)
		return -1;
	q->index = index;
	q->last_used = 0;
	q->avail.idx = 0;
	q->used.idx = 0;
	wr(dev, REG_QUEUE_NUM, GVQ_SIZE);
	wr64(dev, REG_QUEUE_DESC, (uintptr_t)q->desc);
	wr64(dev, REG_QUEUE_DRIVER, (uintptr_t)&q->avail);
	wr64(dev, REG_QUEUE_DEVICE, (uintptr_t)&q->used);
	wr(dev, REG_QUEUE_READY, 1);
	return 0;
}

void gvirtio_driver_ok(struct gvirtio *dev)
{
	wr(dev, REG_STATUS, rd(dev, REG_STATUS) | STATUS_DRIVER_OK);
}

uint32_t gvirtio_status(struct gvirtio *dev)
{
	return rd(dev, REG_STATUS);
}

uint32_t gvirtio_config32(struct gvirtio *dev, unsigned int offset)
{
	return rd(dev, REG_CONFIG + offset);
}

/* One chain at a time: descriptors 0..n-1, head 0. */
int gvq_submit(struct gvirtio *dev, struct gvq *q, const struct gvbuf *bufs, unsigned int n)
{
	if (!n || n > GVQ_SIZE)
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		q->desc[i] = (struct gvq_desc){
			.addr = (uintptr_t)bufs[i].addr,
			.len = bufs[i].len,
			.flags = (uint16_t)((i + 1 < n ? DESC_NEXT : 0) |
					    (bufs[i].device_writes ? DESC_WRITE : 0)),
			.next = (uint16_t)(i + 1 < n ? i + 1 : 0),
		};
	}
	q->avail.ring[q->avail.idx % GVQ_SIZE] = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	q->avail.idx++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr(dev, REG_QUEUE_NOTIFY, q->index);
	return 0;
}

long gvq_wait(struct gvq *q)
{
	for (unsigned long spin = 0; spin < 100000000ul; spin++) {
		uint16_t idx = *(volatile uint16_t *)&q->used.idx;

		if (idx != q->last_used) {
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			return q->used.ring[q->last_used++ % GVQ_SIZE].len;
		}
		asm volatile("pause");
	}
	return -1;
}

int gvirtio_blk_request(struct gvirtio *dev, struct gvq *q, uint32_t type, uint64_t sector,
			void *data, uint32_t len)
{
	static struct gvirtio_blk_hdr hdr;
	static volatile uint8_t status;
	struct gvbuf bufs[3] = { { &hdr, sizeof(hdr), 0 } };
	unsigned int n = 1;

	hdr = (struct gvirtio_blk_hdr){ type, 0, sector };
	status = 0xff;
	if (len)
		bufs[n++] = (struct gvbuf){ data, len, type != VIRTIO_BLK_T_OUT };
	bufs[n++] = (struct gvbuf){ (void *)&status, 1, 1 };
	if (gvq_submit(dev, q, bufs, n) || gvq_wait(q) < 0)
		return -1;
	return status;
}
