/*
 * arch/x86/tsc.h: the time-stamp counter as the kernel's clock. Its frequency
 * comes from CPUID leaf 0x15/0x16 when the CPU reports it, otherwise it is
 * measured against the PIT (channel 2) or the ACPI PM timer.
 */
#ifndef ARCH_X86_TSC_H
#define ARCH_X86_TSC_H

#include <stdint.h>

enum tsc_source_pref {
	TSC_AUTO,    /* CPUID, else PIT, else ACPI PM timer */
	TSC_PIT,     /* measure against the PIT even if CPUID knows */
	TSC_PMTIMER, /* measure against the ACPI PM timer */
};

/* pm_timer_port: the FADT's PM timer port, or 0 when there is none. */
void tsc_init(enum tsc_source_pref pref, uint16_t pm_timer_port);
uint64_t tsc_khz(void);
const char *tsc_source(void);
uint64_t tsc_ns(void); /* nanoseconds since tsc_init; 0 before it */
uint64_t tsc_to_ns(uint64_t ticks);
uint64_t tsc_from_ns(uint64_t ns);
void udelay(uint64_t us);

#endif
