/*
 * guest-tools/blkbench.c: sequential read throughput of a virtio-blk disk
 * (`make bench`, issue 3 item 6c; virtio 1.2 §5.2.6 requests, §5.2.4 seg_max
 * and size_max). Reads "mib=N" MiB (default 64) in requests of up to 64 KiB
 * ("req=BYTES" for smaller ones, a multiple of 512: `make compare`'s 4 KiB read),
 * one at a time, wrapping at the disk's end, timed with the TSC. The TSC rate
 * is bivisor's leaf 0x40000010, else "tsc_khz=N" from the command line.
 */
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/virtio.h"

#define F_SIZE_MAX (1ull << 1)
#define F_SEG_MAX (1ull << 2)
#define CFG_SIZE_MAX 0x08
#define CFG_SEG_MAX 0x0c
#define SECTOR 512u
#define REQ_MAX (64u << 10)
#define DATA_DESC_MAX (GVQ_SIZE - 2) /* the header and the status byte take two */
#define MIB_DEFAULT 64u
#define MIB_MAX 16384u
#define TSC_KHZ_MAX 100000000u
#define HV_LEAF 0x40000000u
#define HV_LEAF_TIMING 0x40000010u

static struct gvirtio dev;
static struct gvq vq __attribute__((aligned(4096)));
static uint8_t data[REQ_MAX] __attribute__((aligned(4096)));

/* bivisor's timing leaf, else tsc_khz= from the command line, else 0. */
static uint32_t blkbench_tsc_khz(void)
{
	struct cpuid_regs hv;

	if (cpuid(1, 0).ecx & (1u << 31)) {
		hv = cpuid(HV_LEAF, 0);
		if (hv.ebx == ('b' | 'i' << 8 | 'v' << 16 | 'i' << 24) &&
		    hv.ecx == ('s' | 'o' << 8 | 'r' << 16) && hv.eax >= HV_LEAF_TIMING)
			return cpuid(HV_LEAF_TIMING, 0).eax;
	}
	return guest_cmdline_number("tsc_khz", 0, TSC_KHZ_MAX);
}

static inline uint64_t tsc_read_fenced(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * A request's data buffers: each at most size_max bytes, at most seg_max of
 * them (one when the device does not give seg_max, as Linux assumes), and
 * together at most want bytes (REQ_MAX at most).
 */
static void blkbench_layout(uint32_t want, uint32_t *piece, uint32_t *npieces)
{
	uint32_t size_max = gvirtio_config32(&dev, CFG_SIZE_MAX);
	uint32_t seg_max = gvirtio_config32(&dev, CFG_SEG_MAX);
	uint32_t most = 1;

	*piece = want;
	if ((dev.features & F_SIZE_MAX) && size_max < REQ_MAX)
		*piece = size_max < SECTOR ? SECTOR : size_max / SECTOR * SECTOR;
	if ((dev.features & F_SEG_MAX) && seg_max > 1)
		most = seg_max < DATA_DESC_MAX ? seg_max : DATA_DESC_MAX;
	*npieces = want / *piece < most ? want / *piece : most;
}

/* One IN request into data[]; returns the device's status or -1 if it never came. */
static int blkbench_read(uint64_t sector, uint32_t piece, uint32_t npieces)
{
	static struct gvirtio_blk_hdr hdr;
	static volatile uint8_t status;
	struct gvbuf bufs[GVQ_SIZE];
	unsigned int n = 0;

	hdr = (struct gvirtio_blk_hdr){ VIRTIO_BLK_T_IN, 0, sector };
	status = 0xff;
	bufs[n++] = (struct gvbuf){ &hdr, sizeof(hdr), 0 };
	for (uint32_t i = 0; i < npieces; i++)
		bufs[n++] = (struct gvbuf){ data + i * piece, piece, 1 };
	bufs[n++] = (struct gvbuf){ (void *)&status, 1, 1 };
	if (gvq_submit(&dev, &vq, bufs, n) || gvq_wait(&vq) < 0)
		return -1;
	return status;
}

/* Reads nreq requests from sector 0 on, wrapping at the end; returns how many succeeded. */
static uint64_t blkbench_run(uint64_t nreq, uint64_t capacity, uint32_t piece, uint32_t npieces)
{
	uint64_t per_req = (uint64_t)piece * npieces / SECTOR, sector = 0, done;

	for (done = 0; done < nreq; done++) {
		if (blkbench_read(sector, piece, npieces) != VIRTIO_BLK_S_OK)
			break;
		sector += per_req;
		if (sector + per_req > capacity)
			sector = 0;
	}
	return done;
}

static void blkbench_print_rate(uint64_t bytes, uint64_t cycles, uint32_t khz)
{
	uint64_t us = cycles * 1000 / khz;
	uint64_t rate = us ? (bytes >> 10) * 100000000ull / (us << 10) : 0; /* MiB/s x 100 */

	guest_printf("blkbench: %lu.%02lu MiB/s (tsc %u kHz)\n", (unsigned long)(rate / 100),
		     (unsigned long)(rate % 100), khz);
}

int guest_main(void)
{
	uint32_t piece, npieces, req, khz = blkbench_tsc_khz();
	uint64_t capacity, nreq, done, t0, t1;

	report(gvirtio_find(VIRTIO_ID_BLOCK, &dev) == 0, "a virtio-blk device is present");
	if (!dev.base)
		return report_summary();
	report(gvirtio_negotiate(&dev, F_SIZE_MAX | F_SEG_MAX) == 0,
	       "features negotiated with VERSION_1");
	report(gvirtio_queue_setup(&dev, &vq, 0) == 0, "request queue set up");
	gvirtio_driver_ok(&dev);
	capacity = gvirtio_config32(&dev, 0) | (uint64_t)gvirtio_config32(&dev, 4) << 32;
	req = guest_cmdline_number("req", REQ_MAX, REQ_MAX) / SECTOR * SECTOR;
	blkbench_layout(req < SECTOR ? SECTOR : req, &piece, &npieces);
	req = piece * npieces;
	nreq = ((uint64_t)guest_cmdline_number("mib", MIB_DEFAULT, MIB_MAX) << 20) / req;
	guest_printf("blkbench: %lu requests of %u bytes (%u buffers of %u), disk %lu MiB\n",
		     (unsigned long)nreq, req, npieces, piece, (unsigned long)(capacity >> 11));
	report(capacity >= req / SECTOR, "the disk holds a whole request");
	report(blkbench_read(0, piece, npieces) == VIRTIO_BLK_S_OK, "a first read succeeds");
	t0 = tsc_read_fenced();
	done = blkbench_run(nreq, capacity, piece, npieces);
	t1 = tsc_read_fenced();
	report(done == nreq, "every read succeeded");
	guest_printf("blkbench: read %lu bytes, %lu tsc cycles\n", (unsigned long)(done * req),
		     (unsigned long)(t1 - t0));
	if (khz)
		blkbench_print_rate(done * req, t1 - t0, khz);
	else
		guest_printf("blkbench: tsc rate unknown (no bivisor leaf, no tsc_khz=)\n");
	report(!(gvirtio_status(&dev) & 64), "the device does not need a reset");
	return report_summary();
}
