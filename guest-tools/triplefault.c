/*
 * guest-tools/triplefault.c: a guest that breaks itself. It loads an empty
 * IDT and raises an exception; with no handler the CPU double-faults, then
 * shuts down (a triple fault: Intel SDM vol. 3A 6.15, interrupt 8). The
 * hypervisor must crash this domain only.
 */
#include "guest-tools/lib/guest.h"

int guest_main(void)
{
	guest_printf("loading an empty IDT and raising #BP: expect a triple fault\n");
	guest_triple_fault();
	report(0, "still running after a triple fault");
	return report_summary();
}
