/*
 * lib/mb2.h: the Multiboot2 numbers every side of the protocol shares
 * (Multiboot2 spec 1.0, sections 3.1 and 3.6): the kernel's parser
 * (kernel/mb2.c), bivisor.efi that writes the boot information
 * (boot/efi/mbi.c, kimage.c) and the guest loader that reads a guest's
 * header and writes its information (drivers/firmware/multiboot.c).
 */
#ifndef LIB_MB2_H
#define LIB_MB2_H

#define MB2_HEADER_MAGIC 0xe85250d6u /* the image's header (3.1.1) */
#define MB2_BOOT_MAGIC 0x36d76289u   /* in EAX at entry (3.3) */
#define MB2_SEARCH_END 32768	     /* the header lies in the first 32 KiB... */
#define MB2_ALIGN 8		     /* ...8-aligned, as are its tags and the info's */

/* The boot information's tag types (3.6) */
enum mb2_info_tag_type {
	MB2_IT_END = 0,
	MB2_IT_CMDLINE = 1,
	MB2_IT_LOADER_NAME = 2,
	MB2_IT_MODULE = 3,
	MB2_IT_MEMINFO = 4,
	MB2_IT_MMAP = 6,
	MB2_IT_EFI64 = 12,
	MB2_IT_ACPI_OLD = 14,
	MB2_IT_ACPI_NEW = 15,
	MB2_IT_EFI_MMAP = 17,
	MB2_IT_LAST = 21, /* image load base: the last type the 1.0 spec defines */
};

#endif
