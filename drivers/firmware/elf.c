/*
 * drivers/firmware/elf.c: loads the PT_LOAD segments of an ELF32 (i386) or
 * ELF64 (x86-64 psABI) executable at p_paddr (System V gABI "Program Header",
 * "Program Loading") for Multiboot 0.6.96 3.1.3 / Multiboot2 1.0 3.1.5 and
 * plain ELF64 guests; every field is checked before the first write.
 */
#include "drivers/firmware/elf.h"
#include "drivers/firmware/loader_internal.h"

/* The file header fields the loader uses, whatever the class. */
struct elf_file {
	unsigned int cls; /* ELF_CLASS32 or ELF_CLASS64 */
	uint16_t type;
	uint16_t machine;
	uint64_t entry;
	uint64_t phoff;
	uint16_t phnum;
	uint16_t phentsize;
};

/* The program header fields the loader uses. */
struct elf_seg {
	uint32_t type;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
};

static int elf_ident_ok(const uint8_t *ident)
{
	return ident[0] == ELF_MAGIC[0] && ident[1] == ELF_MAGIC[1] && ident[2] == ELF_MAGIC[2] &&
	       ident[3] == ELF_MAGIC[3];
}

int elf_has_magic(const struct fw_load *ld)
{
	return ld->len >= 4 && elf_ident_ok(ld->image);
}

int elf_is_exec64(const struct fw_load *ld)
{
	struct elf64_ehdr eh;

	if (fw_read(ld, 0, &eh, sizeof(eh)) || !elf_ident_ok(eh.e_ident))
		return 0;
	return eh.e_ident[ELF_EI_CLASS] == ELF_CLASS64 && eh.e_ident[ELF_EI_DATA] == ELF_DATA_LSB &&
	       eh.e_type == ELF_ET_EXEC && eh.e_machine == ELF_EM_X86_64;
}

/* The fields both classes share, from an ELF32 or ELF64 file header h. */
#define ELF_FILE(c, h)                                                                             \
	((struct elf_file){ .cls = (c),                                                            \
			    .type = (h).e_type,                                                    \
			    .machine = (h).e_machine,                                              \
			    .entry = (h).e_entry,                                                  \
			    .phoff = (h).e_phoff,                                                  \
			    .phnum = (h).e_phnum,                                                  \
			    .phentsize = (h).e_phentsize })

static int elf_read_class(struct fw_load *ld, unsigned int cls, struct elf_file *f)
{
	struct elf32_ehdr e32;
	struct elf64_ehdr e64;

	if (cls == ELF_CLASS32) {
		if (fw_read(ld, 0, &e32, sizeof(e32)))
			return fw_fail(ld, -EINVAL,
				       "ELF32 header truncated: the image has %zu of its 52 bytes",
				       ld->len);
		*f = ELF_FILE(cls, e32);
		return 0;
	}
	if (fw_read(ld, 0, &e64, sizeof(e64)))
		return fw_fail(ld, -EINVAL,
			       "ELF64 header truncated: the image has %zu of its 64 bytes",
			       ld->len);
	*f = ELF_FILE(cls, e64);
	return 0;
}

static int elf_read_file(struct fw_load *ld, struct elf_file *f)
{
	uint8_t ident[16];

	if (fw_read(ld, 0, ident, sizeof(ident)) || !elf_ident_ok(ident))
		return fw_fail(ld, -EINVAL, "not an ELF file");
	if (ident[ELF_EI_DATA] != ELF_DATA_LSB)
		return fw_fail(ld, -EINVAL, "ELF image is not little-endian (EI_DATA %u)",
			       ident[ELF_EI_DATA]);
	if (ident[ELF_EI_VERSION] != ELF_VERSION_CURRENT)
		return fw_fail(ld, -EINVAL, "ELF EI_VERSION %u is not 1", ident[ELF_EI_VERSION]);
	if (ident[ELF_EI_CLASS] != ELF_CLASS32 && ident[ELF_EI_CLASS] != ELF_CLASS64)
		return fw_fail(ld, -EINVAL, "ELF class %u is neither ELF32 nor ELF64",
			       ident[ELF_EI_CLASS]);
	return elf_read_class(ld, ident[ELF_EI_CLASS], f);
}

static int elf_check_file(struct fw_load *ld, const struct elf_file *f, int prot32)
{
	unsigned int machine = f->cls == ELF_CLASS32 ? ELF_EM_386 : ELF_EM_X86_64;
	uint64_t phsize =
		f->cls == ELF_CLASS32 ? sizeof(struct elf32_phdr) : sizeof(struct elf64_phdr);

	if (!prot32 && f->cls != ELF_CLASS64)
		return fw_fail(
			ld, -EINVAL,
			"ELF32 image without a Multiboot header (only ELF64 boots without one)");
	if (f->machine != machine)
		return fw_fail(ld, -EINVAL, "ELF e_machine %u does not match its class (want %u)",
			       f->machine, machine);
	if (f->type != ELF_ET_EXEC)
		return fw_fail(ld, -EINVAL, "ELF e_type %u is not ET_EXEC (2)", f->type);
	if (!f->phnum || f->phnum == ELF_PN_XNUM)
		return fw_fail(ld, -EINVAL, "ELF e_phnum %u: no usable program header table",
			       f->phnum);
	if (f->phentsize < phsize)
		return fw_fail(ld, -EINVAL,
			       "ELF e_phentsize %u is smaller than a program header (%lu bytes)",
			       f->phentsize, phsize);
	if (f->phoff > ld->len || (uint64_t)f->phnum * f->phentsize > ld->len - f->phoff)
		return fw_fail(ld, -EINVAL,
			       "ELF program headers at file offset 0x%lx (%u of %u bytes) run past "
			       "the end of the image (0x%zx bytes)",
			       f->phoff, f->phnum, f->phentsize, ld->len);
	return 0;
}

/* The fields the loader uses, from an ELF32 or ELF64 program header p. */
#define ELF_SEG(p)                                                                                 \
	((struct elf_seg){ .type = (p).p_type,                                                     \
			   .offset = (p).p_offset,                                                 \
			   .vaddr = (p).p_vaddr,                                                   \
			   .paddr = (p).p_paddr,                                                   \
			   .filesz = (p).p_filesz,                                                 \
			   .memsz = (p).p_memsz })

/* Reads program header i; elf_check_file() has put the table inside the image. */
static void elf_read_seg(const struct fw_load *ld, const struct elf_file *f, unsigned int i,
			 struct elf_seg *s)
{
	uint64_t off = f->phoff + (uint64_t)i * f->phentsize;
	struct elf32_phdr p32;
	struct elf64_phdr p64;

	if (f->cls == ELF_CLASS32) {
		fw_read(ld, off, &p32, sizeof(p32));
		*s = ELF_SEG(p32);
	} else {
		fw_read(ld, off, &p64, sizeof(p64));
		*s = ELF_SEG(p64);
	}
}

/* A program header as the range the shared loader code checks and copies. */
static struct fw_segment elf_fw_segment(const struct elf_seg *s)
{
	return (struct fw_segment){ s->paddr, s->offset, s->filesz, s->memsz };
}

/* Is the entry inside s? Makes *entry physical unless it came physical (have_entry). */
static int elf_entry_in(const struct elf_file *f, const struct elf_seg *s, int have_entry,
			uint64_t *entry)
{
	if (have_entry)
		return *entry >= s->paddr && *entry - s->paddr < s->memsz;
	if (f->entry < s->vaddr || f->entry - s->vaddr >= s->memsz)
		return 0;
	*entry = s->paddr + (f->entry - s->vaddr);
	return 1;
}

/* Do two checked PT_LOADs share a byte? The later one's copy would overwrite the earlier's. */
static int elf_segs_overlap(const struct elf_seg *a, const struct elf_seg *b)
{
	return a->memsz && b->memsz && a->paddr < b->paddr + b->memsz &&
	       b->paddr < a->paddr + a->memsz;
}

static int elf_check_segs(struct fw_load *ld, const struct elf_file *f, int prot32, int have_entry,
			  uint64_t *entry)
{
	unsigned int loads = 0, entry_found = 0;
	struct fw_segment fs;
	struct elf_seg s, prev = { 0 }; /* memsz 0: overlaps nothing */
	int ret;

	for (unsigned int i = 0; i < f->phnum; i++) {
		elf_read_seg(ld, f, i, &s);
		if (s.type != ELF_PT_LOAD)
			continue;
		loads++;
		fw_name(ld, "ELF segment", i);
		if (s.filesz > s.memsz)
			return fw_fail(ld, -EINVAL, "%s has p_filesz 0x%lx > p_memsz 0x%lx",
				       fw_what(ld), s.filesz, s.memsz);
		fs = elf_fw_segment(&s);
		ret = fw_check_segment(ld, &fs, prot32 ? FW_4G : UINT64_MAX);
		if (ret)
			return ret;
		if (elf_segs_overlap(&prev, &s))
			return fw_fail(ld, -EINVAL, "%s overlaps the PT_LOAD segment before it",
				       fw_what(ld));
		prev = s;
		if (!entry_found)
			entry_found = elf_entry_in(f, &s, have_entry, entry);
	}
	if (!loads)
		return fw_fail(ld, -EINVAL, "ELF image has no PT_LOAD segment");
	if (!entry_found)
		return fw_fail(ld, -EINVAL,
			       "entry point 0x%lx lies outside every ELF PT_LOAD segment",
			       have_entry ? *entry : f->entry);
	return 0;
}

int elf_load(struct fw_load *ld, int prot32, int have_entry, uint64_t *entry)
{
	struct elf_file f = { 0 };
	struct fw_segment fs;
	struct elf_seg s;
	int ret;

	ret = elf_read_file(ld, &f);
	if (!ret)
		ret = elf_check_file(ld, &f, prot32);
	if (!ret)
		ret = elf_check_segs(ld, &f, prot32, have_entry, entry);
	for (unsigned int i = 0; !ret && i < f.phnum; i++) {
		elf_read_seg(ld, &f, i, &s);
		fs = elf_fw_segment(&s);
		if (s.type == ELF_PT_LOAD)
			ret = fw_load_segment(ld, &fs);
	}
	return ret;
}
