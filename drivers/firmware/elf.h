/*
 * drivers/firmware/elf.h: the ELF file and program headers the guest loaders
 * read (System V gABI "ELF Header" and "Program Header"; ELF32 for i386,
 * ELF64 for the x86-64 psABI). Layouts only: elf.c reads them through
 * drivers/firmware/loader_internal.h.
 */
#ifndef DRIVERS_FIRMWARE_ELF_H
#define DRIVERS_FIRMWARE_ELF_H

#include <stdint.h>

#define ELF_MAGIC "\177ELF"
#define ELF_EI_CLASS 4
#define ELF_EI_DATA 5
#define ELF_EI_VERSION 6
#define ELF_CLASS32 1
#define ELF_CLASS64 2
#define ELF_DATA_LSB 1
#define ELF_VERSION_CURRENT 1
#define ELF_ET_EXEC 2
#define ELF_EM_386 3
#define ELF_EM_X86_64 62
#define ELF_PT_LOAD 1
#define ELF_PN_XNUM 0xffff /* e_phnum escape: the count is in section header 0 */

struct elf32_ehdr {
	uint8_t e_ident[16];  /* 0x00 */
	uint16_t e_type;      /* 0x10 */
	uint16_t e_machine;   /* 0x12 */
	uint32_t e_version;   /* 0x14 */
	uint32_t e_entry;     /* 0x18 */
	uint32_t e_phoff;     /* 0x1c */
	uint32_t e_shoff;     /* 0x20 */
	uint32_t e_flags;     /* 0x24 */
	uint16_t e_ehsize;    /* 0x28 */
	uint16_t e_phentsize; /* 0x2a */
	uint16_t e_phnum;     /* 0x2c */
	uint16_t e_shentsize; /* 0x2e */
	uint16_t e_shnum;     /* 0x30 */
	uint16_t e_shstrndx;  /* 0x32 */
} __attribute__((packed));
_Static_assert(sizeof(struct elf32_ehdr) == 52, "ELF32 file header is 52 bytes");

struct elf64_ehdr {
	uint8_t e_ident[16];  /* 0x00 */
	uint16_t e_type;      /* 0x10 */
	uint16_t e_machine;   /* 0x12 */
	uint32_t e_version;   /* 0x14 */
	uint64_t e_entry;     /* 0x18 */
	uint64_t e_phoff;     /* 0x20 */
	uint64_t e_shoff;     /* 0x28 */
	uint32_t e_flags;     /* 0x30 */
	uint16_t e_ehsize;    /* 0x34 */
	uint16_t e_phentsize; /* 0x36 */
	uint16_t e_phnum;     /* 0x38 */
	uint16_t e_shentsize; /* 0x3a */
	uint16_t e_shnum;     /* 0x3c */
	uint16_t e_shstrndx;  /* 0x3e */
} __attribute__((packed));
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 file header is 64 bytes");

struct elf32_phdr {
	uint32_t p_type;   /* 0x00 */
	uint32_t p_offset; /* 0x04 */
	uint32_t p_vaddr;  /* 0x08 */
	uint32_t p_paddr;  /* 0x0c */
	uint32_t p_filesz; /* 0x10 */
	uint32_t p_memsz;  /* 0x14 */
	uint32_t p_flags;  /* 0x18 */
	uint32_t p_align;  /* 0x1c */
} __attribute__((packed));
_Static_assert(sizeof(struct elf32_phdr) == 32, "ELF32 program header is 32 bytes");

struct elf64_phdr {
	uint32_t p_type;   /* 0x00 */
	uint32_t p_flags;  /* 0x04 */
	uint64_t p_offset; /* 0x08 */
	uint64_t p_vaddr;  /* 0x10 */
	uint64_t p_paddr;  /* 0x18 */
	uint64_t p_filesz; /* 0x20 */
	uint64_t p_memsz;  /* 0x28 */
	uint64_t p_align;  /* 0x30 */
} __attribute__((packed));
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header is 56 bytes");

#endif
