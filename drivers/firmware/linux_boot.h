/*
 * drivers/firmware/linux_boot.h: the Linux/x86 boot protocol as it lies in a
 * bzImage and in guest memory: the setup header at file offset 0x1f1
 * (Documentation/arch/x86/boot.rst, "The Real-Mode Kernel Header", protocol
 * 2.15) and the fields of struct boot_params, the zero page, that bivisor
 * fills (Documentation/arch/x86/zero-page.rst). Layouts only: linux.c uses them.
 */
#ifndef DRIVERS_FIRMWARE_LINUX_BOOT_H
#define DRIVERS_FIRMWARE_LINUX_BOOT_H

#include <stdint.h>

#define LINUX_HDR_OFFSET 0x1f1	   /* the setup header, in the file and in the zero page */
#define LINUX_BOOT_FLAG 0xaa55	   /* boot_flag */
#define LINUX_HDR_MAGIC 0x53726448 /* header: "HdrS" */
#define LINUX_SECTOR 512
#define LINUX_SETUP_SECTS_DEFAULT 4 /* setup_sects 0 means 4 */
#define LINUX_ENTRY64_OFFSET 0x200  /* the 64-bit entry, from the protected-mode kernel's start */

/* loadflags */
#define LINUX_LOADED_HIGH (1u << 0)  /* protected-mode code at 1 MiB (a bzImage) */
#define LINUX_CAN_USE_HEAP (1u << 7) /* heap_end_ptr is valid */
/* xloadflags (protocol 2.12) */
#define LINUX_XLF_KERNEL_64 (1u << 0) /* has the 64-bit entry at +0x200 */

#define LINUX_TYPE_OF_LOADER_UNDEFINED 0xff
#define LINUX_HEAP_END 0xe000 /* boot.rst's example heap end for a modern bzImage */

/* e820 entry types (zero-page.rst, struct boot_e820_entry) */
#define LINUX_E820_RAM 1
#define LINUX_E820_RESERVED 2
#define LINUX_E820_MAX 128

struct linux_setup_header {
	uint8_t setup_sects;		/* 0x1f1 */
	uint16_t root_flags;		/* 0x1f2 */
	uint32_t syssize;		/* 0x1f4: protected-mode code, 16-byte units */
	uint16_t ram_size;		/* 0x1f8 */
	uint16_t vid_mode;		/* 0x1fa */
	uint16_t root_dev;		/* 0x1fc */
	uint16_t boot_flag;		/* 0x1fe: LINUX_BOOT_FLAG */
	uint8_t jump[2];		/* 0x200: jump[1] + 0x202 is the header's end */
	uint32_t header;		/* 0x202: LINUX_HDR_MAGIC */
	uint16_t version;		/* 0x206: protocol, major << 8 | minor */
	uint32_t realmode_swtch;	/* 0x208 */
	uint16_t start_sys_seg;		/* 0x20c */
	uint16_t kernel_version;	/* 0x20e */
	uint8_t type_of_loader;		/* 0x210 */
	uint8_t loadflags;		/* 0x211 */
	uint16_t setup_move_size;	/* 0x212 */
	uint32_t code32_start;		/* 0x214 */
	uint32_t ramdisk_image;		/* 0x218 */
	uint32_t ramdisk_size;		/* 0x21c */
	uint32_t bootsect_kludge;	/* 0x220 */
	uint16_t heap_end_ptr;		/* 0x224 */
	uint8_t ext_loader_ver;		/* 0x226 */
	uint8_t ext_loader_type;	/* 0x227 */
	uint32_t cmd_line_ptr;		/* 0x228 */
	uint32_t initrd_addr_max;	/* 0x22c: highest address the initrd may occupy */
	uint32_t kernel_alignment;	/* 0x230 */
	uint8_t relocatable_kernel;	/* 0x234 */
	uint8_t min_alignment;		/* 0x235: log2 */
	uint16_t xloadflags;		/* 0x236 */
	uint32_t cmdline_size;		/* 0x238: without the NUL */
	uint32_t hardware_subarch;	/* 0x23c */
	uint64_t hardware_subarch_data; /* 0x240 */
	uint32_t payload_offset;	/* 0x248 */
	uint32_t payload_length;	/* 0x24c */
	uint64_t setup_data;		/* 0x250 */
	uint64_t pref_address;		/* 0x258 */
	uint32_t init_size;		/* 0x260 */
	uint32_t handover_offset;	/* 0x264 */
	uint32_t kernel_info_offset;	/* 0x268 */
} __attribute__((packed));
_Static_assert(sizeof(struct linux_setup_header) == 0x26c - 0x1f1, "setup header to 0x26c");

struct linux_e820_entry {
	uint64_t addr; /* 0x00 */
	uint64_t size; /* 0x08 */
	uint32_t type; /* 0x10 */
} __attribute__((packed));
_Static_assert(sizeof(struct linux_e820_entry) == 20, "e820 entry is 20 bytes");

/* The zero page: what bivisor fills is named, the rest is left zero. */
struct linux_boot_params {
	uint8_t before_rsdp[0x70];		   /* 0x000: screen_info, apm, tboot, ist */
	uint64_t acpi_rsdp_addr;		   /* 0x070 */
	uint8_t before_ext[0xc0 - 0x78];	   /* 0x078 */
	uint32_t ext_ramdisk_image;		   /* 0x0c0 */
	uint32_t ext_ramdisk_size;		   /* 0x0c4 */
	uint32_t ext_cmd_line_ptr;		   /* 0x0c8 */
	uint8_t before_e820_entries[0x1e8 - 0xcc]; /* 0x0cc */
	uint8_t e820_entries;			   /* 0x1e8 */
	uint8_t before_sentinel[0x1ef - 0x1e9];	   /* 0x1e9 */
	uint8_t sentinel;			   /* 0x1ef: 0, or the kernel distrusts the page */
	uint8_t pad_1f0;			   /* 0x1f0 */
	struct linux_setup_header hdr;		   /* 0x1f1 */
	uint8_t after_hdr[0x2d0 - 0x26c];	   /* 0x26c */
	struct linux_e820_entry e820[LINUX_E820_MAX]; /* 0x2d0 */
	uint8_t after_e820[0x1000 - 0xcd0];	      /* 0xcd0 */
} __attribute__((packed));
_Static_assert(sizeof(struct linux_boot_params) == 4096, "boot_params is one page");

#endif
