/*
 * drivers/firmware/multiboot.h: the OS image headers and the boot information
 * of Multiboot 0.6.96 (sections 3.1 and 3.3) and Multiboot2 1.0 (sections 3.1
 * and 3.6), as laid out in guest memory. Layouts only: multiboot.c reads and
 * writes them through drivers/firmware/loader_internal.h.
 */
#ifndef DRIVERS_FIRMWARE_MULTIBOOT_H
#define DRIVERS_FIRMWARE_MULTIBOOT_H

#include <stdint.h>

#include "lib/mb2.h"

/* Multiboot 1: the header (3.1.1-3.1.4) */
#define MB1_HEADER_MAGIC 0x1badb002u
#define MB1_BOOT_MAGIC 0x2badb002u /* in EAX at entry */
#define MB1_SEARCH_END 8192	   /* the header lies in the first 8 KiB... */
#define MB1_HEADER_ALIGN 4	   /* ...at a 4-byte aligned offset */

#define MB1_HF_PAGE_ALIGN (1u << 0) /* modules page aligned */
#define MB1_HF_MEMINFO (1u << 1)    /* mem_lower/mem_upper wanted */
#define MB1_HF_VIDEO (1u << 2)	    /* video mode table wanted */
#define MB1_HF_ADDRESS (1u << 16)   /* the address fields are valid */
#define MB1_HF_REQUIRED 0xffffu	    /* bits a loader must understand or refuse */

struct mb1_header {
	uint32_t magic;		/* 0x00 */
	uint32_t flags;		/* 0x04 */
	uint32_t checksum;	/* 0x08: magic + flags + checksum == 0 */
	uint32_t header_addr;	/* 0x0c: MB1_HF_ADDRESS fields */
	uint32_t load_addr;	/* 0x10 */
	uint32_t load_end_addr; /* 0x14: 0: to the end of the file */
	uint32_t bss_end_addr;	/* 0x18: 0: no bss */
	uint32_t entry_addr;	/* 0x1c */
	uint32_t mode_type;	/* 0x20: MB1_HF_VIDEO fields */
	uint32_t width;		/* 0x24 */
	uint32_t height;	/* 0x28 */
	uint32_t depth;		/* 0x2c */
} __attribute__((packed));
_Static_assert(sizeof(struct mb1_header) == 48, "Multiboot 1 header is 48 bytes");

/* Multiboot 1: the boot information (3.3) */
#define MB1_INFO_MEM (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS (1u << 3)
#define MB1_INFO_MMAP (1u << 6)
#define MB1_INFO_LOADER_NAME (1u << 9)

struct mb1_info {
	uint32_t flags;		    /* 0x00: MB1_INFO_* */
	uint32_t mem_lower;	    /* 0x04: KiB from 0 */
	uint32_t mem_upper;	    /* 0x08: KiB from 1 MiB */
	uint32_t boot_device;	    /* 0x0c */
	uint32_t cmdline;	    /* 0x10 */
	uint32_t mods_count;	    /* 0x14 */
	uint32_t mods_addr;	    /* 0x18 */
	uint32_t syms[4];	    /* 0x1c */
	uint32_t mmap_length;	    /* 0x2c: bytes of all entries */
	uint32_t mmap_addr;	    /* 0x30: first entry's size field */
	uint32_t drives_length;	    /* 0x34 */
	uint32_t drives_addr;	    /* 0x38 */
	uint32_t config_table;	    /* 0x3c */
	uint32_t boot_loader_name;  /* 0x40 */
	uint32_t apm_table;	    /* 0x44 */
	uint32_t vbe_control_info;  /* 0x48 */
	uint32_t vbe_mode_info;	    /* 0x4c */
	uint16_t vbe_mode;	    /* 0x50 */
	uint16_t vbe_interface_seg; /* 0x52 */
	uint16_t vbe_interface_off; /* 0x54 */
	uint16_t vbe_interface_len; /* 0x56 */
	uint64_t fb_addr;	    /* 0x58 */
	uint32_t fb_pitch;	    /* 0x60 */
	uint32_t fb_width;	    /* 0x64 */
	uint32_t fb_height;	    /* 0x68 */
	uint8_t fb_bpp;		    /* 0x6c */
	uint8_t fb_type;	    /* 0x6d */
	uint8_t fb_color_info[6];   /* 0x6e */
} __attribute__((packed));
_Static_assert(sizeof(struct mb1_info) == 116, "Multiboot 1 information is 116 bytes");

/* mods_addr points at mods_count of these (3.3). */
struct mb1_module {
	uint32_t mod_start; /* 0x00 */
	uint32_t mod_end;   /* 0x04: one past the last byte */
	uint32_t string;    /* 0x08: the module's command line */
	uint32_t reserved;  /* 0x0c: 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb1_module) == 16, "Multiboot 1 module entry is 16 bytes");

/* size counts the bytes after itself: 20 here; mmap_addr points at size. */
struct mb1_mmap_entry {
	uint32_t size;	    /* 0x00 */
	uint64_t base_addr; /* 0x04 */
	uint64_t length;    /* 0x0c */
	uint32_t type;	    /* 0x14: 1 usable, 2 reserved */
} __attribute__((packed));
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "Multiboot 1 mmap entry is 24 bytes");

/* Multiboot2: the header and its tags (3.1) */
#define MB2_ARCH_I386 0
#define MB2_TAG_OPTIONAL 1 /* header tag flags bit 0 */

enum mb2_header_tag_type {
	MB2_HT_END = 0,
	MB2_HT_INFO_REQUEST = 1,
	MB2_HT_ADDRESS = 2,
	MB2_HT_ENTRY = 3,
	MB2_HT_CONSOLE = 4,
	MB2_HT_FRAMEBUFFER = 5,
	MB2_HT_MODULE_ALIGN = 6,
	MB2_HT_EFI_BS = 7,
	MB2_HT_EFI32_ENTRY = 8,
	MB2_HT_EFI64_ENTRY = 9,
	MB2_HT_RELOCATABLE = 10,
};

#define MB2_CONSOLE_REQUIRED 1u /* console_flags bit 0 */

struct mb2_header {
	uint32_t magic;		/* 0x00 */
	uint32_t architecture;	/* 0x04 */
	uint32_t header_length; /* 0x08: with the tags */
	uint32_t checksum;	/* 0x0c: the four fields sum to 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_header) == 16, "Multiboot2 header is 16 bytes");

struct mb2_header_tag {
	uint16_t type;	/* 0x00 */
	uint16_t flags; /* 0x02 */
	uint32_t size;	/* 0x04: with this header, without padding */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_header_tag) == 8, "Multiboot2 header tag is 8 bytes");

struct mb2_address_tag {
	struct mb2_header_tag tag; /* 0x00 */
	uint32_t header_addr;	   /* 0x08 */
	uint32_t load_addr;	   /* 0x0c: ~0u: from the start of the file */
	uint32_t load_end_addr;	   /* 0x10: 0: to the end of the file */
	uint32_t bss_end_addr;	   /* 0x14: 0: no bss */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_address_tag) == 24, "Multiboot2 address tag is 24 bytes");

/* Multiboot2: the boot information (3.6) */

struct mb2_info_header {
	uint32_t total_size; /* 0x00 */
	uint32_t reserved;   /* 0x04 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_info_header) == 8, "Multiboot2 info header is 8 bytes");

struct mb2_tag {
	uint32_t type; /* 0x00 */
	uint32_t size; /* 0x04: with this header, without padding */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag) == 8, "Multiboot2 info tag header is 8 bytes");

struct mb2_meminfo_tag {
	struct mb2_tag tag; /* 0x00 */
	uint32_t mem_lower; /* 0x08: KiB from 0 */
	uint32_t mem_upper; /* 0x0c: KiB from 1 MiB */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_meminfo_tag) == 16, "Multiboot2 meminfo tag is 16 bytes");

/* Tag type 3 (3.6.6), followed by the module's NUL-terminated command line. */
struct mb2_module_tag {
	struct mb2_tag tag; /* 0x00 */
	uint32_t mod_start; /* 0x08 */
	uint32_t mod_end;   /* 0x0c: one past the last byte */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_module_tag) == 16, "Multiboot2 module tag header is 16 bytes");

struct mb2_mmap_tag {
	struct mb2_tag tag;	/* 0x00 */
	uint32_t entry_size;	/* 0x08: 24 */
	uint32_t entry_version; /* 0x0c: 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_mmap_tag) == 16, "Multiboot2 mmap tag header is 16 bytes");

struct mb2_mmap_entry {
	uint64_t base_addr; /* 0x00 */
	uint64_t length;    /* 0x08 */
	uint32_t type;	    /* 0x10: 1 usable, 2 reserved */
	uint32_t reserved;  /* 0x14 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "Multiboot2 mmap entry is 24 bytes");

#endif
