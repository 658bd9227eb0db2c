/*
 * kernel/vlapic_regs.h: the local APIC's register layout (Intel SDM vol. 3A
 * chapter 11: Table 11-1, Figures 11-8, 11-10, 11-12) and the calls between
 * kernel/vlapic.c (registers, IPIs) and kernel/vlapic_timer.c (the timer).
 * Private to those two files; everyone else uses kernel/vlapic.h.
 */
#ifndef KERNEL_VLAPIC_REGS_H
#define KERNEL_VLAPIC_REGS_H

#include <stdint.h>

#include "kernel/vlapic.h"

/* IA32_APIC_BASE (SDM 11.4.4): bits 0-7, 9 and above 35 are reserved. */
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN (1ull << 11)
#define APIC_BASE_ADDR 0xffffff000ull

/* Offsets in the xAPIC page; the x2APIC MSR of a register is 0x800 + offset / 16. */
enum { REG_ID = 0x20, REG_VERSION = 0x30, REG_TPR = 0x80, REG_APR = 0x90, REG_PPR = 0xa0 };
enum { REG_EOI = 0xb0, REG_RRD = 0xc0, REG_LDR = 0xd0, REG_DFR = 0xe0, REG_SVR = 0xf0 };
enum { REG_ISR = 0x100, REG_TMR = 0x180, REG_IRR = 0x200, REG_ESR = 0x280 };
enum { REG_LVT_CMCI = 0x2f0, REG_ICR = 0x300, REG_ICR_HIGH = 0x310 };
enum { REG_LVT_TIMER = 0x320, REG_LVT_ERROR = 0x370, REG_TIMER_INITIAL = 0x380 };
enum { REG_TIMER_CURRENT = 0x390, REG_TIMER_DIVIDE = 0x3e0, REG_SELF_IPI = 0x3f0 /* x2APIC */ };

#define SVR_ENABLE (1u << 8)

/* struct vlapic's lvt[] in this order; bit 16 masks every entry (SDM 11.5.1). */
enum { LVT_CMCI, LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };
#define LVT_MASKED (1u << 16)
#define LVT_DELIVERY_MASK (7u << 8)
#define LVT_DELIVERY_EXTINT (7u << 8)

/* LVT timer mode, bits 18:17 (SDM 11.5.4); 11b is reserved and runs as one-shot here. */
#define LVT_TIMER_MODE (3u << 17)
enum { TIMER_ONESHOT, TIMER_PERIODIC, TIMER_DEADLINE };

/* Enabled in IA32_APIC_BASE (SDM 11.4.3) and in SVR (SDM 11.4.7.2). */
static inline int vlapic_is_enabled(const struct vlapic *l)
{
	return (l->apic_base & APIC_BASE_EN) && (l->svr & SVR_ENABLE);
}

/* kernel/vlapic_timer.c: the timer registers' side effects. */
void vlapic_timer_write_initial(struct vlapic *l, uint32_t count);
uint32_t vlapic_timer_read_current(const struct vlapic *l);
void vlapic_timer_write_lvt(struct vlapic *l, uint32_t old_lvt); /* lvt[LVT_TIMER] changed */
void vlapic_timer_write_deadline(struct vlapic *l, uint64_t tsc);
uint64_t vlapic_timer_read_deadline(const struct vlapic *l);

#endif
