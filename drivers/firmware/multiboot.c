/*
 * drivers/firmware/multiboot.c: Multiboot 0.6.96 and Multiboot2 1.0 guests:
 * the OS image header (3.1 of each), loading by its address fields or as ELF,
 * the boot information (MB1 3.3, MB2 3.6) and the 32-bit entry state of MB1
 * 3.2 / MB2 3.3 (EAX the loader magic, EBX the information's address),
 * and the boot modules (MB1 3.3 mods_addr, MB2 3.6.6 module tags).
 */
#include "drivers/firmware/loader_internal.h"
#include "drivers/firmware/multiboot.h"

#define MB_LOADER_NAME "bivisor"
#define MB1_INFO_ADDR FW_BOOTINFO_BASE
#define MB1_NAME_ADDR (FW_BOOTINFO_BASE + 0x80)
#define MB1_MMAP_ADDR (FW_BOOTINFO_BASE + 0x100)
#define MB1_CMDLINE_ADDR (FW_BOOTINFO_BASE + 0x200)
#define MB1_MODS_ADDR (MB1_CMDLINE_ADDR + FW_CMDLINE_MAX)
#define MB1_MOD_STRINGS (MB1_MODS_ADDR + FW_MODULES_MAX * sizeof(struct mb1_module))
/*
 * MB2 information: 8 header + 8 cmdline tag + name 16 + meminfo 16 + mmap 88,
 * the module tags (16, their command line, padding) + end 8
 */
#define MB2_MODS_MAX (FW_MODULES_MAX * (16 + FW_MODULE_CMDLINE_MAX + 7))
#define MB2_INFO_MAX                                                                               \
	(8 + 8 + FW_CMDLINE_MAX + 16 + 16 + 16 + 24 * FW_MEM_MAP_MAX + MB2_MODS_MAX + 8 + 7)

_Static_assert(sizeof(struct mb1_info) <= MB1_NAME_ADDR - MB1_INFO_ADDR, "MB1 info fits");
_Static_assert(MB1_MOD_STRINGS + FW_MODULES_MAX * FW_MODULE_CMDLINE_MAX <= FW_STACK_BASE,
	       "MB1 command lines and modules fit");
_Static_assert(FW_BOOTINFO_BASE + MB2_INFO_MAX <= FW_STACK_BASE, "MB2 information fits");

/* How the two protocols look for their header. */
struct mb_search {
	const char *name;
	uint32_t magic;
	size_t end;   /* the header lies in the image's first end bytes */
	size_t align; /* at an offset aligned so */
	size_t words; /* the words from the magic on that sum to 0 */
};

static const struct mb_search mb1_search = { "Multiboot 1", MB1_HEADER_MAGIC, MB1_SEARCH_END,
					     MB1_HEADER_ALIGN, 3 };
static const struct mb_search mb2_search = { "Multiboot2", MB2_HEADER_MAGIC, MB2_SEARCH_END,
					     MB2_ALIGN, 4 };

struct mb2_request {
	int have_address;
	int have_entry;
	struct mb2_address_tag address;
	uint32_t entry;
};

/* A little-endian word of the image; the caller has checked off + 4 <= len. */
static uint32_t mb_word(const struct fw_load *ld, size_t off)
{
	const uint8_t *p = ld->image + off;

	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t mb_search_end(const struct fw_load *ld, const struct mb_search *ps)
{
	return ld->len < ps->end ? ld->len : ps->end;
}

/*
 * 1 and *off for the first valid header, 0 for none; else the first magic
 * with a cut-off header or a bad checksum fails the load (broken: its reason).
 */
static int mb_find(struct fw_load *ld, const struct mb_search *ps, size_t *off)
{
	size_t end = mb_search_end(ld, ps), bad = 0;
	enum { MB_OK, MB_CUT_OFF, MB_BAD_SUM } broken = MB_OK;

	for (size_t o = 0; o + 4 <= end; o += ps->align) {
		uint32_t sum = 0;

		if (mb_word(ld, o) != ps->magic)
			continue;
		if (o + 4 * ps->words > end) {
			if (!broken) {
				broken = MB_CUT_OFF;
				bad = o;
			}
			continue;
		}
		for (size_t w = 0; w < ps->words; w++)
			sum += mb_word(ld, o + 4 * w);
		if (!sum) {
			*off = o;
			return 1;
		}
		if (!broken) {
			broken = MB_BAD_SUM;
			bad = o;
		}
	}
	fw_name(ld, ps->name, -1);
	if (broken == MB_CUT_OFF)
		return fw_fail(ld, -EINVAL, "%s header at file offset 0x%zx is cut off at 0x%zx",
			       fw_what(ld), bad, end);
	if (broken == MB_BAD_SUM)
		return fw_fail(ld, -EINVAL, "%s header at file offset 0x%zx has a bad checksum",
			       fw_what(ld), bad);
	return 0;
}

int mb1_find(struct fw_load *ld, size_t *off)
{
	return mb_find(ld, &mb1_search, off);
}

int mb2_find(struct fw_load *ld, size_t *off)
{
	return mb_find(ld, &mb2_search, off);
}

/*
 * The a.out kludge (MB1 3.1.3, MB2 3.1.5): the file from the header's offset
 * less (header_addr - load_addr) goes to load_addr, up to load_end_addr (0: the
 * end of the file), then zeroes up to bss_end_addr (0: none).
 */
static int mb_aout_segment(struct fw_load *ld, size_t hdr_off, const struct mb2_address_tag *a,
			   struct fw_segment *s)
{
	uint64_t load = a->load_addr, delta = (uint64_t)a->header_addr - a->load_addr;

	if (load > a->header_addr)
		return fw_fail(ld, -EINVAL, "%s load_addr 0x%lx is above header_addr 0x%x",
			       fw_what(ld), load, a->header_addr);
	if (delta > hdr_off)
		return fw_fail(ld, -EINVAL,
			       "%s load_addr 0x%lx lies before the start of the file (header at "
			       "file offset 0x%zx, header_addr 0x%x)",
			       fw_what(ld), load, hdr_off, a->header_addr);
	s->gpa = load;
	s->offset = hdr_off - delta;
	if (a->load_end_addr && a->load_end_addr < load)
		return fw_fail(ld, -EINVAL, "%s load_end_addr 0x%x is below load_addr 0x%lx",
			       fw_what(ld), a->load_end_addr, load);
	s->filesz = a->load_end_addr ? a->load_end_addr - load : ld->len - s->offset;
	if (a->bss_end_addr && a->bss_end_addr < load + s->filesz)
		return fw_fail(ld, -EINVAL,
			       "%s bss_end_addr 0x%x is below the end of its data 0x%lx",
			       fw_what(ld), a->bss_end_addr, load + s->filesz);
	s->memsz = a->bss_end_addr ? a->bss_end_addr - load : s->filesz;
	return fw_check_segment(ld, s, FW_4G);
}

/* Checks and loads by the address fields; the entry must lie in the loaded bytes. */
static int mb_load_aout(struct fw_load *ld, size_t hdr_off, const struct mb2_address_tag *a,
			uint64_t entry)
{
	struct fw_segment s;
	int ret = mb_aout_segment(ld, hdr_off, a, &s);

	if (ret)
		return ret;
	if (entry < s.gpa || entry - s.gpa >= s.filesz)
		return fw_fail(ld, -EINVAL,
			       "%s entry address 0x%lx is outside its loaded bytes [0x%lx, 0x%lx)",
			       fw_what(ld), entry, s.gpa, s.gpa + s.filesz);
	return fw_load_segment(ld, &s);
}

/* KiB of RAM from 0 and from 1 MiB (MB1 3.3 mem_lower/mem_upper, MB2 3.6.8). */
static uint32_t mb_mem_lower(const struct dm_env *env)
{
	return (env->ram_size < FW_LOW_RAM_END ? env->ram_size : FW_LOW_RAM_END) / 1024;
}

static uint32_t mb_mem_upper(const struct dm_env *env)
{
	uint64_t kib = (env->ram_size - FW_HIGH_RAM) / 1024;

	return kib > UINT32_MAX ? UINT32_MAX : (uint32_t)kib;
}

/* The module list (3.3 mods_addr) and each command line after it. */
static int mb1_write_mods(struct fw_load *ld)
{
	gpa_t str = MB1_MOD_STRINGS;
	int ret = 0;

	for (unsigned int i = 0; !ret && i < ld->nmods; i++) {
		const char *c = fw_module_cmdline(ld, i);
		size_t n = fw_strnlen(c, FW_MODULE_CMDLINE_MAX) + 1;
		struct mb1_module m = { ld->mod_gpa[i], ld->mod_gpa[i] + (uint32_t)ld->mods[i].len,
					(uint32_t)str, 0 };

		ret = fw_write(ld, MB1_MODS_ADDR + i * sizeof(m), &m, sizeof(m));
		if (!ret)
			ret = fw_write(ld, str, c, n);
		str += n;
	}
	return ret;
}

static int mb1_write_info(struct fw_load *ld, gpa_t *info)
{
	struct fw_mem_range map[FW_MEM_MAP_MAX];
	struct mb1_mmap_entry mmap[FW_MEM_MAP_MAX];
	unsigned int n = fw_memory_map(ld->env, map, FW_MEM_MAP_MAX);
	struct mb1_info mbi = {
		.flags = MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MMAP | MB1_INFO_LOADER_NAME,
		.mem_lower = mb_mem_lower(ld->env),
		.mem_upper = mb_mem_upper(ld->env),
		.cmdline = MB1_CMDLINE_ADDR,
		.mmap_length = n * sizeof(mmap[0]),
		.mmap_addr = MB1_MMAP_ADDR,
		.boot_loader_name = MB1_NAME_ADDR,
		.mods_count = ld->nmods,
		.mods_addr = MB1_MODS_ADDR,
	};
	int ret;

	if (ld->nmods)
		mbi.flags |= MB1_INFO_MODS;

	for (unsigned int i = 0; i < n; i++)
		mmap[i] = (struct mb1_mmap_entry){ sizeof(mmap[i]) - sizeof(mmap[i].size),
						   map[i].base, map[i].len, map[i].type };
	ret = fw_write(ld, MB1_INFO_ADDR, &mbi, sizeof(mbi));
	if (!ret)
		ret = fw_write(ld, MB1_NAME_ADDR, MB_LOADER_NAME, sizeof(MB_LOADER_NAME));
	if (!ret)
		ret = fw_write(ld, MB1_MMAP_ADDR, mmap, n * sizeof(mmap[0]));
	if (!ret)
		ret = fw_write(ld, MB1_CMDLINE_ADDR, ld->cmdline, ld->cmdline_len + 1);
	if (!ret)
		ret = mb1_write_mods(ld);
	*info = MB1_INFO_ADDR;
	return ret;
}

typedef int (*mb_write_info_fn)(struct fw_load *ld, gpa_t *info);

/* Writes the GDT and the boot information, then asks for the 32-bit entry state. */
static int mb_boot(struct fw_load *ld, uint32_t magic, uint64_t entry, mb_write_info_fn write_info)
{
	gpa_t info;
	int ret = fw_load_modules(ld);

	if (!ret)
		ret = fw_setup_low_memory(ld, FW_CPU_PROT32, FW_SEL_CODE, FW_SEL_DATA);

	if (!ret)
		ret = write_info(ld, &info);
	if (ret)
		return ret;
	ld->cpu->mode = FW_CPU_PROT32;
	ld->cpu->rip = entry;
	ld->cpu->rax = magic;
	ld->cpu->rbx = info;
	return 0;
}

/* Flags bits 0-15 are requirements (MB1 3.1.2): refuse those bivisor cannot meet. */
static int mb1_check_flags(struct fw_load *ld, uint32_t flags)
{
	uint32_t unknown = flags & MB1_HF_REQUIRED & ~(MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO);

	if (unknown & MB1_HF_VIDEO)
		return fw_fail(ld, -EINVAL,
			       "%s header requires video mode information (flag 2); bivisor's "
			       "guests have no display",
			       fw_what(ld));
	if (unknown)
		return fw_fail(ld, -EINVAL,
			       "%s header requires flags 0x%x that bivisor does not know",
			       fw_what(ld), unknown);
	return 0;
}

int mb1_load(struct fw_load *ld, size_t off)
{
	struct mb1_header h;
	uint64_t entry;
	int ret;

	fw_name(ld, "Multiboot 1", -1);
	fw_read(ld, off, &h, 12);
	ret = mb1_check_flags(ld, h.flags);
	if (ret)
		return ret;
	if (h.flags & MB1_HF_ADDRESS) {
		if (off + 32 > mb_search_end(ld, &mb1_search))
			return fw_fail(ld, -EINVAL,
				       "%s header at file offset 0x%zx is cut off before its "
				       "address fields",
				       fw_what(ld), off);
		fw_read(ld, off, &h, 32);
		fw_name(ld, "Multiboot 1 image", -1);
		entry = h.entry_addr;
		ret = mb_load_aout(ld, off,
				   &(struct mb2_address_tag){ .header_addr = h.header_addr,
							      .load_addr = h.load_addr,
							      .load_end_addr = h.load_end_addr,
							      .bss_end_addr = h.bss_end_addr },
				   entry);
	} else if (elf_has_magic(ld)) {
		ret = elf_load(ld, 1, 0, &entry);
	} else {
		ret = fw_fail(ld, -EINVAL,
			      "%s header has no address fields (flag 16) and the file is not ELF",
			      fw_what(ld));
	}
	return ret ? ret : mb_boot(ld, MB1_BOOT_MAGIC, entry, mb1_write_info);
}

/*
 * Information request (MB2 3.1.4): a loader fails only on a required type it
 * does not understand; a known type it cannot fill (a framebuffer, say) is
 * simply left out of the information.
 */
static int mb2_info_request(struct fw_load *ld, size_t pos, const struct mb2_header_tag *t)
{
	if (t->flags & MB2_TAG_OPTIONAL)
		return 0;
	for (size_t o = sizeof(*t); o + 4 <= t->size; o += 4) {
		uint32_t type = mb_word(ld, pos + o);

		if (type > MB2_IT_LAST)
			return fw_fail(
				ld, -EINVAL,
				"%s requests boot information type %u, which bivisor does not know",
				fw_what(ld), type);
	}
	return 0;
}

static int mb2_tag_too_small(struct fw_load *ld, const struct mb2_header_tag *t, uint32_t min)
{
	return fw_fail(ld, -EINVAL, "%s tag type %u has size %u, below the %u bytes it needs",
		       fw_what(ld), t->type, t->size, min);
}

static int mb2_address_tag(struct fw_load *ld, size_t pos, const struct mb2_header_tag *t,
			   struct mb2_request *r)
{
	if (t->size < sizeof(r->address))
		return mb2_tag_too_small(ld, t, sizeof(r->address));
	r->have_address = 1;
	return fw_read(ld, pos, &r->address, sizeof(r->address));
}

static int mb2_entry_tag(struct fw_load *ld, size_t pos, const struct mb2_header_tag *t,
			 struct mb2_request *r)
{
	if (t->size < 12)
		return mb2_tag_too_small(ld, t, 12);
	r->have_entry = 1;
	r->entry = mb_word(ld, pos + 8);
	return 0;
}

/* Tags that only ask for something: refuse the required ones bivisor cannot give. */
static int mb2_demand_tag(struct fw_load *ld, size_t pos, const struct mb2_header_tag *t)
{
	if (t->flags & MB2_TAG_OPTIONAL)
		return 0;
	switch (t->type) {
	case MB2_HT_CONSOLE:
		if (t->size < 12)
			return mb2_tag_too_small(ld, t, 12);
		if (mb_word(ld, pos + 8) & MB2_CONSOLE_REQUIRED)
			return fw_fail(ld, -EINVAL,
				       "%s requires a console described in the boot information, "
				       "which bivisor does not give",
				       fw_what(ld));
		return 0;
	case MB2_HT_FRAMEBUFFER:
		return fw_fail(
			ld, -EINVAL,
			"%s requires a framebuffer (tag type 5); bivisor's guests have no display",
			fw_what(ld));
	case MB2_HT_MODULE_ALIGN: /* modules are always page aligned */
	case MB2_HT_EFI_BS:	  /* the EFI tags matter only to an EFI loader */
	case MB2_HT_EFI32_ENTRY:
	case MB2_HT_EFI64_ENTRY:
	case MB2_HT_RELOCATABLE: /* loading at the linked address is allowed */
		return 0;
	default:
		return fw_fail(ld, -EINVAL,
			       "%s has required tag type %u, which bivisor does not know",
			       fw_what(ld), t->type);
	}
}

static int mb2_header_tag(struct fw_load *ld, size_t pos, const struct mb2_header_tag *t,
			  struct mb2_request *r)
{
	switch (t->type) {
	case MB2_HT_INFO_REQUEST:
		return mb2_info_request(ld, pos, t);
	case MB2_HT_ADDRESS:
		return mb2_address_tag(ld, pos, t, r);
	case MB2_HT_ENTRY:
		return mb2_entry_tag(ld, pos, t, r);
	default:
		return mb2_demand_tag(ld, pos, t);
	}
}

static int mb2_walk_tags(struct fw_load *ld, size_t pos, size_t end, struct mb2_request *r)
{
	struct mb2_header_tag t;
	int ret;

	for (;;) {
		if (pos > end || end - pos < sizeof(t))
			return fw_fail(ld, -EINVAL, "%s tags run to its end without an end tag",
				       fw_what(ld));
		fw_read(ld, pos, &t, sizeof(t));
		if (t.size < sizeof(t) || t.size > end - pos)
			return fw_fail(ld, -EINVAL,
				       "%s tag at file offset 0x%zx (type %u) has size %u, outside "
				       "the header",
				       fw_what(ld), pos, t.type, t.size);
		if (t.type == MB2_HT_END)
			return 0;
		ret = mb2_header_tag(ld, pos, &t, r);
		if (ret)
			return ret;
		pos += (t.size + MB2_ALIGN - 1) & ~(size_t)(MB2_ALIGN - 1);
	}
}

static int mb2_check_header(struct fw_load *ld, size_t off, struct mb2_request *r)
{
	struct mb2_header h;

	fw_read(ld, off, &h, sizeof(h));
	if (h.architecture != MB2_ARCH_I386)
		return fw_fail(ld, -EINVAL, "%s header is for architecture %u, not i386 (0)",
			       fw_what(ld), h.architecture);
	if (h.header_length < sizeof(h) + sizeof(struct mb2_header_tag) ||
	    h.header_length > mb_search_end(ld, &mb2_search) - off)
		return fw_fail(ld, -EINVAL,
			       "%s header_length %u at file offset 0x%zx does not fit in the "
			       "file's first 32 KiB",
			       fw_what(ld), h.header_length, off);
	fw_name(ld, "Multiboot2 header", -1);
	return mb2_walk_tags(ld, off + sizeof(h), off + h.header_length, r);
}

int mb2_load(struct fw_load *ld, size_t off)
{
	struct mb2_request r = { 0 };
	uint64_t entry;
	int ret;

	fw_name(ld, "Multiboot2", -1);
	ret = mb2_check_header(ld, off, &r);
	if (ret)
		return ret;
	fw_name(ld, "Multiboot2 image", -1);
	entry = r.entry;
	if (r.have_address && !r.have_entry)
		return fw_fail(ld, -EINVAL, "%s has an address tag but no entry address tag",
			       fw_what(ld));
	if (r.have_address && r.address.load_addr == UINT32_MAX) {
		/* -1: the file loads from its start, which puts the header at header_addr */
		if (r.address.header_addr < off)
			return fw_fail(
				ld, -EINVAL,
				"%s header_addr 0x%x is below the header's file offset 0x%zx",
				fw_what(ld), r.address.header_addr, off);
		r.address.load_addr = r.address.header_addr - off;
	}
	if (r.have_address)
		ret = mb_load_aout(ld, off, &r.address, entry);
	else if (elf_has_magic(ld))
		ret = elf_load(ld, 1, r.have_entry, &entry);
	else
		ret = fw_fail(ld, -EINVAL, "%s has no address tag and the file is not ELF",
			      fw_what(ld));
	return ret ? ret : mb_boot(ld, MB2_BOOT_MAGIC, entry, mb2_write_info);
}

/* Appends to the information at FW_BOOTINFO_BASE; the first failed write sticks. */
struct mb2_builder {
	struct fw_load *ld;
	gpa_t pos;
	int ret;
};

static void mb2_put(struct mb2_builder *b, const void *data, size_t size)
{
	if (!b->ret && size)
		b->ret = fw_write(b->ld, b->pos, data, size);
	b->pos += size;
}

/* A tag's header, its body, then padding to 8 (the area was zeroed). */
static void mb2_put_tag(struct mb2_builder *b, uint32_t type, const void *body, size_t size)
{
	struct mb2_tag t = { type, sizeof(t) + size };

	mb2_put(b, &t, sizeof(t));
	mb2_put(b, body, size);
	b->pos = (b->pos + MB2_ALIGN - 1) & ~(gpa_t)(MB2_ALIGN - 1);
}

static void mb2_put_mmap(struct mb2_builder *b)
{
	struct fw_mem_range map[FW_MEM_MAP_MAX];
	unsigned int n = fw_memory_map(b->ld->env, map, FW_MEM_MAP_MAX);
	struct {
		uint32_t entry_size;
		uint32_t entry_version;
		struct mb2_mmap_entry e[FW_MEM_MAP_MAX];
	} __attribute__((packed)) body = { sizeof(struct mb2_mmap_entry), 0, { { 0 } } };

	for (unsigned int i = 0; i < n; i++)
		body.e[i] = (struct mb2_mmap_entry){ map[i].base, map[i].len, map[i].type, 0 };
	mb2_put_tag(b, MB2_IT_MMAP, &body, 8 + n * sizeof(body.e[0]));
}

/* One tag per module (3.6.6): its bounds, then its command line. */
static void mb2_put_modules(struct mb2_builder *b)
{
	for (unsigned int i = 0; i < b->ld->nmods; i++) {
		const char *c = fw_module_cmdline(b->ld, i);
		size_t n = fw_strnlen(c, FW_MODULE_CMDLINE_MAX) + 1;
		struct mb2_module_tag t = {
			{ MB2_IT_MODULE, sizeof(t) + n },
			b->ld->mod_gpa[i],
			b->ld->mod_gpa[i] + (uint32_t)b->ld->mods[i].len,
		};

		mb2_put(b, &t, sizeof(t));
		mb2_put(b, c, n);
		b->pos = (b->pos + MB2_ALIGN - 1) & ~(gpa_t)(MB2_ALIGN - 1);
	}
}

int mb2_write_info(struct fw_load *ld, gpa_t *info)
{
	struct mb2_builder b = { ld, FW_BOOTINFO_BASE + sizeof(struct mb2_info_header), 0 };
	struct mb2_info_header h = { 0 };
	uint32_t mem[2] = { mb_mem_lower(ld->env), mb_mem_upper(ld->env) };

	mb2_put_tag(&b, MB2_IT_CMDLINE, ld->cmdline, ld->cmdline_len + 1);
	mb2_put_tag(&b, MB2_IT_LOADER_NAME, MB_LOADER_NAME, sizeof(MB_LOADER_NAME));
	mb2_put_tag(&b, MB2_IT_MEMINFO, mem, sizeof(mem));
	mb2_put_mmap(&b);
	mb2_put_modules(&b);
	mb2_put_tag(&b, MB2_IT_END, NULL, 0);
	h.total_size = b.pos - FW_BOOTINFO_BASE;
	b.pos = FW_BOOTINFO_BASE;
	mb2_put(&b, &h, sizeof(h));
	*info = FW_BOOTINFO_BASE;
	return b.ret;
}
