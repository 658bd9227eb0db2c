/*
 * arch/x86/percpu.h: per-CPU data. Each CPU's GS base points at its own
 * struct percpu, so this_cpu() is one load; the descriptor tables, the TSS
 * and the IST stacks of a CPU live here too.
 */
#ifndef ARCH_X86_PERCPU_H
#define ARCH_X86_PERCPU_H

#include <stdint.h>

#define MAX_CPUS 64
#define KSTACK_SIZE 16384
#define IST_STACK_SIZE 4096

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS is 104 bytes (SDM vol. 3A 8.7)");

struct percpu {
	struct percpu *self; /* at offset 0: this_cpu() reads %gs:0 */
	unsigned int id;     /* 0 = BSP, in bring-up order */
	uint32_t apic_id;
	volatile int online;
	volatile uint64_t ticks; /* LAPIC timer interrupts taken */
	int in_exception;
	uint64_t stack_top;
	uint64_t gdt[7];
	struct tss tss;
	uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
};

extern struct percpu *cpus[MAX_CPUS];
extern unsigned int ncpus_online;

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	asm volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

#endif
