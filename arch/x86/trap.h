/*
 * arch/x86/trap.h: the register frame saved by arch/x86/isr.asm, the
 * interrupt vectors the kernel uses, and handler registration.
 */
#ifndef ARCH_X86_TRAP_H
#define ARCH_X86_TRAP_H

#include <stdint.h>

#define VEC_TIMER 0xf0
#define VEC_IPI 0xf1
#define VEC_SPURIOUS 0xff

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "matches isr.asm");

typedef void (*irq_handler_t)(struct trap_frame *f);

void trap_register(int vector, irq_handler_t fn);
void trap_dispatch(struct trap_frame *f);
/* [start, end): code that runs with a guest's TR and GS base loaded (SVM's
 * VMRUN..VMLOAD); an event taken there is reported and stops the CPU. */
void trap_set_guest_window(uint64_t start, uint64_t end);

#endif
