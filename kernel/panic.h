/*
 * kernel/panic.h: the hypervisor's own failure paths (docs/error-handling.md):
 * panic() and BUG_ON() for broken hypervisor invariants, cpu_stop() after an
 * exception, and the test exit through port 0xf4.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdint.h>

#include "lib/test_abi.h"

#define BOCHS_SHUTDOWN_PORT 0x8900
/* Values written to the test exit port (QEMU exits with value * 2 + 1). */
enum test_exit_code {
	EXIT_OK = 0,
	EXIT_PANIC = 2,
	EXIT_EXCEPTION = 3,
};

extern int test_exit_enabled; /* the `testexit` command-line option */
extern volatile int panic_in_progress;

void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void cpu_stop(void) __attribute__((noreturn));
/* With `testexit`, ends the emulator; otherwise returns. */
void machine_test_exit(enum test_exit_code code);

#define BUG_ON(cond)                                                                               \
	do {                                                                                       \
		if (cond)                                                                          \
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, #cond);                      \
	} while (0)

#endif
