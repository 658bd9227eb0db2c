/*
 * guest-tools/share.c: the page-sharing test (issue 18; kernel/share.c,
 * docs/memory.md). Several domains of it run with share=1: each fills 2 MiB
 * of pages with a pattern that is the same in every domain and a few pages
 * with its own data (slot=N), then asks bivisor (BV_HC_SHARE_INFO,
 * include/public/hypercall.h) until at least 75% of the common pages map a
 * frame another page maps too. Then it writes its own data over its slice of
 * the common pages (slot N: pages N*32 to N*32+31), which must break their
 * sharing by copy-on-write: its reads see its data, none of the slice is
 * merged any more and the copy-on-write counter rose by at least the slice's
 * merged pages, and every page it did not write still holds the common
 * pattern, then and again after the others wrote their slices.
 * Where no bivisor answers (bvm on KVM, run with --share: the host's KSM
 * merges), it holds the filled pages hold=S seconds (default 10) instead of
 * asking, and leaves out the two checks only bivisor's counters can make:
 * there it passes 4 checks, under bivisor 6 (tests/lab/share.sh). linger=S keeps
 * it S more seconds after its checks (default 0), so a domain that checks later
 * still finds this one's pages to merge with. bench=1
 * also prints the cycles one copy-on-write break costs (tests/bench_share.py).
 */
#include "guest-tools/lib/bivisor.h"
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/timing.h"

#define PAGE_WORDS 512
#define COMMON_PAGES 512 /* 2 MiB */
#define OWN_PAGES 16
#define SLICE 32
#define SLOTS (COMMON_PAGES / SLICE)
#define POLL_US 20000

static uint64_t common[COMMON_PAGES][PAGE_WORDS] __attribute__((aligned(4096)));
static uint64_t own[OWN_PAGES][PAGE_WORDS] __attribute__((aligned(4096)));

/* A word of the common pattern: different in every page, the same in every domain. */
static uint64_t pattern(uint32_t page, uint32_t word, uint64_t seed)
{
	uint64_t x = ((uint64_t)page << 9 | word) + seed * 0x632be59bd9b4e019ull;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void fill(uint64_t (*pages)[PAGE_WORDS], uint32_t first, uint32_t n, uint64_t seed)
{
	for (uint32_t p = first; p < first + n; p++)
		for (uint32_t w = 0; w < PAGE_WORDS; w++)
			pages[p][w] = pattern(p, w, seed);
}

/* Pages of [first, first+n) that hold the pattern of seed. */
static uint32_t count_same(uint64_t (*pages)[PAGE_WORDS], uint32_t first, uint32_t n, uint64_t seed)
{
	uint32_t same = 0;

	for (uint32_t p = first; p < first + n; p++) {
		uint32_t w = 0;

		while (w < PAGE_WORDS && pages[p][w] == pattern(p, w, seed))
			w++;
		same += w == PAGE_WORDS;
	}
	return same;
}

/* The common pages outside [skip, skip+SLICE) that still hold the common pattern. */
static uint32_t common_intact(uint32_t skip)
{
	return count_same(common, 0, skip, 0) +
	       count_same(common, skip + SLICE, COMMON_PAGES - skip - SLICE, 0);
}

static int share_query(struct bv_share_info *info)
{
	return bv_share_info(info, common, sizeof(common)) == 0;
}

/* Polls until 75% of the common pages are merged or wait_s seconds pass. */
static int wait_merged(uint32_t wait_s, struct bv_share_info *info)
{
	uint64_t polls = (uint64_t)wait_s * 1000000 / POLL_US;

	for (uint64_t i = 0; i < polls; i++) {
		if (!share_query(info))
			return 0;
		if (info->merged * 4 >= COMMON_PAGES * 3)
			return 1;
		timing_delay_us(POLL_US);
	}
	guest_printf("share: only %lu of %u common pages merged after %u s\n", info->merged,
		     COMMON_PAGES, wait_s);
	return 0;
}

/* Pages of its slice that map a frame another page maps too; -1 if the call fails. */
static long slice_merged(uint32_t first, struct bv_share_info *info)
{
	return bv_share_info(info, common[first], SLICE * sizeof(common[0])) ? -1
									     : (long)info->merged;
}

/* With bench=1: the TSC cycles of the slice's first writes (breaking the sharing of
 * `merged` pages) against the same writes again, per merged page (tests/bench_share.py). */
static void bench_line(uint64_t first_write, uint64_t again, long merged)
{
	if (merged > 0 && first_write > again)
		guest_printf("share: bench: %lu cycles per CoW break (%ld pages), tsc %lu kHz\n",
			     (first_write - again) / (uint64_t)merged, merged, timing_tsc_khz());
}

/* Under bivisor: waits for the merge, writes the slice, checks the counters saw it. */
static void merge_and_write(uint32_t first, uint64_t seed, uint32_t wait_s, int bench)
{
	struct bv_share_info info = { 0 }, after = { 0 };
	long before_writes, after_writes;
	uint64_t t0, t1, t2;

	report(wait_merged(wait_s, &info), "at least 75% of the common pages merged");
	before_writes = slice_merged(first, &info);
	t0 = rdtsc();
	fill(common, first, SLICE, seed);
	t1 = rdtsc();
	fill(common, first, SLICE, seed);
	t2 = rdtsc();
	if (bench)
		bench_line(t1 - t0, t2 - t1, before_writes);
	after_writes = slice_merged(first, &after);
	if (before_writes < SLICE / 2 || after_writes ||
	    after.cow - info.cow < (uint64_t)before_writes)
		guest_printf(
			"share: slice merged %ld before its writes, %ld after; %lu CoW breaks\n",
			before_writes, after_writes, after.cow - info.cow);
	report(before_writes >= SLICE / 2 && !after_writes &&
		       after.cow - info.cow >= (uint64_t)before_writes,
	       "those writes broke the sharing by copy-on-write (counted)");
}

int guest_main(void)
{
	uint32_t slot = guest_cmdline_number("slot", 0, SLOTS - 1);
	uint32_t wait_s = guest_cmdline_number("wait", 120, 3600), first = slot * SLICE;
	uint32_t hold_s = guest_cmdline_number("hold", 10, 3600);
	struct bv_share_info info;
	int bivisor;

	timing_init();
	bivisor = bv_init() == 0 && share_query(&info);
	fill(common, 0, COMMON_PAGES, 0);
	fill(own, 0, OWN_PAGES, slot + 1);
	if (bivisor) {
		merge_and_write(first, slot + 1, wait_s, (int)guest_cmdline_number("bench", 0, 1));
	} else {
		guest_printf("share: no BV_HC_SHARE_INFO here: holding the pages %u s for the "
			     "host to merge\n",
			     hold_s);
		timing_delay_us((uint64_t)hold_s * 1000000);
		fill(common, first, SLICE, slot + 1);
	}
	report(count_same(common, first, SLICE, slot + 1) == SLICE,
	       "its writes to shared pages read back as its own data");
	report(common_intact(first) == COMMON_PAGES - SLICE,
	       "the common pages it did not write hold the common pattern");
	timing_delay_us(500000);
	report(common_intact(first) == COMMON_PAGES - SLICE &&
		       count_same(common, first, SLICE, slot + 1) == SLICE,
	       "half a second later: no write of another domain leaked in");
	report(count_same(own, 0, OWN_PAGES, slot + 1) == OWN_PAGES,
	       "its own pages hold its own data");
	timing_delay_us((uint64_t)guest_cmdline_number("linger", 0, 3600) * 1000000);
	return report_summary();
}
