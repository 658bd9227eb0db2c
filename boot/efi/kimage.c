/*
 * boot/efi/kimage.c: checks the kernel ELF64 file for bivisor.efi: the file
 * header and PT_LOAD program headers (System V gABI, x86-64 psABI), the
 * Multiboot2 header in the first 32 KiB (Multiboot2 spec 1.0, 3.1.1-3.1.2,
 * 8-byte aligned, checksummed) and, right after it, the 64-bit entry record
 * of boot/entry.asm ("ENTRY64\0" and _start64's address). Pure code.
 */
#include "boot/efi/kimage.h"
#include "drivers/firmware/elf.h"
#include "kernel/errno.h"
#include "lib/format.h"
#include "lib/mb2.h"
#include "lib/string.h"

struct entry_record {
	char sig[8];	/* +0: "ENTRY64\0" */
	uint64_t entry; /* +8: _start64 */
} __attribute__((packed));

static int fail(char *err, size_t errlen, const char *why, uint64_t a, uint64_t b)
{
	fmt_snprintf(err, errlen, why, a, b);
	return -EINVAL;
}

static int check_ehdr(const struct elf64_ehdr *eh, size_t len, char *err, size_t errlen)
{
	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELF_MAGIC, 4))
		return fail(err, errlen, "not an ELF file", 0, 0);
	if (eh->e_ident[ELF_EI_CLASS] != ELF_CLASS64 || eh->e_ident[ELF_EI_DATA] != ELF_DATA_LSB ||
	    eh->e_type != ELF_ET_EXEC || eh->e_machine != ELF_EM_X86_64)
		return fail(err, errlen, "not an x86-64 ELF64 executable", 0, 0);
	if (eh->e_phentsize < sizeof(struct elf64_phdr) || !eh->e_phnum ||
	    eh->e_phnum == ELF_PN_XNUM || eh->e_phoff > len ||
	    (uint64_t)eh->e_phnum * eh->e_phentsize > len - eh->e_phoff)
		return fail(err, errlen, "the program headers lie outside the file (%lu bytes)",
			    len, 0);
	return 0;
}

static int add_segment(struct kimage *k, const struct elf64_phdr *ph, size_t len, char *err,
		       size_t errlen)
{
	uint64_t end = ph->p_paddr + ph->p_memsz;

	if (ph->p_filesz > ph->p_memsz || ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return fail(err, errlen, "segment at %#lx: its bytes lie outside the file",
			    ph->p_paddr, 0);
	if (ph->p_paddr < KIMAGE_LOW || end < ph->p_paddr || end > KIMAGE_HIGH)
		return fail(err, errlen, "segment at %#lx-%#lx is not between 1 MiB and 4 GiB",
			    ph->p_paddr, end);
	if (k->nsegs == KIMAGE_MAX_SEGS)
		return fail(err, errlen, "more than %lu loadable segments", KIMAGE_MAX_SEGS, 0);
	k->segs[k->nsegs++] =
		(struct kimage_seg){ ph->p_paddr, ph->p_offset, ph->p_filesz, ph->p_memsz };
	if (!k->lo || ph->p_paddr < k->lo)
		k->lo = ph->p_paddr & ~0xfffull;
	if (end > k->hi)
		k->hi = (end + 0xfff) & ~0xfffull;
	return 0;
}

/* The 64-bit entry: the record after the Multiboot2 header, pointing into a segment. */
static int find_entry64(const uint8_t *f, size_t len, struct kimage *k, char *err, size_t errlen)
{
	size_t lim = len < MB2_SEARCH_END ? len : MB2_SEARCH_END;

	for (size_t off = 0; off + 16 <= lim; off += 8) {
		const uint32_t *h = (const void *)(f + off);
		struct entry_record rec;
		size_t at = off + ((h[2] + 7) & ~7u);

		if (h[0] != MB2_HEADER_MAGIC || h[0] + h[1] + h[2] + h[3] != 0)
			continue;
		if (h[2] < 16 || h[2] > len - off || at + sizeof(rec) > len)
			return fail(err, errlen,
				    "Multiboot2 header at file offset %#lx is truncated", off, 0);
		memcpy(&rec, f + at, sizeof(rec));
		if (memcmp(rec.sig, "ENTRY64", 8))
			return fail(err, errlen,
				    "no 64-bit entry record after the Multiboot2 header (not a "
				    "bivisor kernel, or an older one)",
				    0, 0);
		for (unsigned int i = 0; i < k->nsegs; i++) {
			const struct kimage_seg *s = &k->segs[i];

			if (rec.entry >= s->paddr && rec.entry < s->paddr + s->filesz) {
				k->entry64 = rec.entry;
				return 0;
			}
		}
		return fail(err, errlen, "the 64-bit entry %#lx is outside the loaded segments",
			    rec.entry, 0);
	}
	return fail(err, errlen, "no Multiboot2 header in the first 32 KiB", 0, 0);
}

int kimage_check(const void *file, size_t len, struct kimage *k, char *err, size_t errlen)
{
	const struct elf64_ehdr *eh = file;
	int e = check_ehdr(eh, len, err, errlen);

	memset(k, 0, sizeof(*k));
	for (unsigned int i = 0; !e && i < eh->e_phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, (const uint8_t *)file + eh->e_phoff + (uint64_t)i * eh->e_phentsize,
		       sizeof(ph));
		if (ph.p_type == ELF_PT_LOAD && ph.p_memsz)
			e = add_segment(k, &ph, len, err, errlen);
	}
	if (e)
		return e;
	if (!k->nsegs)
		return fail(err, errlen, "no loadable segment", 0, 0);
	for (unsigned int i = 0; i < k->nsegs; i++)
		for (unsigned int j = 0; j < i; j++)
			if (k->segs[i].paddr < k->segs[j].paddr + k->segs[j].memsz &&
			    k->segs[j].paddr < k->segs[i].paddr + k->segs[i].memsz)
				return fail(err, errlen, "segments at %#lx and %#lx overlap",
					    k->segs[j].paddr, k->segs[i].paddr);
	return find_entry64(file, len, k, err, errlen);
}
