/*
 * kernel/frame.h: the physical frame allocator. A bitmap with one bit per
 * 4 KiB frame from address 0 up to the end of the highest usable range;
 * frames outside usable RAM and every reserved range stay marked used.
 * The pool code is pure (host unit tests); kernel/mm.c owns the global pool.
 */
#ifndef KERNEL_FRAME_H
#define KERNEL_FRAME_H

#include <stdint.h>

#include "kernel/bootinfo.h"
#include "kernel/errno.h"

#define PAGE_SIZE 4096ul
#define PAGE_SHIFT 12

typedef uint64_t hpa_t; /* host-physical address */

struct phys_range {
	uint64_t base;
	uint64_t end; /* exclusive */
};

struct frame_pool {
	uint64_t *bitmap; /* bit set = frame in use */
	uint64_t nframes; /* frames the bitmap covers, from address 0 */
	uint64_t total;	  /* usable frames handed to the pool */
	uint64_t free;
	uint64_t hint; /* where the next search starts */
	hpa_t bitmap_phys;
	uint64_t bitmap_bytes;
};

/*
 * Sets the pool up over the usable ranges of mem[], never handing out the
 * frames of resv[] (kernel image, modules, boot information), the first MiB,
 * nor the bitmap itself, which it places in usable RAM above 1 MiB.
 * phys_to_virt gives a pointer to the bitmap's frames.
 */
int __must_check frame_pool_setup(struct frame_pool *p, const struct mem_range *mem,
				  unsigned int nmem, const struct phys_range *resv,
				  unsigned int nresv, void *(*phys_to_virt)(hpa_t));

/* Returns the frame's address, or 0 when none is free (frame 0 is never free). */
hpa_t frame_pool_alloc(struct frame_pool *p);
/* n contiguous frames aligned to align_frames (a power of two), or 0. */
hpa_t frame_pool_alloc_contig(struct frame_pool *p, uint64_t n, uint64_t align_frames);
/* Returns -EINVAL for a frame outside the pool or already free. */
int frame_pool_free(struct frame_pool *p, hpa_t addr, uint64_t n);
int frame_pool_is_free(const struct frame_pool *p, hpa_t addr);

#endif
