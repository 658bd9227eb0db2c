/*
 * arch/x86/gdt.h: per-CPU GDT and TSS, and the shared IDT.
 */
#ifndef ARCH_X86_GDT_H
#define ARCH_X86_GDT_H

#include "arch/x86/percpu.h"

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define TSS_SEL 0x18

enum ist_slot {
	IST_DF = 1,
	IST_NMI = 2,
	IST_MC = 3,
};

/* Loads this CPU's GDT, TSS (with IST stacks for #DF, NMI, #MC) and GS base. */
void gdt_init_cpu(struct percpu *pc);
/* Fills the IDT once (BSP), then loads it on each CPU. */
void idt_init(void);
void idt_load(void);

#endif
