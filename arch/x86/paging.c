/*
 * arch/x86/paging.c: 4-level paging for the hypervisor itself (Intel SDM
 * vol. 3A 4.5 "4-Level Paging", table 4-15..4-20 for the entry formats;
 * 4.6 access rights with CR0.WP and EFER.NXE). Memory is identity-mapped with
 * 2 MiB pages; the 2 MiB regions holding page 0 or the kernel image are split
 * into 4 KiB pages so each section gets its own rights.
 */
#include "arch/x86/paging.h"
#include "arch/x86/x86.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "lib/sizes.h"

extern char _kernel_start[], _text_end[], _rodata_end[], _kernel_end[];

#define APIC_REGION 0xfec00000ull

static uint64_t pml4[512] __attribute__((aligned(4096)));

static uint64_t *table_next(uint64_t *table, unsigned int idx)
{
	hpa_t pa;

	if (table[idx] & PTE_P)
		return hpa_to_virt(table[idx] & PTE_ADDR);
	pa = frame_alloc();
	if (!pa)
		panic("paging: out of frames while building the kernel page tables");
	table[idx] = pa | PTE_P | PTE_W;
	return hpa_to_virt(pa);
}

static uint64_t *pd_for(uint64_t va)
{
	uint64_t *pdpt = table_next(pml4, va >> 39 & 511);

	return table_next(pdpt, va >> 30 & 511);
}

/* Rights of one 4 KiB page inside a split 2 MiB region. */
static uint64_t small_page_flags(uint64_t va)
{
	if (va == 0)
		return 0; /* NULL dereferences fault */
	if (va >= (uint64_t)_kernel_start && va < (uint64_t)_text_end)
		return PTE_P; /* text: read + execute */
	if (va >= (uint64_t)_text_end && va < (uint64_t)_rodata_end)
		return PTE_P | PTE_NX; /* rodata: read only */
	return PTE_P | PTE_W | PTE_NX;
}

static int needs_split(uint64_t va)
{
	uint64_t ks = (uint64_t)_kernel_start & ~(SZ_2M - 1);

	return va == 0 || (va >= ks && va < (uint64_t)_kernel_end);
}

static void map_region(uint64_t va)
{
	uint64_t *pd = pd_for(va);
	uint64_t *pt;
	unsigned int i = va >> 21 & 511;

	if (!needs_split(va)) {
		pd[i] = va | PTE_P | PTE_W | PTE_NX | PTE_PS;
		if (va >= APIC_REGION && va < 4 * SZ_1G)
			pd[i] |= PTE_PCD | PTE_PWT;
		return;
	}
	pt = table_next(pd, i);
	for (unsigned int j = 0; j < 512; j++)
		pt[j] = (va + j * PAGE_SIZE) | small_page_flags(va + j * PAGE_SIZE);
}

/* Pages mapped both writable and executable, in table t of level and below. */
static uint64_t count_wx(const uint64_t *t, int level)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < 512; i++) {
		uint64_t e = t[i];

		if (!(e & PTE_P))
			continue;
		if (level == 1 || (level < 4 && (e & PTE_PS)))
			n += (e & PTE_W) && !(e & PTE_NX);
		else
			n += count_wx(hpa_to_virt(e & PTE_ADDR), level - 1);
	}
	return n;
}

void paging_init(void)
{
	uint64_t top = mm_top_of_ram();

	if (top < 4 * SZ_1G)
		top = 4 * SZ_1G;
	top = (top + SZ_2M - 1) & ~(SZ_2M - 1);
	for (uint64_t va = 0; va < top; va += SZ_2M)
		map_region(va);
	paging_load();
	pr_info("paging: identity map of %lu GiB, kernel W^X (text RX, rodata R, data RW+NX), "
		"%lu W+X pages\n",
		top >> 30, count_wx(pml4, 4));
}

void paging_load(void)
{
	write_cr3((uint64_t)pml4);
}

uint64_t paging_root(void)
{
	return (uint64_t)pml4;
}

static uint64_t *pte_of(uint64_t va)
{
	uint64_t *t = pml4;
	unsigned int shift = 39;

	for (int level = 4; level > 1; level--, shift -= 9) {
		uint64_t e = t[va >> shift & 511];

		if (!(e & PTE_P))
			return NULL;
		if (level < 4 && (e & PTE_PS))
			return &t[va >> shift & 511];
		t = hpa_to_virt(e & PTE_ADDR);
	}
	return &t[va >> 12 & 511];
}

void paging_set_exec(uint64_t addr, int exec)
{
	uint64_t *pte = pte_of(addr);

	BUG_ON(!pte || (*pte & PTE_PS));
	if (exec)
		*pte &= ~PTE_NX;
	else
		*pte |= PTE_NX;
	asm volatile("invlpg (%0)" : : "r"(addr) : "memory");
}
