/*
 * guest-tools/lib/smp.h: more CPUs for a test guest. guest_start_aps wakes
 * the application processors with INIT-SIPI-SIPI (Intel SDM vol. 3A 8.4.4.1),
 * each on its own stack with the BSP's page tables, GDT and IDT and its local
 * APIC enabled, and runs a function there. CPU index 0 is the BSP.
 */
#ifndef GUEST_TOOLS_SMP_H
#define GUEST_TOOLS_SMP_H

#include <stdint.h>

#define GUEST_MAX_CPUS 16

/*
 * Starts n APs (the first call only; at most GUEST_MAX_CPUS - 1), each
 * running fn(index) with interrupts off; the k that arrive within about a
 * second get indexes 1..k in ascending APIC ID order. An AP whose fn returns
 * halts with interrupts on. Returns k. With more APs present than asked for,
 * the first n to wake up are used. Sets up the IDT, the BSP's APIC and the
 * timing first if not done yet.
 */
unsigned int guest_start_aps(unsigned int n, void (*fn)(unsigned int cpu));
/* The calling CPU's index (from its stack: usable in any handler). */
unsigned int guest_cpu_index(void);
/* 1 if that CPU is running guest code. */
int smp_cpu_online(unsigned int cpu);
/* The APIC ID the CPU read from its LAPIC when it started. */
uint32_t smp_apic_id(unsigned int cpu);
/* Waits up to timeout_us for n APs' fn to return; returns how many have. */
unsigned int smp_wait_done(unsigned int n, uint64_t timeout_us);

#endif
