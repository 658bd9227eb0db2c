/*
 * guest-tools/exitloop.c: the exit-cost benchmark guest (`make bench`). Times
 * 100,000 CPUID (leaf 0) and 100,000 OUTs to port 0x80 with the TSC (Intel
 * SDM vol. 2B "RDTSC", vol. 3B "Time-Stamp Counter") and prints the
 * cycle counts, plus the TSC rate from bivisor's timing leaf 0x40000010.
 * "count=N" on its Multiboot command line (bvm --cmdline, QEMU -append)
 * times N of each instead. "fwd=1" also times N OUTs to port 0x700, which a
 * service guest answers when it runs this guest as its client (guest-tools/svc.c
 * fwdport=1792): the ioreq round trip of `make bench`. "mmio=1" also times N
 * 32-bit reads of MMIO_GPA, a guest-physical address that is neither RAM nor
 * any device's on every platform it runs on (bivisor, bvm, plain QEMU's PCI
 * hole): an MMIO exit answered with all ones (`make compare`).
 */
#include "guest-tools/lib/guest.h"

#define ITERATIONS 100000u
#define WARMUP 1000u
#define DELAY_PORT 0x80 /* the PC's POST/delay port: no state, nothing reads it */
#define FWD_PORT 0x700	/* a port nothing on a PC has: svc's, when it forwards it */
#define HV_LEAF 0x40000000u
#define HV_LEAF_TIMING 0x40000010u
#define MAX_COUNT 100000000u
#define MMIO_GPA 0xe0000000ul /* above every guest's RAM here, below the LAPIC and IOAPIC */

/* LFENCE waits for what came before, so the TSC is read after the loop ends. */
static inline uint64_t tsc_read_fenced(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* Returns how many of n CPUID leaf 0 answers differed from the first one. */
static unsigned int exitloop_cpuid(unsigned int n)
{
	struct cpuid_regs first = cpuid(0, 0), r;
	unsigned int differ = 0;

	for (unsigned int i = 0; i < n; i++) {
		r = cpuid(0, 0);
		differ += r.eax != first.eax || r.ebx != first.ebx;
	}
	return differ;
}

static void exitloop_pio(uint16_t port, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		outb(port, (uint8_t)i);
}

/* The forwarded OUTs: warmed up, then timed; their cycle count. */
static uint64_t exitloop_fwd(unsigned int n)
{
	uint64_t t0;

	exitloop_pio(FWD_PORT, WARMUP / 10);
	t0 = tsc_read_fenced();
	exitloop_pio(FWD_PORT, n);
	return tsc_read_fenced() - t0;
}

/* N MMIO reads, warmed up, then timed; their cycle count. Identity paging maps
 * the address (guest-tools/lib's page tables cover the low 4 GiB). */
static uint64_t exitloop_mmio(unsigned int n)
{
	volatile uint32_t *reg = (volatile uint32_t *)MMIO_GPA;
	uint64_t t0;

	for (unsigned int i = 0; i < WARMUP / 10; i++)
		(void)*reg;
	t0 = tsc_read_fenced();
	for (unsigned int i = 0; i < n; i++)
		(void)*reg;
	return tsc_read_fenced() - t0;
}

/* The TSC rate in kHz from leaf 0x40000010, or 0 unless the hypervisor is bivisor. */
static uint32_t exitloop_tsc_khz(void)
{
	struct cpuid_regs hv;

	if (!(cpuid(1, 0).ecx & (1u << 31)))
		return 0;
	hv = cpuid(HV_LEAF, 0);
	if (hv.ebx != ('b' | 'i' << 8 | 'v' << 16 | 'i' << 24) ||
	    hv.ecx != ('s' | 'o' << 8 | 'r' << 16) || hv.edx != 0 || hv.eax < HV_LEAF_TIMING)
		return 0;
	return cpuid(HV_LEAF_TIMING, 0).eax;
}

int guest_main(void)
{
	uint64_t t0, t1, t2;
	unsigned int differ, count = guest_cmdline_number("count", ITERATIONS, MAX_COUNT);
	uint32_t khz = exitloop_tsc_khz();

	exitloop_cpuid(WARMUP); /* first exits, translation caches, the handler's paths */
	exitloop_pio(DELAY_PORT, WARMUP);
	t0 = tsc_read_fenced();
	differ = exitloop_cpuid(count);
	t1 = tsc_read_fenced();
	exitloop_pio(DELAY_PORT, count);
	t2 = tsc_read_fenced();

	guest_printf("exitloop: cpuid %u iterations, %lu tsc cycles\n", count, t1 - t0);
	guest_printf("exitloop: pio %u iterations, %lu tsc cycles\n", count, t2 - t1);
	if (guest_cmdline_number("fwd", 0, 1))
		guest_printf("exitloop: fwd %u iterations, %lu tsc cycles\n", count,
			     exitloop_fwd(count));
	if (guest_cmdline_number("mmio", 0, 1))
		guest_printf("exitloop: mmio %u iterations, %lu tsc cycles\n", count,
			     exitloop_mmio(count));
	if (khz)
		guest_printf("exitloop: tsc %u kHz (bivisor leaf 0x40000010)\n", khz);
	else
		guest_printf("exitloop: tsc rate unknown (no bivisor timing leaf)\n");
	report(differ == 0, "CPUID leaf 0 gave the same answer every time");
	report(t1 - t0 >= count, "the TSC advanced at least a cycle per CPUID");
	report(t2 - t1 >= count, "the TSC advanced at least a cycle per OUT");
	return report_summary();
}
