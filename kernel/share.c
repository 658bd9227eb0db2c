/*
 * kernel/share.c: page sharing (KSM-like) for domains with share=1. A page
 * of such a domain is its own frame (ram_hpa + gpa), a private frame a
 * copy-on-write break gave it, or a shared frame that several pages map
 * read-only (AMD APM vol. 2 15.25.5 nested page protection, Intel SDM vol.
 * 3C 29.3.3 EPT violations on writes). The scanner runs in the exit path of
 * the domain's one vCPU, so the vCPU is out of the guest while its mappings
 * change and flushes them at its next entry (kernel/gpt.h:gpt_tlb_stale).
 * Shared frames are found by hash and compared whole; a page whose hash
 * another page had in a hint slot becomes a shared frame itself (refcount
 * 1), and later identical pages merge into it. docs/memory.md has the policy.
 */
#include "arch/x86/percpu.h"
#include "arch/x86/tsc.h"
#include "include/public/hypercall.h"
#include "kernel/domain.h"
#include "kernel/hypercall.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/share.h"
#include "kernel/spinlock.h"
#include "lib/string.h"

#define SHARE_PERIOD_NS 1000000ull /* each CPU scans once a millisecond at most... */
#define SHARE_BATCH_NS 200000ull   /* ... for 200 us ... */
#define SHARE_BATCH_PAGES 64	   /* ... or 64 pages, whichever ends first */
#define SHARE_BUCKETS 4096
#define SHARE_HINTS 8192

/* A page's word: 0 its own frame; hpa | PG_PRIVATE; (struct share_frame *) | PG_SHARED. */
#define PG_PRIVATE 1ull
#define PG_SHARED 2ull
#define PG_TAGS 3ull

struct share_frame {
	hpa_t hpa;
	uint64_t hash;
	uint64_t refs; /* pages that map it */
	struct share_frame *next;
};

/* A page seen once: if another page has its hash, that page becomes shared. */
struct share_hint {
	uint64_t hash;
	unsigned int domid; /* 0: empty */
	gpa_t gpa;
};

struct share_domain {
	uint64_t *page; /* one word per guest page */
	uint64_t npages, cursor;
	struct share_stats st;
};

static spinlock_t share_lock;
static struct share_frame *buckets[SHARE_BUCKETS];
static struct share_hint hints[SHARE_HINTS];
static uint64_t next_scan[MAX_CPUS];
static struct share_stats total;
static uint64_t total_frames; /* shared frames alive */

int share_domain_init(struct domain *d)
{
	struct share_domain *s;

	if (d->nvcpus != 1 || !d->ram_hpa)
		return -EINVAL;
	s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->npages = d->ram_size / PAGE_SIZE;
	s->page = kzalloc(s->npages * sizeof(uint64_t));
	if (!s->page) {
		kfree(s);
		return -ENOMEM;
	}
	d->share = s;
	return 0;
}

static uint64_t page_hash(const uint64_t *p)
{
	uint64_t h = 0x243f6a8885a308d3ull;

	for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
		h = ((h << 7 | h >> 57) ^ p[i]) * 0x9e3779b97f4a7c15ull;
	return h ^ h >> 31;
}

static int page_same(const uint64_t *a, const uint64_t *b)
{
	for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static struct share_frame *frame_of(uint64_t word)
{
	return (word & PG_SHARED) ? (struct share_frame *)(uintptr_t)(word & ~PG_TAGS) : NULL;
}

/* The frame behind page i now (a shared one included). */
static hpa_t page_hpa(const struct domain *d, uint64_t i)
{
	uint64_t w = d->share->page[i];

	if (!w)
		return d->ram_hpa + i * PAGE_SIZE;
	return (w & PG_SHARED) ? frame_of(w)->hpa : w & ~PG_TAGS;
}

static struct share_frame *stable_find(uint64_t hash, const uint64_t *p)
{
	struct share_frame *f = buckets[hash % SHARE_BUCKETS];

	for (; f; f = f->next)
		if (f->hash == hash && page_same(hpa_to_virt(f->hpa), p))
			return f;
	return NULL;
}

static void stable_remove(struct share_frame *f)
{
	struct share_frame **pp = &buckets[f->hash % SHARE_BUCKETS];

	while (*pp != f)
		pp = &(*pp)->next;
	*pp = f->next;
}

/* Page i maps f read-only; its own frame goes back to the pool. */
static void share_merge(struct domain *d, uint64_t i, struct share_frame *f)
{
	struct share_domain *s = d->share;
	hpa_t old = page_hpa(d, i);

	if (domain_map(d, i * PAGE_SIZE, f->hpa, PAGE_SIZE, VM_PROT_READ | VM_PROT_EXEC))
		return; /* no frame for a table split: the page stays as it is */
	domain_frames_free(d, old, 1);
	f->refs++;
	s->page[i] = (uint64_t)(uintptr_t)f | PG_SHARED;
	s->st.shared++, s->st.saved++;
	total.shared++, total.saved++;
}

/* Page i's frame becomes a shared frame (read-only, one reference), counted as sharing's. */
static void share_promote(struct domain *d, uint64_t i, uint64_t hash)
{
	struct share_frame *f = kzalloc(sizeof(*f));

	if (!f)
		return;
	if (domain_protect(d, i * PAGE_SIZE, PAGE_SIZE, VM_PROT_READ | VM_PROT_EXEC)) {
		kfree(f);
		return;
	}
	*f = (struct share_frame){ page_hpa(d, i), hash, 1, buckets[hash % SHARE_BUCKETS] };
	buckets[hash % SHARE_BUCKETS] = f;
	__atomic_sub_fetch(&d->frames, 1, __ATOMIC_RELAXED);
	total_frames++;
	d->share->page[i] = (uint64_t)(uintptr_t)f | PG_SHARED;
	d->share->st.shared++;
	total.shared++;
}

/* Lock held: looks at the domain's next page. */
static void share_scan_one(struct domain *d)
{
	struct share_domain *s = d->share;
	uint64_t i = s->cursor, hash;
	struct share_hint *h;
	struct share_frame *f;
	const uint64_t *p;

	s->cursor = (i + 1) % s->npages;
	s->st.scanned++, total.scanned++;
	if (s->page[i] & PG_SHARED)
		return;
	p = hpa_to_virt(page_hpa(d, i));
	hash = page_hash(p);
	f = stable_find(hash, p);
	if (f) {
		share_merge(d, i, f);
		return;
	}
	h = &hints[hash % SHARE_HINTS];
	if (h->domid && h->hash == hash && (h->domid != d->id || h->gpa != i * PAGE_SIZE)) {
		share_promote(d, i, hash);
		h->domid = 0;
		return;
	}
	*h = (struct share_hint){ hash, d->id, i * PAGE_SIZE };
}

void share_scan(struct vcpu *v)
{
	struct domain *d = v->dom;
	unsigned int cpu;
	uint64_t flags, end, now;

	if (!d->share) /* every exit of every domain passes here: one test for the others */
		return;
	cpu = this_cpu()->id;
	now = rdtsc();
	if (now < next_scan[cpu] || d->state != DOMAIN_RUNNING)
		return;
	next_scan[cpu] = now + tsc_from_ns(SHARE_PERIOD_NS);
	end = now + tsc_from_ns(SHARE_BATCH_NS);
	flags = spin_lock_irqsave(&share_lock);
	for (unsigned int n = 0; n < SHARE_BATCH_PAGES && rdtsc() < end; n++)
		share_scan_one(d);
	spin_unlock_irqrestore(&share_lock, flags);
}

/* Lock held: page i, mapped to a shared frame, becomes private and writable. */
static int share_break(struct domain *d, uint64_t i)
{
	struct share_domain *s = d->share;
	struct share_frame *f = frame_of(s->page[i]);
	hpa_t pa = f->hpa;

	if (f->refs == 1) { /* the last one: it takes the frame back */
		stable_remove(f);
		kfree(f);
		total_frames--;
		__atomic_add_fetch(&d->frames, 1, __ATOMIC_RELAXED);
		/* a 4 KiB leaf already: nothing to allocate, so it cannot fail */
		BUG_ON(domain_protect(d, i * PAGE_SIZE, PAGE_SIZE, VM_PROT_RWX));
	} else {
		pa = domain_frame_alloc(d);
		if (!pa)
			return -ENOMEM;
		memcpy(hpa_to_virt(pa), hpa_to_virt(f->hpa), PAGE_SIZE);
		BUG_ON(domain_map(d, i * PAGE_SIZE, pa, PAGE_SIZE, VM_PROT_RWX));
		f->refs--;
		s->st.saved--, total.saved--;
	}
	s->page[i] = pa | PG_PRIVATE;
	s->st.shared--, total.shared--;
	s->st.cow++, total.cow++;
	return 0;
}

int share_fault(struct vcpu *v, gpa_t gpa, int is_write)
{
	struct domain *d = v->dom;
	uint64_t flags;
	int err;

	if (!d->share || !is_write || gpa >= d->ram_size)
		return 0;
	flags = spin_lock_irqsave(&share_lock);
	if (!(d->share->page[gpa / PAGE_SIZE] & PG_SHARED)) {
		spin_unlock_irqrestore(&share_lock, flags);
		return 0;
	}
	err = share_break(d, gpa / PAGE_SIZE);
	spin_unlock_irqrestore(&share_lock, flags);
	if (err)
		domain_crash(d, v, "no free frame for a copy-on-write break at %#lx", gpa);
	return 1;
}

int share_unshare(struct domain *d, gpa_t gpa, uint64_t len)
{
	uint64_t flags = spin_lock_irqsave(&share_lock);
	int err = 0;

	for (uint64_t i = gpa / PAGE_SIZE; !err && len && i <= (gpa + len - 1) / PAGE_SIZE; i++)
		if (i < d->share->npages && (d->share->page[i] & PG_SHARED))
			err = share_break(d, i);
	spin_unlock_irqrestore(&share_lock, flags);
	return err;
}

/* Lock held: page i lets go of its frame. */
static void share_drop(struct domain *d, uint64_t i)
{
	uint64_t w = d->share->page[i];
	struct share_frame *f = frame_of(w);

	if (!f) {
		domain_frames_free(d, w & ~PG_TAGS, 1);
		return;
	}
	total.shared--;
	total.saved -= f->refs > 1;
	if (--f->refs)
		return;
	stable_remove(f);
	frame_free(f->hpa, 1);
	total_frames--;
	kfree(f);
}

/* Lock held: frees every frame of the domain's RAM, its own ones in runs. */
static void share_free_ram(struct domain *d)
{
	struct share_domain *s = d->share;
	uint64_t run = 0;

	for (uint64_t i = 0; i <= s->npages; i++) {
		if (i < s->npages && !s->page[i]) {
			run++;
			continue;
		}
		if (run)
			domain_frames_free(d, d->ram_hpa + (i - run) * PAGE_SIZE, run);
		run = 0;
		if (i < s->npages)
			share_drop(d, i);
	}
}

int share_domain_release(struct domain *d)
{
	uint64_t flags;

	if (!d->share)
		return 0;
	share_print(d);
	flags = spin_lock_irqsave(&share_lock);
	share_free_ram(d);
	spin_unlock_irqrestore(&share_lock, flags);
	kfree(d->share->page);
	kfree(d->share);
	d->share = NULL;
	return 1;
}

void share_print(struct domain *d)
{
	const struct share_stats *st = &d->share->st;

	printk("domain %s: sharing: %lu pages scanned, %lu shared, %ld frames saved, %lu CoW "
	       "breaks\n",
	       d->name, st->scanned, st->shared, st->saved, st->cow);
}

void share_print_total(void)
{
	printk("sharing: %lu pages scanned, %lu shared in %lu frames, %ld frames saved, %lu CoW "
	       "breaks\n",
	       total.scanned, total.shared, total_frames, total.saved, total.cow);
}

/* Lock held: pages of [gpa, gpa+len) whose frame another page maps too. */
static uint64_t share_merged_in(struct domain *d, uint64_t gpa, uint64_t len)
{
	uint64_t n = 0;

	for (uint64_t i = gpa / PAGE_SIZE; i < (gpa + len) / PAGE_SIZE; i++) {
		struct share_frame *f = frame_of(d->share->page[i]);

		n += f && f->refs > 1;
	}
	return n;
}

long share_info(struct domain *d, uint64_t gpa, uint64_t range_gpa, uint64_t range_len)
{
	struct bv_share_info info;
	uint64_t flags;

	if (!d->share || ((range_gpa | range_len) & (PAGE_SIZE - 1)) || range_gpa > d->ram_size ||
	    range_len > d->ram_size - range_gpa)
		return -EINVAL;
	flags = spin_lock_irqsave(&share_lock);
	info = (struct bv_share_info){
		.scanned = d->share->st.scanned,
		.shared = d->share->st.shared,
		.saved = d->share->st.saved,
		.cow = d->share->st.cow,
		.merged = share_merged_in(d, range_gpa, range_len),
		.total_saved = total.saved,
	};
	spin_unlock_irqrestore(&share_lock, flags);
	return hc_copy_to(d, gpa, &info, sizeof(info));
}
