/*
 * kernel/gpt.h: guest-physical tables, the one 4-level walker and builder
 * behind both nested-paging backends. A backend describes its entry format
 * (AMD APM vol. 2 15.25 nested page tables, Intel SDM vol. 3C 29.3 EPT) in a
 * struct gpt_format; the walker maps, unmaps, changes permissions, splits a
 * 2 MiB leaf where a 4 KiB change lands inside it, and frees every table.
 */
#ifndef KERNEL_GPT_H
#define KERNEL_GPT_H

#include <stdint.h>

#include "kernel/virt.h"

#define GPT_LEVELS 4
#define GPT_ADDR 0x000ffffffffff000ull /* frame address bits of every entry */
#define GPT_GPA_LIMIT (1ull << 48)     /* what four levels translate */

/* One backend's entry format; every bit not in GPT_ADDR is the format's. */
struct gpt_format {
	uint64_t present; /* any of these bits set: the entry is present */
	uint64_t table;	  /* the bits of an entry that points to a table */
	uint64_t large;	  /* bit 7: a leaf above level 1 (2 MiB at level 2) */
	uint64_t leaf[8]; /* the bits of a leaf by enum vm_prot; 0: not expressible */
};

/* A domain's tables; the owner fills fmt, alloc, free and ctx, then gpt_init. */
struct gpt {
	const struct gpt_format *fmt;
	hpa_t (*alloc)(void *ctx);	   /* a zeroed frame, or 0 */
	void (*free)(void *ctx, hpa_t pa); /* gives one frame back */
	void *ctx;
	hpa_t root;   /* the level-4 table (nCR3, EPTP) */
	uint64_t gen; /* bumped by every change: a vCPU flushes when its copy differs */
};

/* A translation found by gpt_lookup. */
struct gpt_leaf {
	hpa_t hpa;	   /* what the gpa asked for translates to */
	uint64_t size;	   /* the leaf's span: 4 KiB or 2 MiB */
	unsigned int prot; /* enum vm_prot bits */
};

int __must_check gpt_init(struct gpt *g);
/* Frees every table, the root included. */
void gpt_destroy(struct gpt *g);
/* Maps [gpa, gpa+len) to hpa (all page-aligned), with 2 MiB leaves where the range
 * and the existing tables allow. prot must include VM_PROT_READ. */
int gpt_map(struct gpt *g, gpa_t gpa, hpa_t hpa, uint64_t len, unsigned int prot);
/* Unmaps [gpa, gpa+len); absent pages are skipped. Tables stay until gpt_destroy. */
int gpt_unmap(struct gpt *g, gpa_t gpa, uint64_t len);
/* Sets the permissions of the mapped pages of [gpa, gpa+len). */
int gpt_protect(struct gpt *g, gpa_t gpa, uint64_t len, unsigned int prot);
/* Translates gpa: 0, or -ENOENT if it is not mapped. */
int gpt_lookup(const struct gpt *g, gpa_t gpa, struct gpt_leaf *out);

/* 1 if the tables changed since *seen was taken (then takes it again): the caller
 * flushes the translations it may hold before it enters the guest. */
static inline int gpt_tlb_stale(const struct gpt *g, uint64_t *seen)
{
	uint64_t gen = __atomic_load_n(&g->gen, __ATOMIC_ACQUIRE);

	if (gen == *seen)
		return 0;
	*seen = gen;
	return 1;
}

#endif
