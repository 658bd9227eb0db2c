/*
 * kernel/heap.c: the kernel heap on top of the frame pool. Requests up to
 * 2 KiB come from per-size free lists (16 B to 2 KiB, one 4 KiB frame carved
 * at a time); larger ones take contiguous frames. Every frame of the heap
 * starts with a header, so kfree finds the size from the pointer alone.
 */
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"
#include "lib/string.h"

#define HEAP_MAGIC_SMALL 0x68656170736d6c6cull /* "heapsmll" */
#define HEAP_MAGIC_LARGE 0x686561706c617267ull /* "heaplarg" */
#define HDR_SIZE 64
#define MIN_SHIFT 4
#define MAX_SHIFT 11
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)

struct page_hdr {
	uint64_t magic;
	uint64_t size; /* object size (small) or frame count (large) */
};

struct free_obj {
	struct free_obj *next;
};

static struct free_obj *free_lists[NCLASSES];
static spinlock_t heap_lock;
static uint64_t slab_frames; /* frames carved into small objects; kept by the heap */

static int size_class(size_t size)
{
	int c = 0;

	while (((size_t)1 << (c + MIN_SHIFT)) < size)
		c++;
	return c;
}

static int refill(int c)
{
	size_t objsz = (size_t)1 << (c + MIN_SHIFT);
	hpa_t pa = frame_alloc();
	struct page_hdr *h;
	uint8_t *p;

	if (!pa)
		return -ENOMEM;
	slab_frames++;
	h = hpa_to_virt(pa);
	h->magic = HEAP_MAGIC_SMALL;
	h->size = objsz;
	p = (uint8_t *)h + (objsz > HDR_SIZE ? objsz : HDR_SIZE);
	for (; p + objsz <= (uint8_t *)h + PAGE_SIZE; p += objsz) {
		struct free_obj *o = (struct free_obj *)p;

		o->next = free_lists[c];
		free_lists[c] = o;
	}
	return 0;
}

static void *large_alloc(size_t size)
{
	uint64_t n = (size + HDR_SIZE + PAGE_SIZE - 1) / PAGE_SIZE;
	hpa_t pa = frame_alloc_contig(n, 1);
	struct page_hdr *h;

	if (!pa)
		return NULL;
	h = hpa_to_virt(pa);
	h->magic = HEAP_MAGIC_LARGE;
	h->size = n;
	return (uint8_t *)h + HDR_SIZE;
}

void *kmalloc(size_t size)
{
	struct free_obj *o;
	uint64_t flags;
	int c;

	if (size > ((size_t)1 << MAX_SHIFT))
		return large_alloc(size);
	c = size_class(size ? size : 1);
	flags = spin_lock_irqsave(&heap_lock);
	if (!free_lists[c] && refill(c)) {
		spin_unlock_irqrestore(&heap_lock, flags);
		return NULL;
	}
	o = free_lists[c];
	free_lists[c] = o->next;
	spin_unlock_irqrestore(&heap_lock, flags);
	return o;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	struct page_hdr *h = (struct page_hdr *)((uintptr_t)p & ~(PAGE_SIZE - 1));
	struct free_obj *o = p;
	uint64_t flags;

	if (!p)
		return;
	if (h->magic == HEAP_MAGIC_LARGE && (uint8_t *)p == (uint8_t *)h + HDR_SIZE) {
		frame_free((hpa_t)(uintptr_t)h, h->size);
		return;
	}
	BUG_ON(h->magic != HEAP_MAGIC_SMALL);
	flags = spin_lock_irqsave(&heap_lock);
	o->next = free_lists[size_class(h->size)];
	free_lists[size_class(h->size)] = o;
	spin_unlock_irqrestore(&heap_lock, flags);
}

uint64_t heap_slab_frames(void)
{
	return slab_frames;
}

int heap_self_test(void)
{
	static const size_t sizes[] = { 1, 24, 100, 2048, 5000, 70000 };
	void *p[6];
	uint64_t before;

	for (unsigned int i = 0; i < 6; i++) { /* warm the small classes */
		p[i] = kmalloc(sizes[i]);
		kfree(p[i]);
	}
	before = mm_frames_free();
	for (unsigned int i = 0; i < 6; i++) {
		p[i] = kmalloc(sizes[i]);
		if (!p[i])
			return -ENOMEM;
		memset(p[i], 0xa5, sizes[i]);
	}
	for (unsigned int i = 0; i < 6; i++)
		kfree(p[i]);
	return mm_frames_free() == before ? 0 : -EFAULT;
}
