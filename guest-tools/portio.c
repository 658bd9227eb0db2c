/*
 * guest-tools/portio.c: port I/O through the hypervisor. The COM1 model
 * keeps what is written to its scratch register and shows its line status;
 * a port no device claims reads as all ones at every width and ignores
 * writes (the PC's open bus), also to string I/O: REP OUTSB runs its count
 * in either direction, REP INSW stores open-bus words.
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

/* REP OUTSB of n bytes to port, backwards when down (RFLAGS.DF): returns the RCX left. */
static unsigned long rep_outsb(uint16_t port, const uint8_t **src, unsigned long n, int down)
{
	if (down)
		asm volatile("std; rep outsb; cld" : "+S"(*src), "+c"(n) : "d"(port) : "memory");
	else
		asm volatile("cld; rep outsb" : "+S"(*src), "+c"(n) : "d"(port) : "memory");
	return n;
}

static unsigned long rep_insw(uint16_t port, uint16_t **dst, unsigned long n)
{
	asm volatile("cld; rep insw" : "+D"(*dst), "+c"(n) : "d"(port) : "memory");
	return n;
}

static int string_io(void)
{
	static const uint8_t bytes[5] = { 1, 2, 3, 4, 5 };
	static uint16_t words[6];
	const uint8_t *src = bytes;
	uint16_t *dst = words + 1;
	int ok;

	ok = rep_outsb(UNCLAIMED, &src, 5, 0) == 0 && src == bytes + 5;
	src = bytes;
	ok &= rep_outsb(COM1 + 7, &src, 5, 0) == 0 && inb(COM1 + 7) == 5;
	src = bytes + 4;
	ok &= rep_outsb(COM1 + 7, &src, 4, 1) == 0 && inb(COM1 + 7) == 2 && src == bytes;
	report(ok, "rep outsb runs its count, forwards and backwards (DF)");
	ok = rep_insw(UNCLAIMED, &dst, 4) == 0 && dst == words + 5 && !words[0] && !words[5];
	for (int i = 1; i < 5; i++)
		ok &= words[i] == 0xffff;
	report(ok, "rep insw from an unclaimed port stores 0xffff words");
	return ok;
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
	string_io();
	return report_summary();
}
