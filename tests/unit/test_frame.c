/*
 * tests/unit/test_frame.c: kernel/frame.c, the bitmap frame allocator, over
 * memory maps with holes, overlaps and unaligned ranges (Multiboot2 3.6.8
 * types). Every frame handed out is checked against an independent oracle:
 * usable, above 1 MiB, clear of the reserved ranges and of the bitmap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/frame.h"
#include "lib/sizes.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The bitmap's frames: one host buffer, large enough for 32 GiB of RAM. */
#define BITMAP_ROOM (1u << 20)
static void *bitmap_mem;
static hpa_t bitmap_asked;

static void *fake_phys_to_virt(hpa_t pa)
{
	bitmap_asked = pa;
	return bitmap_mem;
}

static int setup(void **state)
{
	(void)state;
	bitmap_mem = calloc(1, BITMAP_ROOM);
	bitmap_asked = 0;
	return bitmap_mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(bitmap_mem);
	return 0;
}

/* Low RAM, a hole, RAM with a reserved and a bad range inside, ACPI, unaligned RAM. */
static const struct mem_range holey_map[] = {
	{ 0x0, 0x9fc00, MEM_USABLE },	      { 0x9fc00, 0x400, MEM_RESERVED },
	{ 0xf0000, 0x10000, MEM_RESERVED },   { 0x100000, 0x3ef0000, MEM_USABLE },
	{ 0x3ff0000, 0x10000, MEM_ACPI },     { 0x2000000, 0x100000, MEM_RESERVED },
	{ 0x4000800, 0x1fff400, MEM_USABLE }, { 0x8000000, 0x8000000, MEM_USABLE },
	{ 0xc000000, 0x1000, MEM_BAD },	      { 0xfee00000, 0x1000, MEM_RESERVED },
};

/* Kernel image, boot information, two modules (one of a single byte). */
static const struct phys_range holey_resv[] = {
	{ 0x100000, 0x1c3000 },
	{ 0x1c4960, 0x1c4f68 },
	{ 0x1c5000, 0x9c7123 },
	{ 0x3000000, 0x3000001 },
};

struct layout {
	const struct mem_range *mem;
	unsigned int nmem;
	const struct phys_range *resv;
	unsigned int nresv;
};

static const struct layout holey = { holey_map, NELEM(holey_map), holey_resv, NELEM(holey_resv) };

static int overlaps(uint64_t b, uint64_t e, uint64_t rb, uint64_t re)
{
	return b < re && rb < e;
}

/* The oracle: may the frame at a ever be handed out? */
static int frame_allowed(const struct layout *l, const struct frame_pool *p, uint64_t a)
{
	uint64_t e = a + PAGE_SIZE;
	int usable = 0;

	if (a < MIB || overlaps(a, e, p->bitmap_phys, p->bitmap_phys + p->bitmap_bytes))
		return 0;
	for (unsigned int i = 0; i < l->nmem; i++) {
		const struct mem_range *m = &l->mem[i];

		if (m->type != MEM_USABLE && overlaps(a, e, m->base, m->base + m->len))
			return 0;
		if (m->type == MEM_USABLE && m->base <= a && e <= m->base + m->len)
			usable = 1;
	}
	for (unsigned int i = 0; i < l->nresv; i++)
		if (overlaps(a, e, l->resv[i].base, l->resv[i].end))
			return 0;
	return usable;
}

static void pool_setup(struct frame_pool *p, const struct layout *l)
{
	assert_int_equal(frame_pool_setup(p, l->mem, l->nmem, l->resv, l->nresv, fake_phys_to_virt),
			 0);
	assert_int_equal(bitmap_asked, p->bitmap_phys);
	assert_true(p->bitmap_bytes >= (p->nframes + 63) / 64 * 8);
	assert_true(p->bitmap_bytes <= BITMAP_ROOM);
}

static uint64_t oracle_count(const struct layout *l, const struct frame_pool *p)
{
	uint64_t n = 0;

	for (uint64_t f = 0; f < p->nframes; f++)
		n += frame_allowed(l, p, f << PAGE_SHIFT);
	return n;
}

static void every_frame_handed_out_is_allowed_and_unique(void **state)
{
	struct frame_pool p;
	uint8_t *seen;
	uint64_t got = 0;
	hpa_t a;

	(void)state;
	pool_setup(&p, &holey);
	seen = calloc(p.nframes, 1);
	while ((a = frame_pool_alloc(&p))) {
		assert_int_equal(a % PAGE_SIZE, 0);
		assert_true(a >> PAGE_SHIFT < p.nframes);
		if (!frame_allowed(&holey, &p, a))
			fail_msg("frame %#lx handed out but not allowed", (unsigned long)a);
		assert_false(seen[a >> PAGE_SHIFT]);
		seen[a >> PAGE_SHIFT] = 1;
		assert_false(frame_pool_is_free(&p, a));
		got++;
		assert_int_equal(p.free, p.total - got);
	}
	assert_int_equal(got, p.total);
	assert_int_equal(p.free, 0);
	free(seen);
}

static void counters_match_the_oracle_exactly(void **state)
{
	struct frame_pool p;

	(void)state;
	pool_setup(&p, &holey);
	assert_int_equal(p.nframes, 0x10000000 >> PAGE_SHIFT);
	assert_int_equal(p.total, oracle_count(&holey, &p));
	assert_int_equal(p.free, p.total);
	for (uint64_t f = 0; f < p.nframes; f++)
		assert_int_equal(frame_pool_is_free(&p, f << PAGE_SHIFT),
				 frame_allowed(&holey, &p, f << PAGE_SHIFT));
}

static void bitmap_sits_above_1mib_clear_of_reserved_ranges(void **state)
{
	struct frame_pool p;

	(void)state;
	pool_setup(&p, &holey);
	/* the first page-aligned room after the kernel, boot info and module */
	assert_int_equal(p.bitmap_phys, 0x9c8000);
	assert_int_equal(p.bitmap_bytes % PAGE_SIZE, 0);
	assert_false(frame_pool_is_free(&p, p.bitmap_phys));
}

static void bitmap_covers_ram_above_4gib(void **state)
{
	static const struct mem_range map[] = { { 0, 0x9fc00, MEM_USABLE },
						{ 0x100000, 0x7fee0000, MEM_USABLE },
						{ 0x7ffe0000, 0x20000, MEM_RESERVED },
						{ 0xfffc0000, 0x40000, MEM_RESERVED },
						{ 0x100000000, 0x80000000, MEM_USABLE } };
	static const struct layout l = { map, NELEM(map), NULL, 0 };
	struct frame_pool p;

	(void)state;
	pool_setup(&p, &l);
	assert_int_equal(p.nframes, 0x180000);
	assert_true(p.bitmap_bytes >= 0x180000 / 8);
	assert_int_equal(p.bitmap_phys, 0x100000);
	assert_int_equal(p.total, oracle_count(&l, &p));
	assert_true(frame_pool_is_free(&p, 0x17ffff000));
	assert_false(frame_pool_is_free(&p, 0x80000000));
}

static void partial_frames_of_ranges_stay_used(void **state)
{
	struct frame_pool p;

	(void)state;
	pool_setup(&p, &holey);
	/* usable 0x4000800-0x5fffc00 loses its first and last frame */
	assert_false(frame_pool_is_free(&p, 0x4000000));
	assert_true(frame_pool_is_free(&p, 0x4001000));
	assert_true(frame_pool_is_free(&p, 0x5ffe000));
	assert_false(frame_pool_is_free(&p, 0x5fff000));
	/* a reserved range takes every frame it touches: 0x1c4960 and 0x9c7123 */
	assert_false(frame_pool_is_free(&p, 0x1c4000));
	assert_false(frame_pool_is_free(&p, 0x9c7000));
	assert_false(frame_pool_is_free(&p, 0x3000000));
	assert_true(frame_pool_is_free(&p, 0x3001000));
}

static void reserved_map_ranges_win_over_usable_ones(void **state)
{
	struct frame_pool p;

	(void)state;
	pool_setup(&p, &holey);
	for (hpa_t a = 0x2000000; a < 0x2100000; a += PAGE_SIZE)
		assert_false(frame_pool_is_free(&p, a));
	assert_true(frame_pool_is_free(&p, 0x1fff000));
	assert_true(frame_pool_is_free(&p, 0x2100000));
	assert_false(frame_pool_is_free(&p, 0xc000000));  /* MEM_BAD */
	assert_false(frame_pool_is_free(&p, 0x6000000));  /* the hole */
	assert_false(frame_pool_is_free(&p, 0x10000000)); /* past the top */
}

static void contiguous_runs_are_aligned_and_taken_whole(void **state)
{
	struct frame_pool p;
	uint64_t free0;
	hpa_t a, b;

	(void)state;
	pool_setup(&p, &holey);
	free0 = p.free;
	frame_pool_alloc(&p); /* so that the next run does not start aligned by luck */
	a = frame_pool_alloc_contig(&p, 16, 16);
	assert_int_not_equal(a, 0);
	assert_int_equal(a % (16 * PAGE_SIZE), 0);
	b = frame_pool_alloc_contig(&p, 512, 512);
	assert_int_not_equal(b, 0);
	assert_int_equal(b % (2 * MIB), 0);
	for (uint64_t i = 0; i < 512; i++) {
		assert_true(frame_allowed(&holey, &p, b + i * PAGE_SIZE));
		assert_false(frame_pool_is_free(&p, b + i * PAGE_SIZE));
	}
	assert_int_equal(p.free, free0 - 1 - 16 - 512);
	assert_int_equal(frame_pool_free(&p, a, 16), 0);
	assert_int_equal(frame_pool_free(&p, b, 512), 0);
	assert_int_equal(p.free, free0 - 1);
}

/* Runs handed out and not yet freed, for the random test below. */
struct run {
	hpa_t addr;
	uint64_t n;
};

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void random_allocs_and_frees_keep_counters_exact(void **state)
{
	static struct run runs[4096];
	uint64_t seed = 0x5eed, nruns = 0, used = 0;
	struct frame_pool p;
	uint8_t *owner;

	(void)state;
	pool_setup(&p, &holey);
	owner = calloc(p.nframes, 1);
	for (int step = 0; step < 20000; step++) {
		uint64_t r = xorshift(&seed), n = 1 + r % 16, align = 1ull << ((r >> 8) % 5);

		if (nruns && (nruns == 4096 || r % 3 == 0)) {
			struct run *victim = &runs[(r >> 16) % nruns];

			assert_int_equal(frame_pool_free(&p, victim->addr, victim->n), 0);
			for (uint64_t i = 0; i < victim->n; i++)
				owner[(victim->addr >> PAGE_SHIFT) + i] = 0;
			used -= victim->n;
			*victim = runs[--nruns];
		} else {
			hpa_t a = frame_pool_alloc_contig(&p, n, align);

			assert_int_not_equal(a, 0);
			assert_int_equal((a >> PAGE_SHIFT) % align, 0);
			for (uint64_t i = 0; i < n; i++) {
				assert_true(frame_allowed(&holey, &p, a + i * PAGE_SIZE));
				assert_false(owner[(a >> PAGE_SHIFT) + i]);
				owner[(a >> PAGE_SHIFT) + i] = 1;
			}
			runs[nruns++] = (struct run){ a, n };
			used += n;
		}
		assert_int_equal(p.free, p.total - used);
	}
	free(owner);
}

static void contiguous_requests_that_cannot_be_met_return_zero(void **state)
{
	struct frame_pool p;

	(void)state;
	pool_setup(&p, &holey);
	assert_int_equal(frame_pool_alloc_contig(&p, 0, 1), 0);
	assert_int_equal(frame_pool_alloc_contig(&p, 4, 3), 0); /* not a power of two */
	assert_int_equal(frame_pool_alloc_contig(&p, p.free + 1, 1), 0);
	/* 64 MiB: more than the largest run of free frames (128-192 MiB) */
	assert_int_equal(frame_pool_alloc_contig(&p, 64 * MIB / PAGE_SIZE + 1, 1), 0);
	assert_int_equal(p.free, p.total);
}

static void freed_frames_are_handed_out_again(void **state)
{
	struct frame_pool p;
	hpa_t a, b;

	(void)state;
	pool_setup(&p, &holey);
	a = frame_pool_alloc(&p);
	b = frame_pool_alloc(&p);
	assert_int_equal(frame_pool_free(&p, a, 1), 0);
	assert_true(frame_pool_is_free(&p, a));
	assert_int_equal(frame_pool_alloc(&p), a);
	assert_int_not_equal(frame_pool_alloc(&p), b);
}

static void double_free_is_rejected_and_changes_nothing(void **state)
{
	struct frame_pool p;
	uint64_t free1;
	hpa_t a;

	(void)state;
	pool_setup(&p, &holey);
	a = frame_pool_alloc_contig(&p, 4, 1);
	assert_int_equal(frame_pool_free(&p, a + PAGE_SIZE, 1), 0);
	free1 = p.free;
	assert_int_equal(frame_pool_free(&p, a + PAGE_SIZE, 1), -EINVAL);
	assert_int_equal(frame_pool_free(&p, a, 4), -EINVAL); /* one of the four is free */
	assert_int_equal(p.free, free1);
	assert_false(frame_pool_is_free(&p, a));
	assert_false(frame_pool_is_free(&p, a + 3 * PAGE_SIZE));
}

static void free_outside_the_bitmap_or_misaligned_is_rejected(void **state)
{
	struct frame_pool p;
	hpa_t a;

	(void)state;
	pool_setup(&p, &holey);
	a = frame_pool_alloc(&p);
	assert_int_equal(frame_pool_free(&p, 0, 1), -EINVAL);
	assert_int_equal(frame_pool_free(&p, a + 8, 1), -EINVAL);
	assert_int_equal(frame_pool_free(&p, a, 0), -EINVAL);
	assert_int_equal(frame_pool_free(&p, p.nframes << PAGE_SHIFT, 1), -EINVAL);
	assert_int_equal(frame_pool_free(&p, (p.nframes - 1) << PAGE_SHIFT, 2), -EINVAL);
	assert_int_equal(p.free, p.total - 1);
}

static void too_little_memory_returns_enomem(void **state)
{
	static const struct mem_range low_only[] = { { 0, 0x9fc00, MEM_USABLE },
						     { 0x100000, 0x800, MEM_USABLE } };
	static const struct mem_range one_frame[] = { { 0x100000, 0x1000, MEM_USABLE } };
	static const struct phys_range kernel[] = { { 0x100000, 0x101000 } };
	struct frame_pool p;

	(void)state;
	assert_int_equal(frame_pool_setup(&p, NULL, 0, NULL, 0, fake_phys_to_virt), -ENOMEM);
	assert_int_equal(frame_pool_setup(&p, low_only, 2, NULL, 0, fake_phys_to_virt), -ENOMEM);
	/* room for the bitmap only where the kernel is */
	assert_int_equal(frame_pool_setup(&p, one_frame, 1, kernel, 1, fake_phys_to_virt), -ENOMEM);
	assert_int_equal(bitmap_asked, 0);
}

/* The header promises -EINVAL for a frame outside the pool: reserved frames are. */
static void freeing_a_frame_the_pool_never_owned_is_rejected(void **state)
{
	struct frame_pool p;

	(void)state;
	pool_setup(&p, &holey);
	assert_int_equal(frame_pool_free(&p, 0x1000, 1), -EINVAL);   /* first MiB */
	assert_int_equal(frame_pool_free(&p, 0x100000, 1), -EINVAL); /* kernel image */
	assert_int_equal(frame_pool_free(&p, p.bitmap_phys, 1), -EINVAL);
	assert_int_equal(frame_pool_free(&p, 0x6000000, 1), -EINVAL); /* hole */
	assert_int_equal(p.free, p.total);
}

/* The bitmap is written at setup: it must not land on firmware's reserved RAM. */
static void bitmap_never_lands_on_a_reserved_map_range(void **state)
{
	static const struct mem_range map[] = { { 0, 0x4000000, MEM_USABLE },
						{ 0x100000, 0x100000, MEM_NVS } };
	static const struct layout l = { map, NELEM(map), NULL, 0 };
	struct frame_pool p;

	(void)state;
	pool_setup(&p, &l);
	assert_true(p.bitmap_phys >= 0x200000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_frame_handed_out_is_allowed_and_unique, setup,
						teardown),
		cmocka_unit_test_setup_teardown(counters_match_the_oracle_exactly, setup, teardown),
		cmocka_unit_test_setup_teardown(bitmap_sits_above_1mib_clear_of_reserved_ranges,
						setup, teardown),
		cmocka_unit_test_setup_teardown(bitmap_covers_ram_above_4gib, setup, teardown),
		cmocka_unit_test_setup_teardown(partial_frames_of_ranges_stay_used, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reserved_map_ranges_win_over_usable_ones, setup,
						teardown),
		cmocka_unit_test_setup_teardown(contiguous_runs_are_aligned_and_taken_whole, setup,
						teardown),
		cmocka_unit_test_setup_teardown(random_allocs_and_frees_keep_counters_exact, setup,
						teardown),
		cmocka_unit_test_setup_teardown(contiguous_requests_that_cannot_be_met_return_zero,
						setup, teardown),
		cmocka_unit_test_setup_teardown(freed_frames_are_handed_out_again, setup, teardown),
		cmocka_unit_test_setup_teardown(double_free_is_rejected_and_changes_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(free_outside_the_bitmap_or_misaligned_is_rejected,
						setup, teardown),
		cmocka_unit_test_setup_teardown(too_little_memory_returns_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(freeing_a_frame_the_pool_never_owned_is_rejected,
						setup, teardown),
		cmocka_unit_test_setup_teardown(bitmap_never_lands_on_a_reserved_map_range, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("test_frame", tests, NULL, NULL);
}
