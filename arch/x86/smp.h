/*
 * arch/x86/smp.h: bring-up of the application processors.
 */
#ifndef ARCH_X86_SMP_H
#define ARCH_X86_SMP_H

#include <stdint.h>

#include "arch/x86/acpi.h"
#include "arch/x86/percpu.h"

/* Sets up the BSP's per-CPU data, descriptor tables and stack. */
void smp_init_bsp(void);
/*
 * Starts every enabled CPU of the MADT (up to maxcpus in all) with
 * INIT-SIPI-SIPI; a CPU that does not answer is reported and skipped.
 * extra_apic_id (or -1) adds a CPU that is not there, to test that path.
 */
void smp_boot(const struct acpi_info *ai, unsigned int maxcpus, long extra_apic_id);
/* Releases the APs into their idle loop after bring-up. */
void smp_release(void);
/* Every AP leaves its idle loop and calls fn (at its next timer tick at the latest). */
void smp_run_on_aps(void (*fn)(void));

#endif
