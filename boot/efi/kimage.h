/*
 * boot/efi/kimage.h: checks build/bivisor.elf before bivisor.efi loads it:
 * its PT_LOAD segments (System V gABI "Program Loading"), its Multiboot2
 * header (Multiboot2 spec 1.0, 3.1) and the 64-bit entry record that
 * boot/entry.asm places right after that header.
 */
#ifndef BOOT_EFI_KIMAGE_H
#define BOOT_EFI_KIMAGE_H

#include <stddef.h>
#include <stdint.h>

#define KIMAGE_MAX_SEGS 8
#define KIMAGE_LOW (1ull << 20)	 /* segments start at or above 1 MiB ... */
#define KIMAGE_HIGH (1ull << 32) /* ... and end below 4 GiB (the early tables' reach) */

struct kimage_seg {
	uint64_t paddr, offset, filesz, memsz;
};

struct kimage {
	uint64_t lo, hi;  /* [lo, hi): every segment, 4 KiB aligned outward */
	uint64_t entry64; /* _start64 */
	unsigned int nsegs;
	struct kimage_seg segs[KIMAGE_MAX_SEGS];
};

/*
 * Checks the len bytes of file as a bivisor kernel and fills k. Returns 0,
 * or -EINVAL with a one-line reason in err. Nothing is written to memory.
 */
int kimage_check(const void *file, size_t len, struct kimage *k, char *err, size_t errlen);

#endif
