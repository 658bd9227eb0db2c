/*
 * boot/efi/mbi.c: writes a Multiboot2 boot information block (Multiboot2 spec
 * 1.0, 3.6.1 format, 3.6.3 command line, 3.6.4 modules, 3.6.6 loader name,
 * 3.6.8 memory map, 3.6.12 EFI 64-bit system table, 3.6.14/15 ACPI RSDP,
 * 3.6.16 EFI memory map) from the UEFI memory map (UEFI 2.10, 7.2) and what
 * bivisor.efi loaded. Pure code, unit-tested on the host through kernel/mb2.c.
 */
#include "boot/efi/mbi.h"
#include "kernel/errno.h"
#include "lib/string.h"

/* Multiboot2 3.6.8: one memory map entry */
struct mmap_entry {
	uint64_t base; /* +0 */
	uint64_t len;  /* +8 */
	uint32_t type; /* +16: 1 usable, 2 reserved, 3 ACPI, 4 NVS, 5 bad */
	uint32_t zero; /* +20 */
};
_Static_assert(sizeof(struct mmap_entry) == 24, "Multiboot2 3.6.8");

struct writer {
	uint8_t *buf;
	size_t size, pos;
	int err;
};

#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

/* Starts a tag of type with size bytes (header included); NULL when it does not fit. */
static uint8_t *tag_begin(struct writer *w, uint32_t type, size_t size)
{
	uint8_t *t;

	if (w->err || size > 0xffffffffu || ALIGN8(size) > w->size - w->pos) {
		w->err = w->err ? w->err : -ENOSPC;
		return NULL;
	}
	t = w->buf + w->pos;
	memset(t, 0, ALIGN8(size));
	((uint32_t *)t)[0] = type;
	((uint32_t *)t)[1] = (uint32_t)size;
	w->pos += ALIGN8(size);
	return t;
}

static void tag_string(struct writer *w, uint32_t type, const char *s)
{
	size_t n = strlen(s) + 1;
	uint8_t *t = tag_begin(w, type, 8 + n);

	if (t)
		memcpy(t + 8, s, n);
}

static void tag_module(struct writer *w, const struct mbi_module *m)
{
	size_t n = strlen(m->args) + 1;
	uint8_t *t;

	if (m->end < m->start || m->end > 0xffffffffull) {
		w->err = -EINVAL; /* the tag has 32-bit addresses */
		return;
	}
	t = tag_begin(w, MB2_IT_MODULE, 16 + n);
	if (!t)
		return;
	((uint32_t *)t)[2] = (uint32_t)m->start;
	((uint32_t *)t)[3] = (uint32_t)m->end;
	memcpy(t + 16, m->args, n);
}

uint32_t mbi_mem_type(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA: /* the kernel keeps what it needs: image, modules, this block */
	case EFI_BOOT_CODE:
	case EFI_BOOT_DATA: /* free once boot services have exited */
	case EFI_CONVENTIONAL:
		return 1;
	case EFI_ACPI_RECLAIM:
		return 3;
	case EFI_ACPI_NVS:
		return 4;
	case EFI_UNUSABLE:
		return 5;
	default: /* runtime services, MMIO, reserved, persistent, types we do not know */
		return 2;
	}
}

/* The memory map tag: the EFI map by Multiboot2 type, touching ranges of one type merged. */
static void tag_mmap(struct writer *w, const struct mbi_input *in)
{
	size_t n = in->efi_map_size / in->efi_desc_size, used = 0;
	struct mmap_entry *e;
	uint8_t *t = tag_begin(w, MB2_IT_MMAP, 16 + n * sizeof(*e));

	if (!t)
		return;
	((uint32_t *)t)[2] = sizeof(*e);
	e = (struct mmap_entry *)(t + 16);
	for (size_t i = 0; i < n; i++) {
		const struct efi_mem_desc *d =
			(const void *)((const uint8_t *)in->efi_map + i * in->efi_desc_size);
		uint32_t type = mbi_mem_type(d->type);

		if (!d->pages || d->pages > (~0ull - d->phys) >> 12)
			continue; /* empty, or a length that would wrap */
		if (used && e[used - 1].type == type &&
		    e[used - 1].base + e[used - 1].len == d->phys) {
			e[used - 1].len += d->pages << 12;
			continue;
		}
		e[used++] = (struct mmap_entry){ d->phys, d->pages << 12, type, 0 };
	}
	/* shrink the tag to the entries written; the rest of the reservation goes unused */
	((uint32_t *)t)[1] = (uint32_t)(16 + used * sizeof(*e));
	w->pos = (size_t)(t - w->buf) + ALIGN8(16 + used * sizeof(*e));
}

static void tag_efi(struct writer *w, const struct mbi_input *in)
{
	uint8_t *t = tag_begin(w, MB2_IT_EFI64, 16);

	if (t)
		*(uint64_t *)(t + 8) = in->efi_systab;
	t = tag_begin(w, MB2_IT_EFI_MMAP, 16 + in->efi_map_size);
	if (!t)
		return;
	((uint32_t *)t)[2] = (uint32_t)in->efi_desc_size;
	((uint32_t *)t)[3] = in->efi_desc_version;
	memcpy(t + 16, in->efi_map, in->efi_map_size);
}

size_t mbi_size(const struct mbi_input *in, size_t efi_map_size)
{
	size_t n = 8 + ALIGN8(8 + strlen(in->cmdline) + 1) + ALIGN8(8 + strlen(in->loader) + 1);
	size_t descs = in->efi_desc_size ? efi_map_size / in->efi_desc_size : 0;

	for (unsigned int i = 0; i < in->nmods; i++)
		n += ALIGN8(16 + strlen(in->mods[i].args) + 1);
	n += 16 + descs * sizeof(struct mmap_entry);
	n += in->rsdp ? ALIGN8(8 + in->rsdp_len) : 0;
	n += 16 + ALIGN8(16 + efi_map_size) + 8;
	return n;
}

long mbi_build(void *buf, size_t size, const struct mbi_input *in)
{
	struct writer w = { buf, size, 8, 0 };

	if (size < 16 || (uintptr_t)buf % 8 || !in->efi_desc_size ||
	    in->efi_desc_size < sizeof(struct efi_mem_desc))
		return -EINVAL;
	tag_string(&w, MB2_IT_CMDLINE, in->cmdline);
	tag_string(&w, MB2_IT_LOADER_NAME, in->loader);
	for (unsigned int i = 0; i < in->nmods; i++)
		tag_module(&w, &in->mods[i]);
	tag_mmap(&w, in);
	if (in->rsdp) {
		uint8_t *t = tag_begin(&w, in->rsdp_new ? MB2_IT_ACPI_NEW : MB2_IT_ACPI_OLD,
				       8 + in->rsdp_len);

		if (t)
			memcpy(t + 8, in->rsdp, in->rsdp_len);
	}
	tag_efi(&w, in);
	tag_begin(&w, MB2_IT_END, 8);
	if (w.err)
		return w.err;
	((uint32_t *)buf)[0] = (uint32_t)w.pos;
	((uint32_t *)buf)[1] = 0;
	return (long)w.pos;
}
