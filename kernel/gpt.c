/*
 * kernel/gpt.c: the guest-physical table walker both backends share. Four
 * levels of 512 entries, 9 address bits each above the 12-bit page offset (AMD
 * APM vol. 2 15.25 nested paging over the long-mode format of 5.3; Intel SDM
 * vol. 3C 29.3 EPT). Leaves are 4 KiB at level 1 or 2 MiB at level 2 (bit 7);
 * a 4 KiB map, unmap or protect inside a 2 MiB leaf first splits it into 512
 * entries with the same bits (APM 15.25.5, SDM 29.3.2 tables 29-4/29-6).
 */
#include "kernel/gpt.h"
#include "kernel/mm.h"

struct gpt_slot {
	uint64_t *e;
	int level;
};

static uint64_t *gpt_table(hpa_t pa)
{
	return hpa_to_virt(pa);
}

static unsigned int gpt_index(gpa_t gpa, int level)
{
	return gpa >> (PAGE_SHIFT + 9 * (level - 1)) & 511;
}

static uint64_t gpt_span(int level)
{
	return 1ull << (PAGE_SHIFT + 9 * (level - 1));
}

static int gpt_present(const struct gpt *g, uint64_t e)
{
	return (e & g->fmt->present) != 0;
}

/* An entry of a table at `level` that points to a table one level down. */
static int gpt_is_table(const struct gpt *g, uint64_t e, int level)
{
	return level > 1 && gpt_present(g, e) && !(e & g->fmt->large);
}

/* Walks toward the entry at `want` for gpa; stops early at an absent entry or a leaf. */
static struct gpt_slot gpt_find(const struct gpt *g, gpa_t gpa, int want)
{
	uint64_t *t = gpt_table(g->root);
	int l = GPT_LEVELS;

	for (; l > want && gpt_is_table(g, t[gpt_index(gpa, l)], l); l--)
		t = gpt_table(t[gpt_index(gpa, l)] & GPT_ADDR);
	return (struct gpt_slot){ &t[gpt_index(gpa, l)], l };
}

/* Replaces the leaf *e at `level` by a table of 512 leaves one level down. */
static int gpt_split(struct gpt *g, uint64_t *e, int level)
{
	uint64_t bits = *e & ~GPT_ADDR, base = *e & GPT_ADDR, *t;
	hpa_t pa = g->alloc(g->ctx);

	if (!pa)
		return -ENOMEM;
	if (level - 1 == 1)
		bits &= ~g->fmt->large;
	t = gpt_table(pa);
	for (unsigned int i = 0; i < 512; i++)
		t[i] = (base + i * gpt_span(level - 1)) | bits;
	__atomic_store_n(e, pa | g->fmt->table, __ATOMIC_RELEASE);
	return 0;
}

static int gpt_new_table(struct gpt *g, uint64_t *e)
{
	hpa_t pa = g->alloc(g->ctx);

	if (!pa)
		return -ENOMEM;
	__atomic_store_n(e, pa | g->fmt->table, __ATOMIC_RELEASE);
	return 0;
}

/* The entry at `want` for gpa, creating tables and splitting leaves above it. */
static int gpt_make(struct gpt *g, gpa_t gpa, int want, uint64_t **out)
{
	for (;;) {
		struct gpt_slot s = gpt_find(g, gpa, want);
		int err;

		if (s.level == want) {
			*out = s.e;
			return 0;
		}
		err = gpt_present(g, *s.e) ? gpt_split(g, s.e, s.level) : gpt_new_table(g, s.e);
		if (err)
			return err;
	}
}

static int gpt_check(const struct gpt *g, gpa_t gpa, uint64_t len, unsigned int prot)
{
	if ((gpa | len) & (PAGE_SIZE - 1) || gpa >= GPT_GPA_LIMIT || len > GPT_GPA_LIMIT - gpa)
		return -EINVAL;
	if (prot > VM_PROT_RWX || !g->fmt->leaf[prot])
		return -EINVAL;
	return 0;
}

static void gpt_changed(struct gpt *g)
{
	__atomic_add_fetch(&g->gen, 1, __ATOMIC_RELEASE);
}

int gpt_init(struct gpt *g)
{
	g->root = g->alloc(g->ctx);
	g->gen = 0;
	return g->root ? 0 : -ENOMEM;
}

static void gpt_free_table(struct gpt *g, hpa_t pa, int level)
{
	uint64_t *t = gpt_table(pa);

	for (unsigned int i = 0; i < 512; i++)
		if (gpt_is_table(g, t[i], level))
			gpt_free_table(g, t[i] & GPT_ADDR, level - 1);
	g->free(g->ctx, pa);
}

void gpt_destroy(struct gpt *g)
{
	if (g->root)
		gpt_free_table(g, g->root, GPT_LEVELS);
	g->root = 0;
}

/* A 2 MiB leaf fits where both addresses are aligned, the range covers it, and no
 * table of 4 KiB entries is there already. */
static int gpt_fits_large(const struct gpt *g, gpa_t gpa, hpa_t hpa, uint64_t left)
{
	struct gpt_slot s;

	if (((gpa | hpa) & (gpt_span(2) - 1)) || left < gpt_span(2))
		return 0;
	s = gpt_find(g, gpa, 2);
	return !(s.level == 2 && gpt_is_table(g, *s.e, 2));
}

static int gpt_map_step(struct gpt *g, gpa_t gpa, hpa_t hpa, uint64_t left, uint64_t bits,
			uint64_t *done)
{
	int level = gpt_fits_large(g, gpa, hpa, left) ? 2 : 1;
	uint64_t *e;
	int err = gpt_make(g, gpa, level, &e);

	if (err)
		return err;
	__atomic_store_n(e, hpa | bits | (level > 1 ? g->fmt->large : 0), __ATOMIC_RELEASE);
	*done = gpt_span(level);
	return 0;
}

int gpt_map(struct gpt *g, gpa_t gpa, hpa_t hpa, uint64_t len, unsigned int prot)
{
	int err = gpt_check(g, gpa, len, prot);
	uint64_t done;

	if (!err && (hpa & ~GPT_ADDR))
		err = -EINVAL;
	for (; !err && len; gpa += done, hpa += done, len -= done)
		err = gpt_map_step(g, gpa, hpa, len, g->fmt->leaf[prot], &done);
	gpt_changed(g);
	return err;
}

/*
 * The leaf that maps gpa, split down to 4 KiB unless [gpa, gpa+left) covers it
 * whole; NULL where nothing is mapped. *done: how far the answer reaches.
 */
static int gpt_leaf_in(struct gpt *g, gpa_t gpa, uint64_t left, uint64_t **out, uint64_t *done)
{
	struct gpt_slot s = gpt_find(g, gpa, 1);
	uint64_t span = gpt_span(s.level), off = gpa & (span - 1);

	*out = NULL;
	*done = span - off < left ? span - off : left;
	if (!gpt_present(g, *s.e))
		return 0;
	if (!off && left >= span) {
		*out = s.e;
		return 0;
	}
	*done = PAGE_SIZE;
	return gpt_make(g, gpa, 1, out);
}

/* Unmaps (bits 0) or gives new leaf bits to the mapped pages of a range. */
static int gpt_change(struct gpt *g, gpa_t gpa, uint64_t len, uint64_t bits)
{
	uint64_t done, *e, keep = GPT_ADDR | g->fmt->large;
	int err = 0;

	for (; !err && len; gpa += done, len -= done) {
		err = gpt_leaf_in(g, gpa, len, &e, &done);
		if (e)
			__atomic_store_n(e, bits ? (*e & keep) | bits : 0, __ATOMIC_RELEASE);
	}
	gpt_changed(g);
	return err;
}

int gpt_unmap(struct gpt *g, gpa_t gpa, uint64_t len)
{
	int err = gpt_check(g, gpa, len, VM_PROT_RWX);

	return err ? err : gpt_change(g, gpa, len, 0);
}

int gpt_protect(struct gpt *g, gpa_t gpa, uint64_t len, unsigned int prot)
{
	int err = gpt_check(g, gpa, len, prot);

	return err ? err : gpt_change(g, gpa, len, g->fmt->leaf[prot]);
}

/* The vm_prot whose leaf bits the entry carries. */
static unsigned int gpt_prot_of(const struct gpt *g, uint64_t e)
{
	uint64_t mask = 0;
	unsigned int p;

	for (p = 0; p <= VM_PROT_RWX; p++)
		mask |= g->fmt->leaf[p];
	for (p = 1; p <= VM_PROT_RWX; p++)
		if (g->fmt->leaf[p] && (e & mask) == g->fmt->leaf[p])
			return p;
	return 0;
}

int gpt_lookup(const struct gpt *g, gpa_t gpa, struct gpt_leaf *out)
{
	struct gpt_slot s = gpt_find(g, gpa, 1);

	if (gpa >= GPT_GPA_LIMIT || !gpt_present(g, *s.e))
		return -ENOENT;
	out->size = gpt_span(s.level);
	out->hpa = (*s.e & GPT_ADDR & ~(out->size - 1)) | (gpa & (out->size - 1));
	out->prot = gpt_prot_of(g, *s.e);
	return 0;
}
