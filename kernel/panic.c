/*
 * kernel/panic.c: panic prints one "panic:" line and stops every CPU; it is
 * for hypervisor invariants only, never for what a guest or a boot file can
 * cause (those get domain_crash or a clear error: docs/error-handling.md).
 */
#include <stdarg.h>

#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/x86.h"
#include "lib/format.h"
#include "kernel/panic.h"
#include "kernel/printk.h"

int test_exit_enabled;
volatile int panic_in_progress;

/*
 * QEMU's isa-debug-exit ends the emulator at the first write; Bochs has no
 * such device but ends when "Shutdown" is written to its port 0x8900.
 */
void machine_test_exit(enum test_exit_code code)
{
	if (!test_exit_enabled)
		return;
	outb(TEST_EXIT_PORT, (uint8_t)code);
	for (const char *p = "Shutdown"; *p; p++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*p);
}

void cpu_stop(void)
{
	machine_test_exit(EXIT_EXCEPTION);
	cpu_halt_forever();
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	irq_disable();
	panic_in_progress = 1;
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk_force("panic: %s\n", msg);
	lapic_stop_others();
	machine_test_exit(EXIT_PANIC);
	cpu_halt_forever();
}
