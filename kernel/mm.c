/*
 * kernel/mm.c: boot-time memory setup. Collects what must never be handed
 * out (the kernel image, each module, the boot information), builds the frame
 * pool over usable RAM (kernel/frame.c) and serialises access to it.
 */
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "lib/string.h"

extern char _kernel_start[], _kernel_end[];

static struct frame_pool pool;
static spinlock_t pool_lock;
static uint64_t usable_bytes, ram_top;

static void *identity(hpa_t pa)
{
	return hpa_to_virt(pa);
}

static unsigned int collect_reserved(const struct boot_info *bi, struct phys_range *r)
{
	unsigned int n = 0;

	r[n++] = (struct phys_range){ (uint64_t)_kernel_start, (uint64_t)_kernel_end };
	r[n++] = (struct phys_range){ bi->info_start, bi->info_end };
	for (unsigned int i = 0; i < bi->nmods; i++)
		r[n++] = (struct phys_range){ bi->mods[i].start, bi->mods[i].end };
	return n;
}

static void count_ram(const struct boot_info *bi)
{
	for (unsigned int i = 0; i < bi->nmem; i++) {
		const struct mem_range *m = &bi->mem[i];

		if (m->type != MEM_USABLE)
			continue;
		usable_bytes += m->len;
		if (m->base + m->len > ram_top)
			ram_top = m->base + m->len;
	}
}

void mm_init(const struct boot_info *bi)
{
	struct phys_range resv[BOOT_MAX_MODS + 2];
	unsigned int nresv = collect_reserved(bi, resv);

	count_ram(bi);
	if (!bi->nmem)
		panic("no memory map from the boot loader; cannot find usable RAM");
	if (usable_bytes < MM_MIN_USABLE)
		panic("too little memory: found %lu KiB usable, need at least %lu KiB",
		      usable_bytes >> 10, MM_MIN_USABLE >> 10);
	if (frame_pool_setup(&pool, bi->mem, bi->nmem, resv, nresv, identity))
		panic("too little memory: no room for the frame bitmap in %lu KiB usable",
		      usable_bytes >> 10);
	pr_info("mm: %lu MiB usable, frame bitmap %lu KiB at %#lx, %lu frames free\n",
		usable_bytes >> 20, pool.bitmap_bytes >> 10, pool.bitmap_phys, pool.free);
}

hpa_t frame_alloc_contig(uint64_t n, uint64_t align_frames)
{
	uint64_t flags = spin_lock_irqsave(&pool_lock);
	hpa_t pa = frame_pool_alloc_contig(&pool, n, align_frames);

	spin_unlock_irqrestore(&pool_lock, flags);
	if (pa)
		memset(hpa_to_virt(pa), 0, n * PAGE_SIZE);
	return pa;
}

hpa_t frame_alloc(void)
{
	return frame_alloc_contig(1, 1);
}

void frame_free(hpa_t pa, uint64_t n)
{
	uint64_t flags = spin_lock_irqsave(&pool_lock);
	int err = frame_pool_free(&pool, pa, n);

	spin_unlock_irqrestore(&pool_lock, flags);
	BUG_ON(err);
}

uint64_t mm_frames_free(void)
{
	return pool.free;
}

uint64_t mm_frames_total(void)
{
	return pool.total;
}

uint64_t mm_usable_bytes(void)
{
	return usable_bytes;
}

uint64_t mm_top_of_ram(void)
{
	return ram_top;
}
