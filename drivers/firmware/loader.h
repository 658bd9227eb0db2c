/*
 * drivers/firmware/loader.h: laying a guest image out in guest memory, the
 * same way under bvm and under the Type-1 kernel. A loader writes the image,
 * the boot information its protocol promises, and says in what state the
 * boot vCPU must start. Written against drivers/dm_env.h only.
 */
#ifndef DRIVERS_FIRMWARE_LOADER_H
#define DRIVERS_FIRMWARE_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/dm_env.h"

/* Guest-physical layout of what loaders build below 1 MiB. */
#define FW_LOW_RAM_END 0x9fc00ull   /* end of conventional memory (639 KiB) */
#define FW_BIOS_AREA 0xe0000ull	    /* 0xe0000-0xfffff: reserved, ACPI RSDP lives here */
#define FW_HIGH_RAM 0x100000ull	    /* images load at or above 1 MiB */
#define FW_BOOTINFO_BASE 0x10000ull /* boot information (MBI, boot_params, ...) */
#define FW_BOOTINFO_LIMIT 0x80000ull

/*
 * Inside [FW_BOOTINFO_BASE, FW_BOOTINFO_LIMIT), which no image may overlap:
 * the boot information from FW_BOOTINFO_BASE, the FW_CPU_LONG64 entry stack,
 * the GDT and the identity-map page tables.
 */
#define FW_STACK_BASE 0x1b000ull /* 16 KiB stack; RSP = FW_STACK_TOP */
#define FW_STACK_TOP 0x1f000ull
#define FW_GDT_BASE 0x1f000ull	  /* flat GDT: null, FW_SEL_CODE, FW_SEL_DATA */
#define FW_PAGE_TABLES 0x20000ull /* PML4, PDPT, then one PD per GiB (2 MiB pages) */
#define FW_CMDLINE_MAX 4096	  /* bytes of the command line with its NUL */

/*
 * Selectors of the GDT at FW_GDT_BASE (base 0, limit 4 GiB, accessed set):
 * the code segment is 32-bit for FW_CPU_PROT32 and 64-bit for FW_CPU_LONG64.
 */
#define FW_SEL_CODE 0x08
#define FW_SEL_DATA 0x10

enum fw_cpu_mode {
	FW_CPU_PROT32, /* 32-bit protected mode, flat segments, paging off (Multiboot) */
	FW_CPU_LONG64, /* 64-bit mode with the page tables at cr3 and a flat GDT */
};

/* The boot vCPU's starting state that a loader asks for. */
struct fw_boot_cpu {
	enum fw_cpu_mode mode;
	uint64_t rip;
	uint64_t rsp;
	uint64_t rax, rbx, rsi, rdi;
	uint64_t cr3;	   /* FW_CPU_LONG64: guest-physical PML4 */
	uint64_t gdt_base; /* guest-physical GDT the loader wrote, or 0 */
	uint16_t gdt_limit;
};

/*
 * The guest's memory map (e820 / Multiboot types): usable [0, FW_LOW_RAM_END),
 * reserved [FW_LOW_RAM_END, FW_HIGH_RAM), usable [FW_HIGH_RAM, env->ram_size).
 */
enum fw_mem_type {
	FW_MEM_USABLE = 1,
	FW_MEM_RESERVED = 2,
};

struct fw_mem_range {
	uint64_t base;
	uint64_t len;
	uint32_t type; /* enum fw_mem_type */
};

#define FW_MEM_MAP_MAX 3

/* Fills up to max ranges of the map above, in address order; returns how many. */
unsigned int fw_memory_map(const struct dm_env *env, struct fw_mem_range *map, unsigned int max);

enum fw_image_kind {
	FW_IMAGE_UNKNOWN,
	FW_IMAGE_MULTIBOOT1,
	FW_IMAGE_MULTIBOOT2,
	FW_IMAGE_ELF64,
};

/* Tells what an image is from its bytes (a Multiboot header wins over plain ELF). */
enum fw_image_kind fw_image_probe(const void *image, size_t len);

/*
 * Loads a Multiboot (1 or 2) image or a plain ELF64, writes the boot
 * information (memory map of [0, env->ram_size) with the conventional holes,
 * the command line, the loader name) and fills *cpu. Returns 0, or -EINVAL
 * for a malformed image (err names the problem, NUL-terminated, in errlen
 * bytes), -E2BIG / -ENOMEM when it does not fit in guest RAM.
 * -E2BIG: a segment ends beyond guest RAM, the command line is FW_CMDLINE_MAX
 * bytes or more, or RAM is too large for the page tables; -ENOMEM: guest RAM
 * is not above FW_HIGH_RAM. The image is checked whole before any write.
 * Both modes get the GDT at FW_GDT_BASE: CS = FW_SEL_CODE, the data
 * segments FW_SEL_DATA. Multiboot: EAX the loader magic, EBX the information.
 * Plain ELF64: RSP = FW_STACK_TOP, RDI = RBX = a Multiboot2 information block,
 * RAX = its magic 0x36d76289.
 */
int fw_load_image(const struct dm_env *env, const void *image, size_t len, const char *cmdline,
		  struct fw_boot_cpu *cpu, char *err, size_t errlen);

#endif
