/*
 * kernel/bootinfo.h: what the boot loader hands over, in one neutral form.
 * The Multiboot2 path (kernel/mb2.c) fills it today; the UEFI path will fill
 * the same structure, so nothing after the entry knows which loader ran.
 */
#ifndef KERNEL_BOOTINFO_H
#define KERNEL_BOOTINFO_H

#include <stdint.h>

#define BOOT_MAX_MEM 128
#define BOOT_MAX_MODS 16

enum mem_type {
	MEM_USABLE = 1,
	MEM_RESERVED = 2,
	MEM_ACPI = 3,
	MEM_NVS = 4,
	MEM_BAD = 5,
};

struct mem_range {
	uint64_t base;
	uint64_t len;
	uint32_t type; /* enum mem_type */
};

struct boot_module {
	uint64_t start; /* physical, [start, end) */
	uint64_t end;
	const char *cmdline;
};

struct boot_info {
	const char *loader;
	const char *cmdline;
	struct mem_range mem[BOOT_MAX_MEM];
	unsigned int nmem;
	struct boot_module mods[BOOT_MAX_MODS];
	unsigned int nmods;
	unsigned int mods_dropped; /* modules beyond BOOT_MAX_MODS */
	const void *rsdp;	   /* a copy or the original; NULL if not given */
	uint64_t info_start;	   /* the loader's own structure, to keep */
	uint64_t info_end;
};

#endif
