/*
 * svm/npt.c: nested page tables (AMD APM vol. 2 15.25 "Nested Paging"):
 * the ordinary 4-level long-mode format, walked by the hardware as user
 * accesses (so every entry has U set, 15.25.5), with 2 MiB leaves where the
 * range allows. The tables' frames are counted to their domain and freed
 * with it.
 */
#include "kernel/domain.h"
#include "kernel/mm.h"
#include "svm/svm.h"

#define NPT_P (1ull << 0)
#define NPT_RW (1ull << 1)
#define NPT_US (1ull << 2)
#define NPT_PS (1ull << 7)
#define NPT_NX (1ull << 63)
#define NPT_ADDR 0x000ffffffffff000ull
#define SZ_2M (2ull << 20)

static uint64_t *npt_next(struct domain *d, uint64_t *table, unsigned int idx)
{
	hpa_t pa;

	if (table[idx] & NPT_P)
		return hpa_to_virt(table[idx] & NPT_ADDR);
	pa = domain_frame_alloc(d);
	if (!pa)
		return NULL;
	table[idx] = pa | NPT_P | NPT_RW | NPT_US;
	return hpa_to_virt(pa);
}

static uint64_t leaf_flags(unsigned int prot)
{
	uint64_t f = NPT_P | NPT_US;

	if (prot & VM_PROT_WRITE)
		f |= NPT_RW;
	if (!(prot & VM_PROT_EXEC))
		f |= NPT_NX;
	return f;
}

/* Returns the page directory (level 2 table) covering gpa, creating tables. */
static uint64_t *npt_pd(struct domain *d, gpa_t gpa)
{
	struct svm_domain *sd = d->arch;
	uint64_t *pdpt = npt_next(d, hpa_to_virt(sd->npt_root), gpa >> 39 & 511);

	return pdpt ? npt_next(d, pdpt, gpa >> 30 & 511) : NULL;
}

static int npt_map_one(struct domain *d, gpa_t gpa, hpa_t hpa, uint64_t left, uint64_t flags,
		       uint64_t *done)
{
	uint64_t *pd = npt_pd(d, gpa), *pt;

	if (!pd)
		return -ENOMEM;
	if (!(gpa & (SZ_2M - 1)) && !(hpa & (SZ_2M - 1)) && left >= SZ_2M &&
	    !(pd[gpa >> 21 & 511] & NPT_P)) {
		pd[gpa >> 21 & 511] = hpa | flags | NPT_PS;
		*done = SZ_2M;
		return 0;
	}
	pt = npt_next(d, pd, gpa >> 21 & 511);
	if (!pt)
		return -ENOMEM;
	pt[gpa >> 12 & 511] = hpa | flags;
	*done = PAGE_SIZE;
	return 0;
}

int svm_npt_map(struct domain *d, gpa_t gpa, hpa_t hpa, uint64_t len, unsigned int prot)
{
	uint64_t flags = leaf_flags(prot), done;
	int err;

	if ((gpa | hpa | len) & (PAGE_SIZE - 1))
		return -EINVAL;
	while (len) {
		err = npt_map_one(d, gpa, hpa, len, flags, &done);
		if (err)
			return err;
		gpa += done, hpa += done, len -= done;
	}
	return 0;
}

static void npt_free_level(struct domain *d, hpa_t table, int level)
{
	uint64_t *t = hpa_to_virt(table);

	for (unsigned int i = 0; level > 1 && i < 512; i++)
		if ((t[i] & NPT_P) && !(t[i] & NPT_PS))
			npt_free_level(d, t[i] & NPT_ADDR, level - 1);
	domain_frames_free(d, table, 1);
}

int svm_domain_init(struct domain *d)
{
	struct svm_domain *sd = kzalloc(sizeof(*sd));

	if (!sd)
		return -ENOMEM;
	sd->npt_root = domain_frame_alloc(d);
	if (!sd->npt_root) {
		kfree(sd);
		return -ENOMEM;
	}
	d->arch = sd;
	return 0;
}

void svm_domain_destroy(struct domain *d)
{
	struct svm_domain *sd = d->arch;

	if (!sd)
		return;
	npt_free_level(d, sd->npt_root, 4);
	kfree(sd);
	d->arch = NULL;
}
