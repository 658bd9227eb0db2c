/*
 * kernel/options.h: the hypervisor's command-line options (docs/options.md
 * lists them). Parsed once at boot by options_parse.
 */
#ifndef KERNEL_OPTIONS_H
#define KERNEL_OPTIONS_H

#include "arch/x86/lapic.h"
#include "arch/x86/tsc.h"

struct options {
	enum apic_mode apic_mode;
	enum tsc_source_pref tsc;
	int acpi_off;
	int acpi_dump;
	int nrip_off;	/* nrip=off: instruction lengths from the decoder, never nRIP */
	int decode_off; /* decode=off: a MOV to CR4's register from the decoder (AMD) */
	int clean_off;	/* clean=off: every VMRUN reloads the whole VMCB (AMD) */
	int vpid_off;	/* vpid=off: no VPID, every VM entry and exit flushes (Intel) */
	int mb2_dump;
	unsigned int maxcpus;
	long fake_ap; /* APIC id of a CPU that is not there (tests), or -1 */
	const char *crash;
	const char *keys; /* a debug-key script (kernel/debug_keys.c), or NULL */
};

extern struct options opts;

void options_parse(const char *cmdline);

#endif
