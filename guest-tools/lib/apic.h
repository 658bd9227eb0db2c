/*
 * guest-tools/lib/apic.h: the test guests' local APIC helpers (Intel SDM
 * vol. 3A chapter 11): xAPIC registers through the MMIO page that
 * IA32_APIC_BASE names, or x2APIC MSRs (11.12) when the command line says
 * x2apic=1 and CPUID.1:ECX[21] offers it; IPIs through the ICR (11.6) and the
 * timer in its one-shot, periodic and TSC-deadline modes (11.5.4).
 */
#ifndef GUEST_TOOLS_APIC_H
#define GUEST_TOOLS_APIC_H

#include <stdint.h>

/* Registers by xAPIC offset (SDM Table 11-1); x2APIC MSR = 0x800 + offset / 16 (Table 11-6). */
enum apic_reg {
	APIC_ID = 0x020,
	APIC_VERSION = 0x030,
	APIC_TPR = 0x080,
	APIC_PPR = 0x0a0,
	APIC_EOI = 0x0b0,
	APIC_LDR = 0x0d0,
	APIC_DFR = 0x0e0, /* xAPIC only */
	APIC_SVR = 0x0f0,
	APIC_ISR = 0x100,
	APIC_IRR = 0x200,
	APIC_ESR = 0x280,
	APIC_ICR = 0x300,
	APIC_ICR_HIGH = 0x310, /* xAPIC only: x2APIC's ICR is one 64-bit MSR */
	APIC_LVT_TIMER = 0x320,
	APIC_LVT_LINT0 = 0x350,
	APIC_LVT_LINT1 = 0x360,
	APIC_LVT_ERROR = 0x370,
	APIC_TIMER_INITIAL = 0x380,
	APIC_TIMER_CURRENT = 0x390,
	APIC_TIMER_DIVIDE = 0x3e0,
	APIC_SELF_IPI = 0x3f0, /* x2APIC only (MSR 0x83f) */
};

/* ICR low word (SDM Figure 11-12). */
#define APIC_DM_FIXED (0u << 8)
#define APIC_DM_NMI (4u << 8)
#define APIC_DM_INIT (5u << 8)
#define APIC_DM_STARTUP (6u << 8)
#define APIC_DEST_LOGICAL (1u << 11)
#define APIC_DELIVERY_PENDING (1u << 12) /* xAPIC only */
#define APIC_LEVEL_ASSERT (1u << 14)
#define APIC_DEST_SELF (1u << 18)
#define APIC_DEST_ALL (2u << 18)
#define APIC_DEST_OTHERS (3u << 18)

/* LVT entries (SDM Figure 11-8). */
#define APIC_LVT_MASKED (1u << 16)
#define APIC_TIMER_PERIODIC (1u << 17)
#define APIC_TIMER_TSC_DEADLINE (2u << 17)
#define APIC_TIMER_MODE_MASK (3u << 17)

#define APIC_SVR_ENABLE (1u << 8)
#define APIC_SPURIOUS_VECTOR 0xff
#define APIC_ERROR_VECTOR 0xfe

/*
 * Enables this CPU's local APIC: the BSP's first call also picks the mode for
 * every CPU, maps the xAPIC page uncached and masks the 8259 PICs. Then TPR 0,
 * the timer, LINT0 and error LVTs masked, SVR enabled with APIC_SPURIOUS_VECTOR.
 * Each AP calls it too (guest_start_aps does). Needs idt_init first.
 */
void apic_init(void);
int apic_x2apic_mode(void);

uint32_t apic_read(uint32_t reg);
void apic_write(uint32_t reg, uint32_t value);
/* The ID register: bits 31:24 of the xAPIC one, all 32 bits in x2APIC mode. */
uint32_t apic_id(void);
void apic_eoi(void);
/*
 * Sends an IPI: icr is the low word (vector, delivery mode, destination mode,
 * level, shorthand), dest the physical APIC ID or the logical destination.
 * In xAPIC mode it waits for the delivery status to clear.
 */
void apic_send_ipi(uint32_t dest, uint32_t icr);

/* CPUID.1:ECX[24]: the timer's TSC-deadline mode. */
int apic_has_tsc_deadline(void);
/*
 * Starts the timer: lvt is the vector, with APIC_LVT_MASKED or not; count the
 * initial count, divide 1, 2, 4, ..., 128. The deadline mode arms
 * IA32_TSC_DEADLINE with an absolute TSC value.
 */
void apic_timer_oneshot(uint32_t lvt, uint32_t count, unsigned int divide);
void apic_timer_periodic(uint32_t lvt, uint32_t count, unsigned int divide);
void apic_timer_deadline(uint32_t lvt, uint64_t tsc);
/* Disarms the timer in any mode and masks its LVT entry. */
void apic_timer_stop(void);

#endif
