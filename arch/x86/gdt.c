/*
 * arch/x86/gdt.c: the GDT, TSS and IDT of 64-bit mode (Intel SDM vol. 3A
 * 3.4.5 segment descriptors, 7.2.3 the 64-bit TSS descriptor, 7.7 the 64-bit
 * TSS and its interrupt stack table, 6.14 64-bit mode interrupt handling).
 * #DF, NMI and #MC run on their own IST stacks so a broken kernel stack
 * still gives a readable dump.
 */
#include <stddef.h>

#include "arch/x86/gdt.h"
#include "arch/x86/x86.h"
#include "lib/string.h"

struct idt_entry {
	uint16_t offset0;
	uint16_t selector;
	uint8_t ist;
	uint8_t type; /* 0x8e: present, DPL 0, 64-bit interrupt gate */
	uint16_t offset1;
	uint32_t offset2;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_entry) == 16, "IDT gate is 16 bytes (SDM vol. 3A 6.14.1)");

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t isr_table[256]; /* arch/x86/isr.asm */

static struct idt_entry idt[256] __attribute__((aligned(16)));

static uint64_t tss_desc_low(uint64_t base, uint32_t limit)
{
	return (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
	       ((uint64_t)(limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
}

void gdt_init_cpu(struct percpu *pc)
{
	struct desc_ptr gdtr = { sizeof(pc->gdt) - 1, (uint64_t)pc->gdt };
	uint64_t tss = (uint64_t)&pc->tss;

	pc->self = pc;
	pc->gdt[0] = 0;
	pc->gdt[1] = 0x00af9a000000ffffull; /* 0x08: 64-bit code */
	pc->gdt[2] = 0x00cf92000000ffffull; /* 0x10: data */
	pc->gdt[3] = tss_desc_low(tss, sizeof(pc->tss) - 1);
	pc->gdt[4] = tss >> 32;
	memset(&pc->tss, 0, sizeof(pc->tss));
	pc->tss.rsp[0] = pc->stack_top;
	for (int i = 0; i < 3; i++)
		pc->tss.ist[i] = (uint64_t)pc->ist_stacks[i] + IST_STACK_SIZE;
	pc->tss.iomap_base = sizeof(pc->tss);

	asm volatile("lgdt %0" : : "m"(gdtr));
	asm volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:"
		     :
		     : "i"(KERNEL_CS)
		     : "rax", "memory");
	asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss" : : "r"(KERNEL_DS));
	asm volatile("ltr %w0" : : "r"(TSS_SEL));
	wrmsr(MSR_GS_BASE, (uint64_t)pc);
}

static void idt_set(int vec, uint64_t handler, int ist)
{
	idt[vec] = (struct idt_entry){
		.offset0 = handler & 0xffff,
		.selector = KERNEL_CS,
		.ist = ist,
		.type = 0x8e,
		.offset1 = handler >> 16 & 0xffff,
		.offset2 = handler >> 32,
	};
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		idt_set(v, isr_table[v], 0);
	idt[8].ist = IST_DF;
	idt[2].ist = IST_NMI;
	idt[18].ist = IST_MC;
	idt_load();
}

void idt_load(void)
{
	struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)idt };

	asm volatile("lidt %0" : : "m"(idtr));
}
