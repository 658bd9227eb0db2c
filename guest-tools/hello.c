/*
 * guest-tools/hello.c: the smallest test guest. It checks that it was
 * started by a Multiboot loader, runs in 64-bit mode and can use its
 * memory, then reports and exits.
 */
#include "guest-tools/lib/guest.h"

static volatile uint64_t scratch[512];

int guest_main(void)
{
	int same = 1;

	guest_printf("hello from a bivisor test guest\n");
	report(guest_boot_magic() == 0x2badb002, "started by a Multiboot loader");
	report(rdmsr(MSR_EFER) & (1u << 10), "long mode is active (EFER.LMA)");
	report(cpuid(0, 0).eax >= 1, "CPUID leaf 0 answers");
	for (int i = 0; i < 512; i++)
		scratch[i] = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
	for (int i = 0; i < 512; i++)
		same &= scratch[i] == 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
	report(same, "memory reads back what was written");
	return report_summary();
}
