/*
 * kernel/mb2.c: walks the Multiboot2 tags (Multiboot2 spec 1.0, 3.6.1-3.6.15:
 * command line, loader name, modules, memory map, ACPI old/new RSDP) with
 * every length checked against the block's total size. Pure code, unit-tested
 * on the host with captured and hand-made blocks.
 */
#include "kernel/mb2.h"
#include "kernel/errno.h"

#include <stddef.h>

struct tag {
	uint32_t type;
	uint32_t size;
};

struct mmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type;
	uint32_t reserved;
};

/* A string tag must hold a NUL inside its own bytes. */
static const char *tag_string(const struct tag *t, size_t off)
{
	const char *s = (const char *)t + off;

	for (size_t i = 0; off + i < t->size; i++)
		if (s[i] == '\0')
			return s;
	return NULL;
}

static int parse_mmap(const struct tag *t, struct boot_info *bi)
{
	const uint8_t *p = (const uint8_t *)t;
	uint32_t esize;

	if (t->size < 16)
		return -EINVAL;
	esize = *(const uint32_t *)(p + 8);
	if (esize < sizeof(struct mmap_entry) || esize % 8)
		return -EINVAL;
	/* 64-bit sums: an entry_size near 4 GiB must not wrap past the tag's end */
	for (uint64_t off = 16; off + esize <= t->size; off += esize) {
		const struct mmap_entry *e = (const void *)(p + off);
		struct mem_range *r;

		if (bi->nmem == BOOT_MAX_MEM)
			break;
		r = &bi->mem[bi->nmem++];
		r->base = e->base;
		r->len = e->len;
		r->type = e->type >= MEM_USABLE && e->type <= MEM_BAD ? e->type : MEM_RESERVED;
	}
	return 0;
}

static int parse_module(const struct tag *t, struct boot_info *bi)
{
	const uint32_t *w = (const uint32_t *)t;
	struct boot_module *m;
	const char *cmd;

	if (t->size < 17)
		return -EINVAL;
	cmd = tag_string(t, 16);
	if (!cmd || w[3] < w[2])
		return -EINVAL;
	if (bi->nmods == BOOT_MAX_MODS) {
		bi->mods_dropped++;
		return 0;
	}
	m = &bi->mods[bi->nmods++];
	m->start = w[2];
	m->end = w[3];
	m->cmdline = cmd;
	return 0;
}

static int parse_tag(const struct tag *t, struct boot_info *bi)
{
	switch (t->type) {
	case MB2_IT_CMDLINE:
		bi->cmdline = tag_string(t, 8);
		return bi->cmdline ? 0 : -EINVAL;
	case MB2_IT_LOADER_NAME:
		bi->loader = tag_string(t, 8);
		return bi->loader ? 0 : -EINVAL;
	case MB2_IT_MODULE:
		return parse_module(t, bi);
	case MB2_IT_MMAP:
		return parse_mmap(t, bi);
	case MB2_IT_ACPI_NEW:
		if (t->size >= 8 + 36)
			bi->rsdp = (const uint8_t *)t + 8;
		return 0;
	case MB2_IT_ACPI_OLD:
		if (t->size >= 8 + 20 && !bi->rsdp)
			bi->rsdp = (const uint8_t *)t + 8;
		return 0;
	default:
		return 0; /* tags we do not need are skipped */
	}
}

int mb2_parse(uint32_t magic, const void *mbi, uint64_t mbi_phys, struct boot_info *bi)
{
	const uint8_t *base = mbi;
	uint32_t total;
	int err;

	*bi = (struct boot_info){ .loader = "unknown", .cmdline = "" };
	if (magic != MB2_BOOT_MAGIC || !mbi || (uintptr_t)mbi % 8)
		return -EINVAL;
	total = *(const uint32_t *)base;
	if (total < 16)
		return -EINVAL;
	bi->info_start = mbi_phys;
	bi->info_end = mbi_phys + total;
	for (uint32_t off = 8; off + sizeof(struct tag) <= total;) {
		const struct tag *t = (const void *)(base + off);

		if (t->type == MB2_IT_END)
			return 0;
		if (t->size < sizeof(struct tag) || t->size > total - off)
			return -EINVAL;
		err = parse_tag(t, bi);
		if (err)
			return err;
		off += (t->size + 7) & ~7u;
	}
	return -EINVAL; /* no end tag inside total_size */
}
