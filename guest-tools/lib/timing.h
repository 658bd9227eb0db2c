/*
 * guest-tools/lib/timing.h: how fast the test guest's clocks run: the TSC
 * (Intel SDM vol. 3B 18.17) and the input of the LAPIC timer (vol. 3A
 * 11.5.4), from the hypervisor's CPUID leaf 0x40000010 when it gives them,
 * else measured: the TSC against PIT channel 2, the LAPIC timer against the TSC.
 */
#ifndef GUEST_TOOLS_TIMING_H
#define GUEST_TOOLS_TIMING_H

#include <stdint.h>

/* Finds both rates once and prints where they came from; needs apic_init first. */
void timing_init(void);
uint64_t timing_tsc_khz(void);
/* The LAPIC timer's rate before its divider. */
uint64_t timing_apic_khz(void);
/* 1 if that rate was measured (so it carries the measurement's error), 0 if CPUID gave it. */
int timing_apic_measured(void);

uint64_t timing_us_to_tsc(uint64_t us);
uint64_t timing_tsc_to_us(uint64_t tsc);
/* The LAPIC timer count that lasts us microseconds with that divider (at most 2^32 - 1). */
uint32_t timing_us_to_apic(uint64_t us, unsigned int divide);
/* Busy-waits on the TSC. */
void timing_delay_us(uint64_t us);

#endif
