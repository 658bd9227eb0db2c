/*
 * arch/x86/pic.c: the BIOS leaves the 8259A PICs delivering IRQ 0-7 on
 * vectors 8-15, which are CPU exceptions in protected mode. Before interrupts
 * are enabled they are re-initialised (ICW1-ICW4, Intel 8259A data sheet) to
 * vectors 0x20-0x2f and fully masked; the LAPIC and IOAPIC take over.
 */
#include "arch/x86/pic.h"
#include "arch/x86/x86.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

void pic_disable(void)
{
	outb(PIC1_CMD, 0x11); /* ICW1: edge, cascade, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, 0x20); /* ICW2: vector base */
	outb(PIC2_DATA, 0x28);
	outb(PIC1_DATA, 0x04); /* ICW3: slave on IRQ 2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01); /* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xff); /* mask everything */
	outb(PIC2_DATA, 0xff);
}
