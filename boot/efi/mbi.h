/*
 * boot/efi/mbi.h: builds the Multiboot2 boot information (Multiboot2 spec
 * 1.0, 3.6) that bivisor.efi hands to the kernel, from what the firmware
 * gave: the UEFI memory map (UEFI 2.10, 7.2 GetMemoryMap), the ACPI RSDP
 * and the system table. The kernel then parses it with kernel/mb2.c, exactly
 * as it parses GRUB's.
 */
#ifndef BOOT_EFI_MBI_H
#define BOOT_EFI_MBI_H

#include <stddef.h>
#include <stdint.h>

#include "lib/mb2.h"

/*
 * One UEFI memory descriptor (UEFI 2.10, 7.2 EFI_MEMORY_DESCRIPTOR). In a
 * map they are desc_size bytes apart, which the firmware may make larger.
 */
struct efi_mem_desc {
	uint32_t type;	/* +0: EFI_MEMORY_TYPE */
	uint32_t pad;	/* +4 */
	uint64_t phys;	/* +8: PhysicalStart, 4 KiB aligned */
	uint64_t virt;	/* +16: VirtualStart */
	uint64_t pages; /* +24: NumberOfPages, of 4 KiB */
	uint64_t attr;	/* +32: EFI_MEMORY_UC, WB, RUNTIME ... */
};
_Static_assert(sizeof(struct efi_mem_desc) == 40, "UEFI 2.10 7.2 EFI_MEMORY_DESCRIPTOR");

/* UEFI 2.10 table 7.10 (memory types) */
enum efi_mem_type {
	EFI_RESERVED = 0,
	EFI_LOADER_CODE = 1,
	EFI_LOADER_DATA = 2,
	EFI_BOOT_CODE = 3,
	EFI_BOOT_DATA = 4,
	EFI_RUNTIME_CODE = 5,
	EFI_RUNTIME_DATA = 6,
	EFI_CONVENTIONAL = 7,
	EFI_UNUSABLE = 8,
	EFI_ACPI_RECLAIM = 9,
	EFI_ACPI_NVS = 10,
};

struct mbi_module {
	uint64_t start, end; /* physical, [start, end), below 4 GiB */
	const char *args;
};

struct mbi_input {
	const char *cmdline;
	const char *loader;
	const struct mbi_module *mods;
	unsigned int nmods;
	const void *rsdp;     /* NULL: no ACPI tag */
	uint32_t rsdp_len;    /* bytes copied: 20 (ACPI 1.0) or the RSDP's length */
	int rsdp_new;	      /* 1: the "ACPI new" tag (2.0 and later), 0: "ACPI old" */
	uint64_t efi_systab;  /* the EFI system table, for the EFI 64-bit tag */
	const void *efi_map;  /* the map ExitBootServices accepted */
	size_t efi_map_size;  /* its bytes */
	size_t efi_desc_size; /* bytes from one descriptor to the next */
	uint32_t efi_desc_version;
};

/* The Multiboot2 memory type (1 usable ... 5 bad) of an EFI memory type, after ExitBootServices. */
uint32_t mbi_mem_type(uint32_t efi_type);

/*
 * Bytes mbi_build needs at most for in, with a memory map of up to
 * efi_map_size bytes (it is built later, from the final map).
 */
size_t mbi_size(const struct mbi_input *in, size_t efi_map_size);

/*
 * Writes the information block into buf (8-byte aligned). Returns its total
 * size, or -ENOSPC when size is too small and -EINVAL for a module above
 * 4 GiB or a malformed map.
 */
long mbi_build(void *buf, size_t size, const struct mbi_input *in);

#endif
