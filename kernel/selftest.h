/*
 * kernel/selftest.h: boot-time fault injection for the test suite
 * (`crash=KIND`) and the ACPI table dump (`acpi=dump`) that the host unit
 * tests' captured tables come from.
 */
#ifndef KERNEL_SELFTEST_H
#define KERNEL_SELFTEST_H

#include "arch/x86/acpi.h"
#include "kernel/bootinfo.h"

/* Provokes the fault named by kind ("" does nothing). */
void selftest_run(const char *kind);
extern volatile uint8_t selftest_window_fault; /* crash=window: svm/svm_entry.asm reads it */
void selftest_acpi_dump(const void *rsdp, const struct acpi_info *ai);
void selftest_mb2_dump(const struct boot_info *bi);

#endif
