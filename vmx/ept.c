/*
 * vmx/ept.c: extended page tables (Intel SDM vol. 3C 29.3): 4-level, with
 * 2 MiB leaves where the range allows. Guest RAM is mapped write-back (memory
 * type 6 in bits 5:3 of a leaf, 29.3.7: with no guest MTRRs to honour, RAM is
 * WB and everything else is left unmapped, so MMIO exits). The EPT pointer
 * says WB paging-structure accesses and a 4-level walk (25.6.11).
 */
#include "kernel/domain.h"
#include "kernel/mm.h"
#include "vmx/vmx.h"

#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_MT_WB (6ull << 3)
#define EPT_PS (1ull << 7)
#define EPT_ADDR 0x000ffffffffff000ull
#define EPTP_WB 6ull
#define EPTP_WALK4 (3ull << 3)
#define SZ_2M (2ull << 20)

static uint64_t *ept_next(struct domain *d, uint64_t *table, unsigned int idx)
{
	hpa_t pa;

	if (table[idx] & (EPT_R | EPT_W | EPT_X))
		return hpa_to_virt(table[idx] & EPT_ADDR);
	pa = domain_frame_alloc(d);
	if (!pa)
		return NULL;
	table[idx] = pa | EPT_R | EPT_W | EPT_X;
	return hpa_to_virt(pa);
}

static uint64_t leaf_flags(unsigned int prot)
{
	return ((prot & VM_PROT_READ) ? EPT_R : 0) | ((prot & VM_PROT_WRITE) ? EPT_W : 0) |
	       ((prot & VM_PROT_EXEC) ? EPT_X : 0) | EPT_MT_WB;
}

static int ept_map_one(struct domain *d, gpa_t gpa, hpa_t hpa, uint64_t left, uint64_t flags,
		       uint64_t *done)
{
	struct vmx_domain *xd = d->arch;
	uint64_t *pdpt = ept_next(d, hpa_to_virt(xd->ept_root), gpa >> 39 & 511);
	uint64_t *pd = pdpt ? ept_next(d, pdpt, gpa >> 30 & 511) : NULL, *pt;

	if (!pd)
		return -ENOMEM;
	if (!(gpa & (SZ_2M - 1)) && !(hpa & (SZ_2M - 1)) && left >= SZ_2M &&
	    !(pd[gpa >> 21 & 511] & (EPT_R | EPT_W | EPT_X))) {
		pd[gpa >> 21 & 511] = hpa | flags | EPT_PS;
		*done = SZ_2M;
		return 0;
	}
	pt = ept_next(d, pd, gpa >> 21 & 511);
	if (!pt)
		return -ENOMEM;
	pt[gpa >> 12 & 511] = hpa | flags;
	*done = PAGE_SIZE;
	return 0;
}

int vmx_ept_map(struct domain *d, gpa_t gpa, hpa_t hpa, uint64_t len, unsigned int prot)
{
	uint64_t flags = leaf_flags(prot), done;
	int err;

	if ((gpa | hpa | len) & (PAGE_SIZE - 1))
		return -EINVAL;
	while (len) {
		err = ept_map_one(d, gpa, hpa, len, flags, &done);
		if (err)
			return err;
		gpa += done, hpa += done, len -= done;
	}
	return 0;
}

static void ept_free_level(struct domain *d, hpa_t table, int level)
{
	uint64_t *t = hpa_to_virt(table);

	for (unsigned int i = 0; level > 1 && i < 512; i++)
		if ((t[i] & (EPT_R | EPT_W | EPT_X)) && !(t[i] & EPT_PS))
			ept_free_level(d, t[i] & EPT_ADDR, level - 1);
	domain_frames_free(d, table, 1);
}

int vmx_domain_init(struct domain *d)
{
	struct vmx_domain *xd = kzalloc(sizeof(*xd));

	if (!xd)
		return -ENOMEM;
	xd->ept_root = domain_frame_alloc(d);
	if (!xd->ept_root) {
		kfree(xd);
		return -ENOMEM;
	}
	xd->eptp = xd->ept_root | EPTP_WALK4 | EPTP_WB;
	d->arch = xd;
	return 0;
}

void vmx_domain_destroy(struct domain *d)
{
	struct vmx_domain *xd = d->arch;

	if (!xd)
		return;
	ept_free_level(d, xd->ept_root, 4);
	kfree(xd);
	d->arch = NULL;
}
