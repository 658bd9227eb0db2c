/*
 * arch/x86/lapic.h: the host's local APIC, in xAPIC (MMIO) or x2APIC (MSR)
 * mode, its periodic timer, and inter-processor interrupts.
 */
#ifndef ARCH_X86_LAPIC_H
#define ARCH_X86_LAPIC_H

#include <stdint.h>

#define TIMER_HZ 1000

enum apic_mode {
	APIC_AUTO,
	APIC_XAPIC,
	APIC_X2APIC,
};

/* BSP: chooses the mode (x2APIC when the CPU has it unless told otherwise). */
void lapic_init_bsp(enum apic_mode want, uint64_t mmio_base);
/* Every CPU: enables its LAPIC in the chosen mode and starts the tick. */
void lapic_init_cpu(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, uint8_t vector_page);
/* A fixed interrupt with vector to one CPU. */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
/* Sends NMI to every other CPU (panic); safe before SMP bring-up. */
void lapic_stop_others(void);

#endif
