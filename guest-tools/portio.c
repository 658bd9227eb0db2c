/*
 * guest-tools/portio.c: port I/O through the hypervisor. The COM1 model
 * keeps what is written to its scratch register and shows its line status;
 * a port no device claims reads as all ones at every width and ignores
 * writes (the PC's open bus).
 */
#include "guest-tools/lib/guest.h"

#define COM1 0x3f8
#define UNCLAIMED 0x2e0

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

int guest_main(void)
{
	int same = 1;

	for (unsigned int v = 0; v < 256; v += 37) {
		outb(COM1 + 7, (uint8_t)v);
		same &= inb(COM1 + 7) == v;
	}
	report(same, "COM1 scratch register keeps each value written");
	report((inb(COM1 + 5) & 0x60) == 0x60, "COM1 transmitter reads as empty");
	outb(UNCLAIMED, 0x5a);
	report(inb(UNCLAIMED) == 0xff, "an unclaimed port reads 0xff after a write");
	report(inw(UNCLAIMED) == 0xffff, "an unclaimed port reads 0xffff as a word");
	report(inl(UNCLAIMED) == 0xffffffffu, "an unclaimed port reads all ones as a dword");
	return report_summary();
}
