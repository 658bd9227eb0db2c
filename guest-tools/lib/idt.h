/*
 * guest-tools/lib/idt.h: the test guests' interrupt descriptor table (Intel
 * SDM vol. 3A 6.10-6.14): 256 interrupt gates whose entry stubs
 * (guest-tools/lib/isr.asm) save the registers and call one C dispatcher.
 * A vector without a handler fails the test: an exception or an interrupt
 * nobody asked for prints its vector and RIP and ends the guest.
 */
#ifndef GUEST_TOOLS_IDT_H
#define GUEST_TOOLS_IDT_H

#include <stdint.h>

/* What the stubs push (isr.asm), then the CPU's 64-bit frame (SDM 6.14.2). */
struct guest_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error; /* error is 0 for vectors without an error code */
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct guest_frame) == 22 * 8, "the layout isr.asm pushes");

typedef void (*guest_handler_t)(struct guest_frame *f);

/* Builds the table the first time, then loads it on the calling CPU (every AP does too). */
void idt_init(void);
/* Runs fn for vector on every CPU; NULL restores the default (a failure). */
void guest_set_handler(uint8_t vector, guest_handler_t fn);
/* The default: prints what arrived, where, on which CPU, and ends the guest with status 1. */
void idt_unexpected(const struct guest_frame *f) __attribute__((noreturn));

#endif
