/*
 * guest-tools/balloon.c: drives a virtio memory balloon as a driver does
 * (virtio 1.2 §5.5.6: PFNs of 4 KiB pages on inflateq 0 and deflateq 1,
 * config num_pages and actual, §5.5.4), polled. Run with 16 MiB of RAM and
 * a target of 15 MiB, so the host asks for 256 pages: it fills 1 MiB of its
 * own pages, gives them all, says so in actual, reads a given page (zeros:
 * its contents were dropped), sends PFNs a driver never should (outside
 * RAM, in the device's window, one page twice), takes them all back and
 * uses them. The same lines under bivisor (kernel/balloon.c: the frames go
 * back to its pool) and under bvm (drivers' model, madvise behind it).
 * touch=N instead writes and reads back N MiB from 16 MiB up, one word per
 * page at each end: for a domain with lazy=1 each page is then backed at
 * that touch, and where memory is overcommitted bivisor pauses the domain
 * until frames are free (tests/manifest: balloon-overcommit).
 */
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/virtio.h"

#define PAGES 256
#define PAGE 4096
#define CFG_NUM_PAGES 0
#define CFG_ACTUAL 4
#define WINDOW_PFN (0xfeb00000u >> 12)

static struct gvirtio dev;
static struct gvq inflateq __attribute__((aligned(4096)));
static struct gvq deflateq __attribute__((aligned(4096)));
static uint8_t pool[PAGES][PAGE] __attribute__((aligned(4096)));
static uint32_t pfns[PAGES];

static uint32_t pfn_of(const void *p)
{
	return (uint32_t)((uintptr_t)p >> 12);
}

static void set_actual(uint32_t pages)
{
	*(volatile uint32_t *)(dev.base + REG_CONFIG + CFG_ACTUAL) = pages;
}

/* One request of n PFNs on q: 1 if the device gave the buffer back. */
static int send_pfns(struct gvq *q, const uint32_t *list, uint32_t n)
{
	struct gvbuf b = { (void *)list, n * 4, 0 };

	return gvq_submit(&dev, q, &b, 1) == 0 && gvq_wait(q) >= 0;
}

/* Pages of the pool whose every byte is v (from the guest's side, after the host). */
static uint32_t pages_holding(uint8_t v)
{
	uint32_t n = 0;

	for (uint32_t p = 0; p < PAGES; p++) {
		uint32_t i = 0;

		while (i < PAGE && pool[p][i] == v)
			i++;
		n += i == PAGE;
	}
	return n;
}

static void fill_pool(uint8_t v)
{
	for (uint32_t p = 0; p < PAGES; p++)
		for (uint32_t i = 0; i < PAGE; i++)
			pool[p][i] = v;
}

static int inflate_and_read(void)
{
	for (uint32_t p = 0; p < PAGES; p++)
		pfns[p] = pfn_of(pool[p]);
	fill_pool(0xa5);
	if (!send_pfns(&inflateq, pfns, PAGES))
		return 0;
	set_actual(PAGES);
	return 1;
}

static int hostile_pfns(void)
{
	static uint32_t bad[5];
	uint64_t top = guest_ram_top();

	bad[0] = 0xffffffffu;		    /* far outside RAM */
	bad[1] = WINDOW_PFN;		    /* the balloon's own registers */
	bad[2] = (uint32_t)(top >> 12) + 1; /* just past RAM */
	bad[3] = pfn_of(pool[3]);	    /* a page given already, twice */
	bad[4] = pfn_of(pool[3]);
	return top && send_pfns(&inflateq, bad, 5);
}

#define TOUCH_BASE (16ull << 20)

/* Writes then reads one word at each end of every page of [16 MiB, 16 + mib MiB). */
static int touch_mib(uint32_t mib)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)TOUCH_BASE;
	uint64_t words = (uint64_t)mib << 17, bad = 0;

	for (uint64_t i = 0; i < words; i += PAGE / 8)
		p[i] = i, p[i + PAGE / 8 - 1] = ~i;
	for (uint64_t i = 0; i < words; i += PAGE / 8)
		bad += p[i] != i || p[i + PAGE / 8 - 1] != ~i;
	return bad == 0;
}

static int touch_test(uint32_t mib)
{
	report(guest_ram_top() >= TOUCH_BASE + ((uint64_t)mib << 20), "RAM covers what to touch");
	report(touch_mib(mib), "every page touched reads back what was written");
	guest_printf("balloon: touched %u MiB\n", mib);
	return report_summary();
}

int guest_main(void)
{
	uint32_t target, touch = guest_cmdline_number("touch", 0, 2048);

	if (touch)
		return touch_test(touch);

	report(gvirtio_find(VIRTIO_ID_BALLOON, &dev) == 0, "a virtio-balloon device is present");
	report(gvirtio_negotiate(&dev, 0) == 0, "features negotiated with VERSION_1");
	report(gvirtio_queue_setup(&dev, &inflateq, 0) == 0 &&
		       gvirtio_queue_setup(&dev, &deflateq, 1) == 0,
	       "inflateq and deflateq set up");
	gvirtio_driver_ok(&dev);
	target = gvirtio_config32(&dev, CFG_NUM_PAGES);
	guest_printf("balloon: the host asks for %u pages\n", target);
	report(target == PAGES, "num_pages is 256 (16 MiB of RAM, a target of 15 MiB)");
	report(inflate_and_read(), "the device took an inflate of 256 PFNs");
	report(gvirtio_config32(&dev, CFG_ACTUAL) == PAGES, "actual reads back 256");
	report(pages_holding(0) == PAGES, "every given page reads as zeros");
	pool[17][5] = 0x5a;
	report(pool[17][5] == 0x5a && pool[17][6] == 0, "a given page touched again works");
	report(hostile_pfns(), "the device answers PFNs outside RAM, in its window, repeated");
	report(pool[3][0] == 0 && gvirtio_status(&dev) < 0x40, "and needs no reset for them");
	report(send_pfns(&deflateq, pfns, PAGES), "the device took a deflate of 256 PFNs");
	set_actual(0);
	report(gvirtio_config32(&dev, CFG_ACTUAL) == 0, "actual reads back 0");
	fill_pool(0x3c);
	report(pages_holding(0x3c) == PAGES, "the deflated pages hold what the guest writes");
	report(gvirtio_config32(&dev, CFG_NUM_PAGES) == PAGES, "the target is unchanged");
	return report_summary();
}
