/*
 * arch/x86/paging.h: the kernel's own page tables (4-level, identity map).
 */
#ifndef ARCH_X86_PAGING_H
#define ARCH_X86_PAGING_H

#include <stdint.h>

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

/*
 * Builds the kernel page tables and switches to them: all RAM (and the
 * first 4 GiB) identity-mapped RW+NX, the kernel image with W^X (text RX,
 * rodata R+NX, data RW+NX), page 0 unmapped, the APIC pages uncached.
 */
void paging_init(void);
/* Loads the kernel page tables on an AP. */
void paging_load(void);
uint64_t paging_root(void);
/* Makes the AP trampoline page executable (during bring-up) or NX again. */
void paging_set_exec(uint64_t addr, int exec);

#endif
