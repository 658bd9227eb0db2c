/*
 * tests/unit/test_gpt.c: kernel/gpt.c, the guest-physical table walker, in
 * both entry formats it serves: nested paging (svm/npt.h, AMD APM vol. 2
 * 15.25) and EPT (vmx/ept.h, Intel SDM vol. 3C 29.3). Every test runs once
 * per format; table frames come from a counting host allocator, so "every
 * frame returned" is checked exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/gpt.h"
#include "svm/npt.h"
#include "vmx/ept.h"
#include "lib/sizes.h"

#define HPA_2M 0x7f000000ull /* a host address for leaves: never dereferenced */

struct rig {
	struct gpt g;
	long frames; /* table frames handed out and not yet given back */
	long budget; /* frames left before the allocator fails; -1: no limit */
};

static hpa_t rig_alloc(void *ctx)
{
	struct rig *r = ctx;
	void *p;

	if (r->budget == 0)
		return 0;
	p = aligned_alloc(4096, 4096);
	if (!p)
		return 0;
	memset(p, 0, 4096);
	r->budget -= r->budget > 0;
	r->frames++;
	return (hpa_t)(uintptr_t)p;
}

static void rig_free(void *ctx, hpa_t pa)
{
	struct rig *r = ctx;

	free((void *)(uintptr_t)pa);
	r->frames--;
}

static int setup(void **state)
{
	const struct gpt_format *fmt = *state;
	struct rig *r = calloc(1, sizeof(*r));

	r->budget = -1;
	r->g = (struct gpt){ .fmt = fmt, .alloc = rig_alloc, .free = rig_free, .ctx = r };
	if (gpt_init(&r->g))
		return -1;
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct rig *r = *state;

	gpt_destroy(&r->g);
	assert_int_equal(r->frames, 0);
	free(r);
	return 0;
}

static struct gpt_leaf lookup(struct rig *r, gpa_t gpa)
{
	struct gpt_leaf l = { 0 };

	assert_int_equal(gpt_lookup(&r->g, gpa, &l), 0);
	return l;
}

/* The level-1 entry for gpa, read straight from the tables. */
static uint64_t raw_pte(struct rig *r, gpa_t gpa)
{
	uint64_t *t = (uint64_t *)(uintptr_t)r->g.root;

	for (int shift = 39; shift > 12; shift -= 9)
		t = (uint64_t *)(uintptr_t)(t[gpa >> shift & 511] & GPT_ADDR);
	return t[gpa >> 12 & 511];
}

/* A 2 MiB leaf at 2 MiB, mapped read/write/execute. */
static void map_large(struct rig *r)
{
	assert_int_equal(gpt_map(&r->g, SZ_2M, HPA_2M, SZ_2M, VM_PROT_RWX), 0);
	assert_int_equal(lookup(r, SZ_2M).size, SZ_2M);
}

/* Every 4 KiB page of the leaf but `skip` still maps where the leaf did, RWX. */
static void others_keep_leaf(struct rig *r, unsigned int skip)
{
	for (unsigned int i = 0; i < 512; i++) {
		struct gpt_leaf l;

		if (i == skip)
			continue;
		l = lookup(r, SZ_2M + i * SZ_4K + 8);
		assert_int_equal(l.hpa, HPA_2M + i * SZ_4K + 8);
		assert_int_equal(l.size, SZ_4K);
		assert_int_equal(l.prot, VM_PROT_RWX);
	}
}

static void map_4k_translates_with_offset_and_prot(void **state)
{
	struct rig *r = *state;
	struct gpt_leaf l;

	assert_int_equal(gpt_map(&r->g, 0x5000, 0x123000, SZ_4K, VM_PROT_READ | VM_PROT_WRITE), 0);
	l = lookup(r, 0x5abc);
	assert_int_equal(l.hpa, 0x123abc);
	assert_int_equal(l.size, SZ_4K);
	assert_int_equal(l.prot, VM_PROT_READ | VM_PROT_WRITE);
	assert_int_equal(gpt_lookup(&r->g, 0x6000, &l), -ENOENT);
	assert_int_equal(r->frames, 4); /* root, PDPT, PD, PT */
}

static void aligned_range_maps_with_2m_leaves(void **state)
{
	struct rig *r = *state;

	assert_int_equal(gpt_map(&r->g, SZ_1G, HPA_2M, 2 * SZ_2M, VM_PROT_RWX), 0);
	assert_int_equal(lookup(r, SZ_1G + SZ_2M + 0x1234).hpa, HPA_2M + SZ_2M + 0x1234);
	assert_int_equal(lookup(r, SZ_1G).size, SZ_2M);
	assert_int_equal(lookup(r, SZ_1G).prot, VM_PROT_RWX);
	assert_int_equal(r->frames, 3); /* root, PDPT, PD: no page table */
}

static void unaligned_host_address_maps_4k_pages(void **state)
{
	struct rig *r = *state;

	assert_int_equal(gpt_map(&r->g, SZ_2M, HPA_2M + SZ_4K, SZ_2M, VM_PROT_RWX), 0);
	assert_int_equal(lookup(r, SZ_2M).size, SZ_4K);
	assert_int_equal(lookup(r, 2 * SZ_2M - 1).hpa, HPA_2M + SZ_2M + SZ_4K - 1);
}

static void range_over_4k_tables_keeps_4k_pages(void **state)
{
	struct rig *r = *state;

	assert_int_equal(gpt_map(&r->g, SZ_2M, 0x1000, SZ_4K, VM_PROT_RWX), 0);
	assert_int_equal(gpt_map(&r->g, SZ_2M, HPA_2M, SZ_2M, VM_PROT_RWX), 0);
	others_keep_leaf(r, 512);
}

static void map_4k_inside_2m_leaf_splits_it(void **state)
{
	struct rig *r = *state;
	struct gpt_leaf l;

	map_large(r);
	assert_int_equal(gpt_map(&r->g, SZ_2M + 3 * SZ_4K, 0x9000, SZ_4K, VM_PROT_READ), 0);
	l = lookup(r, SZ_2M + 3 * SZ_4K);
	assert_int_equal(l.hpa, 0x9000);
	assert_int_equal(l.prot, VM_PROT_READ);
	others_keep_leaf(r, 3);
	assert_int_equal(r->frames, 4);
}

static void unmap_4k_inside_2m_leaf_splits_it(void **state)
{
	struct rig *r = *state;
	struct gpt_leaf l;

	map_large(r);
	assert_int_equal(gpt_unmap(&r->g, SZ_2M + 511 * SZ_4K, SZ_4K), 0);
	assert_int_equal(gpt_lookup(&r->g, SZ_2M + 511 * SZ_4K, &l), -ENOENT);
	assert_int_equal(raw_pte(r, SZ_2M + 511 * SZ_4K), 0);
	others_keep_leaf(r, 511);
}

static void protect_4k_inside_2m_leaf_splits_it(void **state)
{
	struct rig *r = *state;
	struct gpt_leaf l;

	map_large(r);
	assert_int_equal(gpt_protect(&r->g, SZ_2M, SZ_4K, VM_PROT_READ | VM_PROT_EXEC), 0);
	l = lookup(r, SZ_2M);
	assert_int_equal(l.hpa, HPA_2M);
	assert_int_equal(l.prot, VM_PROT_READ | VM_PROT_EXEC);
	others_keep_leaf(r, 0);
}

/* The split pieces carry the leaf's bits without bit 7 (EPT: memory type WB too). */
static void split_pieces_keep_the_leaf_bits(void **state)
{
	struct rig *r = *state;
	uint64_t want = r->g.fmt->leaf[VM_PROT_RWX];

	map_large(r);
	assert_int_equal(gpt_unmap(&r->g, SZ_2M, SZ_4K), 0);
	assert_int_equal(raw_pte(r, SZ_2M + SZ_4K), (HPA_2M + SZ_4K) | want);
	assert_int_equal(raw_pte(r, SZ_2M + 511 * SZ_4K), (HPA_2M + 511 * SZ_4K) | want);
}

static void whole_leaf_changes_need_no_split(void **state)
{
	struct rig *r = *state;
	struct gpt_leaf l;

	map_large(r);
	assert_int_equal(gpt_protect(&r->g, SZ_2M, SZ_2M, VM_PROT_READ), 0);
	l = lookup(r, SZ_2M + 0x777);
	assert_int_equal(l.size, SZ_2M);
	assert_int_equal(l.prot, VM_PROT_READ);
	assert_int_equal(gpt_unmap(&r->g, SZ_2M, SZ_2M), 0);
	assert_int_equal(gpt_lookup(&r->g, SZ_2M, &l), -ENOENT);
	assert_int_equal(r->frames, 3);
}

static void unmap_and_protect_skip_what_is_absent(void **state)
{
	struct rig *r = *state;

	assert_int_equal(gpt_map(&r->g, SZ_1G, 0x5000, SZ_4K, VM_PROT_RWX), 0);
	assert_int_equal(gpt_protect(&r->g, 0, 4 * SZ_1G, VM_PROT_READ), 0);
	assert_int_equal(lookup(r, SZ_1G).prot, VM_PROT_READ);
	assert_int_equal(gpt_unmap(&r->g, 0, 4 * SZ_1G), 0);
	assert_int_equal(r->frames, 4); /* nothing built for the absent ranges */
	assert_int_equal(raw_pte(r, SZ_1G), 0);
}

static void remap_moves_a_page(void **state)
{
	struct rig *r = *state;

	assert_int_equal(gpt_map(&r->g, 0x3000, 0x10000, SZ_4K, VM_PROT_RWX), 0);
	assert_int_equal(gpt_map(&r->g, 0x3000, 0x20000, SZ_4K, VM_PROT_READ), 0);
	assert_int_equal(lookup(r, 0x3000).hpa, 0x20000);
	assert_int_equal(lookup(r, 0x3000).prot, VM_PROT_READ);
}

static void bad_arguments_are_rejected(void **state)
{
	struct rig *r = *state;

	assert_int_equal(gpt_map(&r->g, 0x1001, 0, SZ_4K, VM_PROT_RWX), -EINVAL);
	assert_int_equal(gpt_map(&r->g, 0, 0x10, SZ_4K, VM_PROT_RWX), -EINVAL);
	assert_int_equal(gpt_map(&r->g, 0, 1ull << 52, SZ_4K, VM_PROT_RWX), -EINVAL);
	assert_int_equal(gpt_map(&r->g, 0, 0, SZ_4K, VM_PROT_WRITE), -EINVAL);
	assert_int_equal(gpt_map(&r->g, GPT_GPA_LIMIT - SZ_4K, 0, 2 * SZ_4K, VM_PROT_RWX), -EINVAL);
	assert_int_equal(gpt_protect(&r->g, 0, SZ_4K, 0), -EINVAL);
	assert_int_equal(gpt_protect(&r->g, 0, SZ_4K, 8), -EINVAL);
	assert_int_equal(gpt_unmap(&r->g, 0, 0x800), -EINVAL);
	assert_int_equal(r->frames, 1);
}

static void out_of_frames_returns_enomem(void **state)
{
	struct rig *r = *state;

	r->budget = 2; /* a PDPT and a PD; the page table is one frame too many */
	assert_int_equal(gpt_map(&r->g, 0, 0, SZ_4K, VM_PROT_RWX), -ENOMEM);
	map_large(r); /* needs no new frame */
	assert_int_equal(gpt_unmap(&r->g, SZ_2M, SZ_4K), -ENOMEM);
	assert_int_equal(lookup(r, SZ_2M + SZ_4K).size, SZ_2M); /* the leaf is intact */
}

static void changes_make_vcpus_flush(void **state)
{
	struct rig *r = *state;
	uint64_t seen = 0;

	assert_int_equal(gpt_tlb_stale(&r->g, &seen), 0);
	assert_int_equal(gpt_map(&r->g, 0, 0, SZ_4K, VM_PROT_RWX), 0);
	assert_int_equal(gpt_tlb_stale(&r->g, &seen), 1);
	assert_int_equal(gpt_tlb_stale(&r->g, &seen), 0);
	assert_int_equal(gpt_protect(&r->g, 0, SZ_4K, VM_PROT_READ), 0);
	assert_int_equal(gpt_tlb_stale(&r->g, &seen), 1);
	assert_int_equal(gpt_unmap(&r->g, 0, SZ_4K), 0);
	assert_int_equal(gpt_tlb_stale(&r->g, &seen), 1);
}

/* Spread over several PDPT and PML4 entries, with splits; teardown counts the frames. */
static void destroy_returns_every_frame(void **state)
{
	struct rig *r = *state;

	assert_int_equal(gpt_map(&r->g, 0, 0, 3 * SZ_1G, VM_PROT_RWX), 0);
	assert_int_equal(gpt_map(&r->g, 1ull << 40, HPA_2M, 4 * SZ_2M, VM_PROT_RWX), 0);
	assert_int_equal(gpt_unmap(&r->g, SZ_1G + SZ_4K, 3 * SZ_2M), 0);
	assert_int_equal(gpt_protect(&r->g, (1ull << 40) + SZ_4K, SZ_4K, VM_PROT_READ), 0);
	assert_true(r->frames > 4);
	gpt_destroy(&r->g);
	assert_int_equal(r->frames, 0);
}

#define BOTH(f)                                                                                    \
	cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, (void *)&npt_format),         \
		cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, (void *)&ept_format)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(map_4k_translates_with_offset_and_prot),
		BOTH(aligned_range_maps_with_2m_leaves),
		BOTH(unaligned_host_address_maps_4k_pages),
		BOTH(range_over_4k_tables_keeps_4k_pages),
		BOTH(map_4k_inside_2m_leaf_splits_it),
		BOTH(unmap_4k_inside_2m_leaf_splits_it),
		BOTH(protect_4k_inside_2m_leaf_splits_it),
		BOTH(split_pieces_keep_the_leaf_bits),
		BOTH(whole_leaf_changes_need_no_split),
		BOTH(unmap_and_protect_skip_what_is_absent),
		BOTH(remap_moves_a_page),
		BOTH(bad_arguments_are_rejected),
		BOTH(out_of_frames_returns_enomem),
		BOTH(changes_make_vcpus_flush),
		BOTH(destroy_returns_every_frame),
	};

	return cmocka_run_group_tests_name("test_gpt", tests, NULL, NULL);
}
