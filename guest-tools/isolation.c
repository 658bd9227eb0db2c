/*
 * guest-tools/isolation.c: what a guest can reach. It reads every 2 MiB of
 * guest-physical space from the end of its RAM to 4 GiB and expects only all
 * ones there, except the platform's interrupt controllers (IOAPIC at
 * 0xfec00000, LAPIC at 0xfee00000: DESIGN.md's guest platform); a write
 * beyond its RAM must not stick; its own RAM must not hold the hypervisor's
 * banner.
 */
#include "guest-tools/lib/guest.h"
#include "lib/sizes.h"

#define TOP (4ull << 30)

static unsigned int scan_beyond_ram(uint64_t ram_top)
{
	unsigned int answered = 0;

	for (uint64_t a = (ram_top + SZ_2M - 1) & ~(SZ_2M - 1); a < TOP; a += SZ_2M) {
		uint32_t v;

		if (a == 0xfec00000ull || a == 0xfee00000ull) {
			guest_printf("  %#lx (interrupt controller) reads %#x\n", (unsigned long)a,
				     *(volatile uint32_t *)a);
			continue;
		}
		v = *(volatile uint32_t *)a;
		if (v != 0xffffffffu) {
			if (answered++ < 8)
				guest_printf("  %#lx answers %#x\n", (unsigned long)a, v);
		}
	}
	return answered;
}

/* Looks for "x86-64 research hypervisor" without keeping it whole in our own image. */
static int ram_has_banner(uint64_t ram_top)
{
	static const char tail[] = "research hypervisor";
	const volatile char *p = (const volatile char *)0;

	for (uint64_t a = 0x1000; a + 32 < ram_top; a++) {
		if (p[a] != 'x' || p[a + 1] != '8' || p[a + 2] != '6' || p[a + 3] != '-' ||
		    p[a + 6] != ' ')
			continue;
		int same = 1;

		for (int i = 0; tail[i]; i++)
			same &= p[a + 7 + i] == tail[i];
		if (same)
			return 1;
	}
	return 0;
}

int guest_main(void)
{
	uint64_t top = guest_ram_top();
	volatile uint32_t *beyond;

	guest_printf("RAM ends at %lu MiB\n", (unsigned long)(top >> 20));
	report(top >= (4ull << 20), "the loader reported the RAM size");
	beyond = (volatile uint32_t *)((top + SZ_2M) & ~(SZ_2M - 1));
	*beyond = 0x12345678;
	report(*beyond == 0xffffffffu, "a write beyond RAM does not stick");
	report(scan_beyond_ram(top) == 0,
	       "nothing but the interrupt controllers answers from the end of RAM to 4 GiB");
	report(!ram_has_banner(top), "the hypervisor's memory is not in this guest's RAM");
	return report_summary();
}
