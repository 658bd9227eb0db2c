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
 */
int fw_load_image(const struct dm_env *env, const void *image, size_t len, const char *cmdline,
		  struct fw_boot_cpu *cpu, char *err, size_t errlen);

#endif
