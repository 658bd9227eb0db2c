/*
 * arch/x86/pic.h: the legacy 8259A pair, which bivisor only silences.
 */
#ifndef ARCH_X86_PIC_H
#define ARCH_X86_PIC_H

/* Remaps the 8259s away from the exception vectors and masks every line. */
void pic_disable(void);

#endif
