/*
 * guest-tools/exitloop.c: the exit-cost benchmark guest (`make bench`). Times
 * 100,000 CPUID (leaf 0) and 100,000 OUTs to port 0x80 with the TSC (Intel
 * SDM vol. 2B "RDTSC", vol. 3B "Time-Stamp Counter") and prints the
 * cycle counts, plus the TSC rate from bivisor's timing leaf 0x40000010.
 * "count=N" on its Multiboot command line (bvm --cmdline, QEMU -append)
 * times N of each instead.
 */
#include "guest-tools/lib/guest.h"

#define ITERATIONS 100000u
#define WARMUP 1000u
#define DELAY_PORT 0x80 /* the PC's POST/delay port: no state, nothing reads it */
#define HV_LEAF 0x40000000u
#define HV_LEAF_TIMING 0x40000010u
#define MAX_COUNT 100000000u
#define MB1_MAGIC 0x2badb002u
#define MB1_INFO_CMDLINE (1u << 2) /* Multiboot 0.6.96 §3.3: flags bit 2, cmdline at +16 */

extern uint32_t boot_info; /* the Multiboot information's address (lib/entry.asm) */

/* LFENCE waits for what came before, so the TSC is read after the loop ends. */
static inline uint64_t tsc_read_fenced(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* The text after "key=" on the Multiboot command line, or NULL. */
static const char *exitloop_cmdline_find(const char *key)
{
	const uint32_t *mbi = (const uint32_t *)(uintptr_t)boot_info;
	const char *line;

	if (guest_boot_magic() != MB1_MAGIC || !mbi || !(mbi[0] & MB1_INFO_CMDLINE) || !mbi[4])
		return 0;
	line = (const char *)(uintptr_t)mbi[4];
	for (const char *p = line; *p; p++) {
		unsigned int i = 0;

		if (p != line && p[-1] != ' ')
			continue;
		while (key[i] && p[i] == key[i])
			i++;
		if (!key[i] && p[i] == '=')
			return p + i + 1;
	}
	return 0;
}

/* "count=N" from the command line (1 to MAX_COUNT), else ITERATIONS. */
static unsigned int exitloop_count(void)
{
	const char *p = exitloop_cmdline_find("count");
	unsigned int n = 0;

	if (!p || *p < '0' || *p > '9')
		return ITERATIONS;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (unsigned int)(*p - '0');
		if (n > MAX_COUNT)
			return ITERATIONS;
	}
	return ((*p && *p != ' ') || !n) ? ITERATIONS : n;
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

static void exitloop_pio(unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		outb(DELAY_PORT, (uint8_t)i);
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
	unsigned int differ, count = exitloop_count();
	uint32_t khz = exitloop_tsc_khz();

	exitloop_cpuid(WARMUP); /* first exits, translation caches, the handler's paths */
	exitloop_pio(WARMUP);
	t0 = tsc_read_fenced();
	differ = exitloop_cpuid(count);
	t1 = tsc_read_fenced();
	exitloop_pio(count);
	t2 = tsc_read_fenced();

	guest_printf("exitloop: cpuid %u iterations, %lu tsc cycles\n", count, t1 - t0);
	guest_printf("exitloop: pio %u iterations, %lu tsc cycles\n", count, t2 - t1);
	if (khz)
		guest_printf("exitloop: tsc %u kHz (bivisor leaf 0x40000010)\n", khz);
	else
		guest_printf("exitloop: tsc rate unknown (no bivisor timing leaf)\n");
	report(differ == 0, "CPUID leaf 0 gave the same answer every time");
	report(t1 - t0 >= count, "the TSC advanced at least a cycle per CPUID");
	report(t2 - t1 >= count, "the TSC advanced at least a cycle per OUT");
	return report_summary();
}
