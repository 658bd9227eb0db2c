/*
 * guest-tools/virtio_hostile.c: a virtio-blk driver that breaks virtio 1.2
 * §2.7.5 on purpose: a buffer outside guest RAM, a descriptor chain that
 * loops, a buffer whose end wraps past 2^64 and one that runs past the end
 * of RAM. Each time the device must leave the request alone and set
 * DEVICE_NEEDS_RESET (§2.1.2), and work again after a reset (§2.4); the host
 * goes on running, so this guest ends itself with its SUMMARY.
 */
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/virtio.h"

#define REG_QUEUE_NOTIFY 0x050 /* §4.2.2: written directly to hand over a forged chain */
#define NEEDS_RESET 64
#define DESC_NEXT 1
#define DESC_WRITE 2
#define OUTSIDE_RAM 0x10000000000ull /* 1 TiB: no test machine has RAM there */
#define WRAPS 0xfffffffffffff000ull  /* with 8 KiB, the end wraps to 0x1000 */
#define PAST_RAM_LEN 0xffffffffu     /* from inside RAM, 4 GiB - 1 bytes */

static struct gvirtio dev;
static struct gvq vq __attribute__((aligned(4096)));
static struct gvirtio_blk_hdr hdr;
static volatile uint8_t status;
static uint8_t data[512] __attribute__((aligned(512)));

static void set_desc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	vq.desc[i].addr = addr;
	vq.desc[i].len = len;
	vq.desc[i].flags = flags;
	vq.desc[i].next = next;
}

/* A read of sector 0: header, data buffer (addr, len) and status, as descriptors 0-2. */
static void forge_read(uint64_t addr, uint32_t len)
{
	hdr = (struct gvirtio_blk_hdr){ VIRTIO_BLK_T_IN, 0, 0 };
	status = 0xff;
	set_desc(0, (uintptr_t)&hdr, sizeof(hdr), DESC_NEXT, 1);
	set_desc(1, addr, len, DESC_NEXT | DESC_WRITE, 2);
	set_desc(2, (uintptr_t)&status, 1, DESC_WRITE, 0);
}

static int used_moved(void)
{
	return *(volatile uint16_t *)&vq.used.idx != vq.last_used;
}

/*
 * Makes the chain at descriptor 0 available, notifies and waits (bounded) for
 * NEEDS_RESET or a used entry. 1 if the device set NEEDS_RESET and left the
 * request alone.
 */
static int refused(void)
{
	vq.avail.ring[vq.avail.idx % GVQ_SIZE] = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq.avail.idx++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*(volatile uint32_t *)(dev.base + REG_QUEUE_NOTIFY) = 0;
	for (unsigned long i = 0; i < 10000000ul && !used_moved(); i++) {
		if (gvirtio_status(&dev) & NEEDS_RESET)
			break;
		asm volatile("pause");
	}
	if ((gvirtio_status(&dev) & NEEDS_RESET) && status == 0xff && !used_moved())
		return 1;
	guest_printf("device status %#x, request status %#x, used idx %u\n", gvirtio_status(&dev),
		     status, *(volatile uint16_t *)&vq.used.idx);
	return 0;
}

/* Resets the device, sets it up again and reads sector 0: 1 if all of it works. */
static int works_after_reset(void)
{
	struct gvbuf bufs[3] = { { &hdr, sizeof(hdr), 0 },
				 { data, sizeof(data), 1 },
				 { (void *)&status, 1, 1 } };

	if (gvirtio_negotiate(&dev, 0) || gvirtio_queue_setup(&dev, &vq, 0))
		return 0;
	gvirtio_driver_ok(&dev);
	hdr = (struct gvirtio_blk_hdr){ VIRTIO_BLK_T_IN, 0, 0 };
	status = 0xff;
	if (gvq_submit(&dev, &vq, bufs, 3) || gvq_wait(&vq) < 0)
		return 0;
	return status == VIRTIO_BLK_S_OK && !(gvirtio_status(&dev) & NEEDS_RESET);
}

int guest_main(void)
{
	report(gvirtio_find(VIRTIO_ID_BLOCK, &dev) == 0, "a virtio-blk device is present");
	report(works_after_reset(), "a well-formed read works");

	forge_read(OUTSIDE_RAM, sizeof(data));
	report(refused(), "a buffer outside guest RAM: NEEDS_RESET, request left alone");
	report(works_after_reset(), "after a reset the device works again");

	forge_read((uintptr_t)data, sizeof(data));
	set_desc(2, (uintptr_t)&status, 1, DESC_NEXT | DESC_WRITE, 1); /* 0, 1, 2, 1, 2, ... */
	report(refused(), "a descriptor loop: NEEDS_RESET, request left alone");
	report(works_after_reset(), "after a reset the device works again");

	forge_read(WRAPS, 0x2000);
	report(refused(), "a buffer that wraps past 2^64: NEEDS_RESET, request left alone");
	report(works_after_reset(), "after a reset the device works again");

	forge_read((uintptr_t)data, PAST_RAM_LEN);
	report(refused(), "a buffer running past the end of RAM: NEEDS_RESET, request left alone");
	report(works_after_reset(), "after a reset the device works again");
	return report_summary();
}
