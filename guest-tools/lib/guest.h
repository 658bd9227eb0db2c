/*
 * guest-tools/lib/guest.h: the freestanding library of bivisor's test guests
 * (in the manner of kvm-unit-tests and XTF). A test is a straight-line
 * guest_main() of report() calls; its result lines go to COM1 and its exit
 * status to port 0xf4, so the same binary runs on plain QEMU, under bvm and
 * under bivisor, and the runner reads the same lines everywhere.
 */
#ifndef GUEST_TOOLS_GUEST_H
#define GUEST_TOOLS_GUEST_H

#include <stdint.h>

#include "arch/x86/x86.h" /* inb/outb, rdmsr, cpuid: the same helpers as the kernel */

/* Written by each test; returns the value for port 0xf4 (0 = all passed). */
int guest_main(void);

/* Any CPU may print: a lock keeps each call's output together on the line. */
void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "PASS: what" or "FAIL: what" and counts it (from any CPU). */
void report(int cond, const char *what);
/* Prints "SUMMARY: N passed, M failed" and returns M != 0. */
int report_summary(void);

uint32_t guest_boot_magic(void);
/* End of RAM from the Multiboot memory fields (mem_upper), or 0 if not given. */
uint64_t guest_ram_top(void);
/* The next of a fixed xorshift64 sequence (the same on every run and platform). */
uint64_t guest_rand(void);
/* "key=N" from the Multiboot command line, N in 1..max; else def. */
uint32_t guest_cmdline_number(const char *key, uint32_t def, uint32_t max);
/* "key=WORD" from the Multiboot command line into buf (cut to len - 1); 0, or -1 if absent. */
int guest_cmdline_word(const char *key, char *buf, unsigned int len);
/* Multiboot module i (MB1 3.3 mods_addr): 0 and its bounds and command line, or -1. */
int guest_module(unsigned int i, uint64_t *start, uint64_t *end, const char **cmdline);
void guest_exit(int status) __attribute__((noreturn));
/* Loads an empty IDT and raises #BP: no handler, a double fault, a shutdown (SDM vol. 3A
 * 6.15). Returns only if the platform let the guest run on. */
void guest_triple_fault(void);
/* Writes units to the progress port 0xf5 (bivisor counts these writes per domain;
 * on plain QEMU nothing answers there). */
void guest_progress(uint32_t units);

#endif
