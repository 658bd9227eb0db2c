/*
 * kernel/frame.c: bitmap frame allocator over the usable RAM of the boot
 * memory map (Multiboot2 spec 3.6.8 types, ACPI 6.4 section 15 "System
 * Address Map Interfaces"). Pure code; the host unit tests check that it
 * never hands out a reserved frame and that its counters stay exact.
 */
#include "kernel/frame.h"

#include <stddef.h>

#define LOW_RESERVED (1ull << 20)

static int bit_test(const struct frame_pool *p, uint64_t f)
{
	return (p->bitmap[f / 64] >> (f % 64)) & 1;
}

static void bit_set(struct frame_pool *p, uint64_t f)
{
	p->bitmap[f / 64] |= 1ull << (f % 64);
}

static void bit_clear(struct frame_pool *p, uint64_t f)
{
	p->bitmap[f / 64] &= ~(1ull << (f % 64));
}

/* The second half of the bitmap: bit set = the frame belongs to the pool. */
static uint64_t *owned(const struct frame_pool *p)
{
	return p->bitmap + (p->nframes + 63) / 64;
}

static uint64_t usable_top(const struct mem_range *mem, unsigned int nmem)
{
	uint64_t top = 0;

	for (unsigned int i = 0; i < nmem; i++)
		if (mem[i].type == MEM_USABLE && mem[i].base + mem[i].len > top)
			top = mem[i].base + mem[i].len;
	return top & ~(PAGE_SIZE - 1);
}

static int overlaps(uint64_t b, uint64_t e, const struct phys_range *r, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (b < r[i].end && r[i].base < e)
			return 1;
	return 0;
}

/* Does [b, e) touch a range of the map that is not usable RAM? */
static int map_reserved(uint64_t b, uint64_t e, const struct mem_range *mem, unsigned int nmem)
{
	for (unsigned int i = 0; i < nmem; i++)
		if (mem[i].type != MEM_USABLE && b < mem[i].base + mem[i].len && mem[i].base < e)
			return 1;
	return 0;
}

/* First page-aligned place of `bytes` in usable RAM above 1 MiB, clear of resv. */
static hpa_t place_bitmap(const struct mem_range *mem, unsigned int nmem, uint64_t bytes,
			  const struct phys_range *resv, unsigned int nresv)
{
	for (unsigned int i = 0; i < nmem; i++) {
		uint64_t b = (mem[i].base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		uint64_t e = (mem[i].base + mem[i].len) & ~(PAGE_SIZE - 1);

		if (mem[i].type != MEM_USABLE)
			continue;
		if (b < LOW_RESERVED)
			b = LOW_RESERVED;
		for (; b + bytes <= e; b += PAGE_SIZE)
			if (!overlaps(b, b + bytes, resv, nresv) &&
			    !map_reserved(b, b + bytes, mem, nmem))
				return b;
	}
	return 0;
}

/* Marks frames fully inside [base, base+len) free; partial frames stay used. */
static void mark_usable(struct frame_pool *p, uint64_t base, uint64_t len)
{
	uint64_t f = (base + PAGE_SIZE - 1) >> PAGE_SHIFT;
	uint64_t end = (base + len) >> PAGE_SHIFT;

	for (; f < end && f < p->nframes; f++) {
		if (bit_test(p, f)) {
			bit_clear(p, f);
			owned(p)[f / 64] |= 1ull << (f % 64);
			p->total++;
			p->free++;
		}
	}
}

/* Marks every frame touching [base, end) used and takes it out of the pool. */
static void mark_reserved(struct frame_pool *p, uint64_t base, uint64_t end)
{
	uint64_t f = base >> PAGE_SHIFT;
	uint64_t last = (end + PAGE_SIZE - 1) >> PAGE_SHIFT;

	for (; f < last && f < p->nframes; f++) {
		if (!bit_test(p, f)) {
			bit_set(p, f);
			owned(p)[f / 64] &= ~(1ull << (f % 64));
			p->total--;
			p->free--;
		}
	}
}

int frame_pool_setup(struct frame_pool *p, const struct mem_range *mem, unsigned int nmem,
		     const struct phys_range *resv, unsigned int nresv,
		     void *(*phys_to_virt)(hpa_t))
{
	uint64_t top = usable_top(mem, nmem);
	uint64_t words, bytes;

	*p = (struct frame_pool){ 0 };
	if (top <= LOW_RESERVED)
		return -ENOMEM;
	p->nframes = top >> PAGE_SHIFT;
	words = (p->nframes + 63) / 64;
	bytes = (2 * words * 8 + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	p->bitmap_phys = place_bitmap(mem, nmem, bytes, resv, nresv);
	if (!p->bitmap_phys)
		return -ENOMEM;
	p->bitmap_bytes = bytes;
	p->bitmap = phys_to_virt(p->bitmap_phys);
	for (uint64_t i = 0; i < words; i++) {
		p->bitmap[i] = ~0ull;
		owned(p)[i] = 0;
	}
	for (unsigned int i = 0; i < nmem; i++)
		if (mem[i].type == MEM_USABLE)
			mark_usable(p, mem[i].base, mem[i].len);
	/* a non-usable range overlapping a usable one wins */
	for (unsigned int i = 0; i < nmem; i++)
		if (mem[i].type != MEM_USABLE)
			mark_reserved(p, mem[i].base, mem[i].base + mem[i].len);
	mark_reserved(p, 0, LOW_RESERVED);
	mark_reserved(p, p->bitmap_phys, p->bitmap_phys + bytes);
	for (unsigned int i = 0; i < nresv; i++)
		mark_reserved(p, resv[i].base, resv[i].end);
	p->hint = LOW_RESERVED >> PAGE_SHIFT;
	return 0;
}

hpa_t frame_pool_alloc(struct frame_pool *p)
{
	return frame_pool_alloc_contig(p, 1, 1);
}

static int run_is_free(const struct frame_pool *p, uint64_t f, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (bit_test(p, f + i))
			return 0;
	return 1;
}

/* Searches [from, to) for n free frames at an aligned start. */
static uint64_t find_run(const struct frame_pool *p, uint64_t from, uint64_t to, uint64_t n,
			 uint64_t align)
{
	uint64_t f = (from + align - 1) & ~(align - 1);

	for (; f + n <= to; f += align) {
		if (n == 1 && align <= 64 && p->bitmap[f / 64] == ~0ull) {
			f = (f | 63) + 1 - align; /* skip a full word */
			continue;
		}
		if (run_is_free(p, f, n))
			return f;
	}
	return 0;
}

hpa_t frame_pool_alloc_contig(struct frame_pool *p, uint64_t n, uint64_t align_frames)
{
	uint64_t align = align_frames ? align_frames : 1;
	uint64_t f;

	if (!n || n > p->free || (align & (align - 1)))
		return 0;
	f = find_run(p, p->hint, p->nframes, n, align);
	if (!f)
		f = find_run(p, 1, p->nframes, n, align);
	if (!f)
		return 0;
	for (uint64_t i = 0; i < n; i++)
		bit_set(p, f + i);
	p->free -= n;
	if (n == 1)
		p->hint = f + 1;
	return (hpa_t)f << PAGE_SHIFT;
}

int frame_pool_free(struct frame_pool *p, hpa_t addr, uint64_t n)
{
	uint64_t f = addr >> PAGE_SHIFT;

	if ((addr & (PAGE_SIZE - 1)) || !n || f + n > p->nframes || f == 0)
		return -EINVAL;
	for (uint64_t i = 0; i < n; i++)
		if (!bit_test(p, f + i) || !((owned(p)[(f + i) / 64] >> ((f + i) % 64)) & 1))
			return -EINVAL;
	for (uint64_t i = 0; i < n; i++)
		bit_clear(p, f + i);
	p->free += n;
	if (f < p->hint)
		p->hint = f;
	return 0;
}

int frame_pool_is_free(const struct frame_pool *p, hpa_t addr)
{
	uint64_t f = addr >> PAGE_SHIFT;

	return f < p->nframes && !bit_test(p, f);
}
