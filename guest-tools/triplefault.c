/*
 * guest-tools/triplefault.c: a guest that breaks itself. It loads an empty
 * IDT and raises an exception; with no handler the CPU double-faults, then
 * shuts down (a triple fault: Intel SDM vol. 3A 6.15, interrupt 8). The
 * hypervisor must crash this domain only.
 */
#include "guest-tools/lib/guest.h"

int guest_main(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	guest_printf("loading an empty IDT and raising #BP: expect a triple fault\n");
	asm volatile("lidt %0; int3" : : "m"(empty));
	report(0, "still running after a triple fault");
	return report_summary();
}
