/*
 * guest-tools/virtio_hostile.c: a virtio-blk driver that breaks virtio 1.2 on
 * purpose (issue 17, docs/security.md). Chains (§2.7.5): a buffer outside
 * guest RAM, a loop, a buffer wrapping past 2^64 or running past the end of
 * RAM; indirect tables (§2.7.5.3) outside RAM, nested, or of a length that is
 * 0 or not a multiple of 16. Each time the device must leave the request
 * alone and set DEVICE_NEEDS_RESET (§2.1.2), and work again after a reset
 * (§2.4). Transport (§4.2.2, §4.2.3): a used ring placed on MMIO or past RAM,
 * queue sizes 0, 3 and QueueNumMax + 1 (split queues are a power of 2, §2.7),
 * fuzzing of the register page and the configuration space, feature
 * renegotiation after DRIVER_OK (§2.2, §3.1.1), and a notify storm. The host
 * goes on running, so this guest ends itself with its SUMMARY.
 * Options: storm=N notifications in the storm (default 100000).
 */
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/virtio.h"

#define MAGIC 0x74726976 /* "virt" */
#define FEATURES_OK 8
#define NEEDS_RESET 64
#define F_INDIRECT_DESC (1ull << 28)
#define DESC_NEXT 1
#define DESC_WRITE 2
#define DESC_INDIRECT 4
#define OUTSIDE_RAM 0x10000000000ull /* 1 TiB: no test machine has RAM there */
#define WRAPS 0xfffffffffffff000ull  /* with 8 KiB, the end wraps to 0x1000 */
#define PAST_RAM_LEN 0xffffffffu     /* from inside RAM, 4 GiB - 1 bytes */
#define FUZZ_ROUNDS 8

static struct gvirtio dev;
static struct gvq vq __attribute__((aligned(4096)));
static struct gvq_desc table[3] __attribute__((aligned(16)));
static struct gvq_desc nested[3] __attribute__((aligned(16)));
static struct gvirtio_blk_hdr hdr;
static volatile uint8_t status;
static uint8_t data[512] __attribute__((aligned(512)));

static uint32_t reg_rd(unsigned int reg)
{
	return *(volatile uint32_t *)(dev.base + reg);
}

static void reg_wr(unsigned int reg, uint32_t v)
{
	*(volatile uint32_t *)(dev.base + reg) = v;
}

static void reg_wr64(unsigned int reg, uint64_t v)
{
	reg_wr(reg, (uint32_t)v);
	reg_wr(reg + 4, (uint32_t)(v >> 32));
}

static void set_desc(struct gvq_desc *d, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	*d = (struct gvq_desc){ .addr = addr, .len = len, .flags = flags, .next = next };
}

/* The three descriptors of a read of sector 0 (data at addr, len) into t[0..2]. */
static void fill_read(struct gvq_desc *t, uint64_t addr, uint32_t len)
{
	hdr = (struct gvirtio_blk_hdr){ VIRTIO_BLK_T_IN, 0, 0 };
	status = 0xff;
	set_desc(&t[0], (uintptr_t)&hdr, sizeof(hdr), DESC_NEXT, 1);
	set_desc(&t[1], addr, len, DESC_NEXT | DESC_WRITE, 2);
	set_desc(&t[2], (uintptr_t)&status, 1, DESC_WRITE, 0);
}

/* A read of sector 0 in the queue's descriptors 0-2. */
static void forge_read(uint64_t addr, uint32_t len)
{
	fill_read(vq.desc, addr, len);
}

/* Descriptor 0 points at an indirect table (addr, len) that holds a read of sector 0. */
static void forge_indirect(uint64_t addr, uint32_t len)
{
	fill_read(table, (uintptr_t)data, sizeof(data));
	set_desc(&vq.desc[0], addr, len, DESC_INDIRECT, 0);
}

static int used_moved(void)
{
	return *(volatile uint16_t *)&vq.used.idx != vq.last_used;
}

/* Makes the chain at descriptor 0 available, without a notification. */
static void make_available(void)
{
	vq.avail.ring[vq.avail.idx % GVQ_SIZE] = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq.avail.idx++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Waits (bounded) for a used entry or NEEDS_RESET. */
static void wait_answer(void)
{
	for (unsigned long i = 0; i < 10000000ul && !used_moved(); i++) {
		if (gvirtio_status(&dev) & NEEDS_RESET)
			break;
		asm volatile("pause");
	}
}

static void kick(void)
{
	make_available();
	reg_wr(REG_QUEUE_NOTIFY, 0);
	wait_answer();
}

static void show_state(void)
{
	guest_printf("device status %#x, request status %#x, used idx %u\n", gvirtio_status(&dev),
		     status, *(volatile uint16_t *)&vq.used.idx);
}

/* 1 if the device set NEEDS_RESET and left the chain at descriptor 0 alone. */
static int refused(void)
{
	kick();
	if ((gvirtio_status(&dev) & NEEDS_RESET) && status == 0xff && !used_moved())
		return 1;
	show_state();
	return 0;
}

/* 1 if the device served the chain at descriptor 0 and is well. */
static int served(void)
{
	kick();
	if (used_moved() && status == VIRTIO_BLK_S_OK && !(gvirtio_status(&dev) & NEEDS_RESET)) {
		vq.last_used++;
		return 1;
	}
	show_state();
	return 0;
}

/* Resets the device, sets it up again (with indirect descriptors): 0 on success. */
static int setup(void)
{
	if (gvirtio_negotiate(&dev, F_INDIRECT_DESC) || gvirtio_queue_setup(&dev, &vq, 0))
		return -1;
	gvirtio_driver_ok(&dev);
	return 0;
}

/* Resets the device, sets it up again and reads sector 0: 1 if all of it works. */
static int works_after_reset(void)
{
	if (setup())
		return 0;
	forge_read((uintptr_t)data, sizeof(data));
	return served();
}

static void chain_attacks(void)
{
	forge_read(OUTSIDE_RAM, sizeof(data));
	report(refused(), "a buffer outside guest RAM: NEEDS_RESET, request left alone");
	report(works_after_reset(), "after a reset the device works again");

	forge_read((uintptr_t)data, sizeof(data));
	set_desc(&vq.desc[2], (uintptr_t)&status, 1, DESC_NEXT | DESC_WRITE, 1); /* 0,1,2,1,2 */
	report(refused(), "a descriptor loop: NEEDS_RESET, request left alone");
	report(works_after_reset(), "after a reset the device works again");

	forge_read(WRAPS, 0x2000);
	report(refused(), "a buffer that wraps past 2^64: NEEDS_RESET, request left alone");
	report(works_after_reset(), "after a reset the device works again");

	forge_read((uintptr_t)data, PAST_RAM_LEN);
	report(refused(), "a buffer running past the end of RAM: NEEDS_RESET, request left alone");
	report(works_after_reset(), "after a reset the device works again");
}

/* One indirect attack, then a reset that must bring the device back. */
static void indirect_attack(uint64_t addr, uint32_t len, const char *what)
{
	forge_indirect(addr, len);
	report(refused(), what);
	if (setup())
		report(0, "setup after the indirect attack");
}

static void indirect_attacks(void)
{
	report(dev.features & F_INDIRECT_DESC, "the device offers VIRTIO_F_INDIRECT_DESC");
	forge_indirect((uintptr_t)table, sizeof(table));
	report(served(), "a well-formed indirect table is served");
	indirect_attack(OUTSIDE_RAM, sizeof(table),
			"an indirect table outside guest RAM: NEEDS_RESET, request left alone");
	fill_read(nested, (uintptr_t)data, sizeof(data));
	forge_indirect((uintptr_t)table, sizeof(table));
	set_desc(&table[0], (uintptr_t)nested, sizeof(nested), DESC_INDIRECT, 0);
	report(refused(), "an indirect table holding an INDIRECT descriptor: NEEDS_RESET, "
			  "request left alone");
	if (setup())
		report(0, "setup after the nested table");
	indirect_attack((uintptr_t)table, 24,
			"an indirect table of 24 bytes: NEEDS_RESET, request left alone");
	indirect_attack((uintptr_t)table, 0,
			"an indirect table of 0 bytes: NEEDS_RESET, request left alone");
	forge_indirect((uintptr_t)table, sizeof(table));
	report(served(), "after a reset indirect tables work again");
}

/*
 * Sets queue 0 up by hand with size num and the used ring at used, then
 * DRIVER_OK and a notify. 1 if the queue stayed not ready, the device set
 * NEEDS_RESET, and the register page still reads right.
 */
static int queue_refused(uint32_t num, uint64_t used)
{
	if (gvirtio_negotiate(&dev, F_INDIRECT_DESC))
		return 0;
	vq.used.idx = 0x5a5a;
	reg_wr(REG_QUEUE_SEL, 0);
	reg_wr(REG_QUEUE_NUM, num);
	reg_wr64(REG_QUEUE_DESC, (uintptr_t)vq.desc);
	reg_wr64(REG_QUEUE_DRIVER, (uintptr_t)&vq.avail);
	reg_wr64(REG_QUEUE_DEVICE, used);
	reg_wr(REG_QUEUE_READY, 1);
	gvirtio_driver_ok(&dev);
	forge_read((uintptr_t)data, sizeof(data));
	vq.avail.ring[0] = 0;
	vq.avail.idx = 1;
	reg_wr(REG_QUEUE_NOTIFY, 0);
	if (!reg_rd(REG_QUEUE_READY) && (gvirtio_status(&dev) & NEEDS_RESET) &&
	    reg_rd(REG_MAGIC) == MAGIC && reg_rd(REG_DEVICE_ID) == VIRTIO_ID_BLOCK &&
	    status == 0xff && vq.used.idx == 0x5a5a)
		return 1;
	guest_printf("QueueReady %u, device status %#x, request status %#x\n",
		     reg_rd(REG_QUEUE_READY), gvirtio_status(&dev), status);
	return 0;
}

static void queue_attacks(void)
{
	uint32_t max;

	reg_wr(REG_QUEUE_SEL, 0);
	max = reg_rd(REG_QUEUE_NUM_MAX);
	report(queue_refused(GVQ_SIZE, dev.base),
	       "a used ring on the device's own registers: not ready, NEEDS_RESET");
	report(queue_refused(GVQ_SIZE, OUTSIDE_RAM),
	       "a used ring past RAM: not ready, NEEDS_RESET");
	report(queue_refused(0, (uintptr_t)&vq.used), "queue size 0: not ready, NEEDS_RESET");
	report(queue_refused(3, (uintptr_t)&vq.used), "queue size 3: not ready, NEEDS_RESET");
	report(queue_refused(max + 1, (uintptr_t)&vq.used),
	       "queue size QueueNumMax + 1: not ready, NEEDS_RESET");
	report(works_after_reset(), "after a reset the device works again");
}

/* A read of width bytes at a register offset; an 8-byte one is a single access. */
static uint64_t cfg_rd(unsigned int off, unsigned int width)
{
	volatile void *p = (volatile void *)(dev.base + off);

	switch (width) {
	case 1:
		return *(volatile uint8_t *)p;
	case 2:
		return *(volatile uint16_t *)p;
	case 4:
		return *(volatile uint32_t *)p;
	default:
		return *(volatile uint64_t *)p;
	}
}

static void cfg_wr(unsigned int off, unsigned int width, uint64_t v)
{
	volatile void *p = (volatile void *)(dev.base + off);

	switch (width) {
	case 1:
		*(volatile uint8_t *)p = (uint8_t)v;
		break;
	case 2:
		*(volatile uint16_t *)p = (uint16_t)v;
		break;
	case 4:
		*(volatile uint32_t *)p = (uint32_t)v;
		break;
	default:
		*(volatile uint64_t *)p = v;
	}
}

/*
 * Every offset of the configuration space at one width: read, write a random
 * value, read again. The read-only blk configuration must not change; an
 * unaligned access reads all ones. The number of offsets that misbehaved.
 */
static unsigned int config_sweep(unsigned int width)
{
	uint64_t ones = width == 8 ? ~0ull : (1ull << (8 * width)) - 1;
	unsigned int bad = 0;

	for (unsigned int off = REG_CONFIG; off + width <= REG_END; off++) {
		uint64_t before = cfg_rd(off, width);

		cfg_wr(off, width, guest_rand());
		if (cfg_rd(off, width) != before || ((off & (width - 1)) && before != ones)) {
			if (!bad++)
				guest_printf("config %#x width %u: %#llx, then %#llx\n", off, width,
					     (unsigned long long)before,
					     (unsigned long long)cfg_rd(off, width));
		}
	}
	return bad;
}

/* Random values into every register but QueueNotify of queue 0, at widths 4, then 1 and 2. */
static void register_fuzz(void)
{
	for (unsigned int round = 0; round < FUZZ_ROUNDS; round++) {
		for (unsigned int off = 0; off < REG_CONFIG; off += 4) {
			uint32_t v = (uint32_t)guest_rand();

			if (off == REG_QUEUE_NOTIFY && !v)
				v = 1;
			cfg_wr(off, 4, v);
			cfg_wr(off + (v & 3), 1 + (round & 1), guest_rand());
		}
	}
}

static void fuzz_attacks(void)
{
	unsigned int bad = 0;

	for (unsigned int width = 1; width <= 8; width *= 2)
		bad += config_sweep(width);
	report(!bad, "config space: every offset at widths 1, 2, 4 and 8 reads the same after "
		     "random writes; unaligned ones all ones");
	report(works_after_reset(), "after config fuzzing the device works");
	register_fuzz();
	report(reg_rd(REG_MAGIC) == MAGIC && reg_rd(REG_VERSION) == 2 &&
		       reg_rd(REG_DEVICE_ID) == VIRTIO_ID_BLOCK,
	       "register fuzzing: magic, version and device ID unchanged");
	report(works_after_reset(), "after register fuzzing a reset and re-init work");
}

/* Writes DriverFeatures (both halves) and FEATURES_OK again while DRIVER_OK is set. */
static void renegotiate(uint32_t low, uint32_t high, uint32_t st)
{
	reg_wr(REG_DRV_FEATURES_SEL, 0);
	reg_wr(REG_DRV_FEATURES, low);
	reg_wr(REG_DRV_FEATURES_SEL, 1);
	reg_wr(REG_DRV_FEATURES, high);
	reg_wr(REG_STATUS, st | FEATURES_OK);
}

static void renegotiation_attack(void)
{
	uint32_t st;

	if (setup())
		report(0, "setup before renegotiation");
	st = gvirtio_status(&dev);
	renegotiate(0, 0, st);
	renegotiate(0xffffffff, 0xffffffff, st);
	report(gvirtio_status(&dev) == st, "features written again after DRIVER_OK: status "
					   "unchanged, no NEEDS_RESET");
	forge_indirect((uintptr_t)table, sizeof(table));
	report(served(), "the negotiated features stay: an indirect table is still served");
}

/* storm notifications to queue 0 and absent queues with a read outstanding. */
static void storm_attack(uint32_t storm)
{
	static const uint32_t queues[] = { 0, 1, 2, 0xffff, 0xffffffff };

	guest_printf("notify storm: %u writes\n", storm);
	if (setup())
		report(0, "setup before the storm");
	forge_read((uintptr_t)data, sizeof(data));
	make_available();
	for (uint32_t i = 0; i < storm; i++)
		reg_wr(REG_QUEUE_NOTIFY, queues[i % 5]);
	wait_answer();
	report(used_moved() && status == VIRTIO_BLK_S_OK,
	       "a notify storm to live and absent queues: the request in it completed");
	vq.last_used = *(volatile uint16_t *)&vq.used.idx;
	forge_read((uintptr_t)data, sizeof(data));
	report(served(), "after the storm a request completes");
}

int guest_main(void)
{
	report(gvirtio_find(VIRTIO_ID_BLOCK, &dev) == 0, "a virtio-blk device is present");
	report(works_after_reset(), "a well-formed read works");
	chain_attacks();
	indirect_attacks();
	queue_attacks();
	fuzz_attacks();
	renegotiation_attack();
	storm_attack(guest_cmdline_number("storm", 100000, 1000000));
	return report_summary();
}
