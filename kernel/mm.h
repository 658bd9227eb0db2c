/*
 * kernel/mm.h: the kernel's memory: the global frame pool (locked) and the
 * kernel heap on top of it. All RAM is identity-mapped, so a host-physical
 * address is also the pointer to it (hpa_to_virt).
 */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/bootinfo.h"
#include "kernel/frame.h"

#define MM_MIN_USABLE (32ul << 20)

static inline void *hpa_to_virt(hpa_t pa)
{
	return (void *)pa;
}

/* Sets up the frame pool from the boot information; panics on too little RAM. */
void mm_init(const struct boot_info *bi);
hpa_t __must_check frame_alloc(void); /* zeroed frame, or 0 */
hpa_t __must_check frame_alloc_contig(uint64_t n, uint64_t align_frames);
void frame_free(hpa_t pa, uint64_t n);
uint64_t mm_frames_free(void);
uint64_t mm_frames_total(void);
uint64_t mm_usable_bytes(void);
uint64_t mm_top_of_ram(void);

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
/* Frames the heap keeps for small objects (they stay with it once carved). */
uint64_t heap_slab_frames(void);
/* Allocates and frees a mix of sizes and checks that the frame count returns. */
int heap_self_test(void);

#endif
