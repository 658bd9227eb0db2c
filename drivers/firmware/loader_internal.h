/*
 * drivers/firmware/loader_internal.h: what loader.c, elf.c, multiboot.c,
 * linux.c and acpi.c share and nobody else calls: the state of one load, the
 * error message builder, the checked copy of an image range into guest memory.
 */
#ifndef DRIVERS_FIRMWARE_LOADER_INTERNAL_H
#define DRIVERS_FIRMWARE_LOADER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/dm_env.h"
#include "drivers/firmware/loader.h"

#define FW_4G (1ull << 32)

struct fw_load {
	const struct dm_env *env; /* NULL while probing: nothing is written */
	const uint8_t *image;
	size_t len;
	const char *cmdline; /* never NULL */
	size_t cmdline_len;  /* without the NUL */
	struct fw_boot_cpu *cpu;
	char *err; /* NULL while probing */
	size_t errlen;
	const char *what; /* what "%s" names in a message... */
	int what_index;	  /* ...followed by this number when >= 0 */
};

/* File bytes [offset, offset + filesz) go to gpa; [gpa + filesz, gpa + memsz) is zeroed. */
struct fw_segment {
	uint64_t gpa;
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz;
};

/*
 * Writes a one-line reason into ld->err and returns error. fmt takes %x (hex
 * with 0x), %u (decimal), %m (a size: "16 MiB") for the uint64_t arguments in
 * order, and %s for ld->what.
 */
int fw_fail_args(struct fw_load *ld, int error, const char *fmt, const uint64_t *args);
#define fw_fail(ld, error, fmt, ...)                                                               \
	fw_fail_args(ld, error, fmt, (const uint64_t[]){ 0, __VA_ARGS__ } + 1)

static inline void fw_name(struct fw_load *ld, const char *what, int index)
{
	ld->what = what;
	ld->what_index = index;
}

/* Copies image bytes [off, off + size) to buf; -EINVAL (no message) if outside the image. */
int fw_read(const struct fw_load *ld, uint64_t off, void *buf, size_t size);
/* Checks a segment against the image, 32-bit reach (limit), guest RAM and the loader's areas. */
int fw_check_segment(struct fw_load *ld, const struct fw_segment *s, uint64_t limit);
int fw_load_segment(struct fw_load *ld, const struct fw_segment *s);
int fw_write(struct fw_load *ld, gpa_t gpa, const void *buf, size_t size);
int fw_zero(struct fw_load *ld, gpa_t gpa, uint64_t size);
size_t fw_strnlen(const char *s, size_t max);
/*
 * Zeroes [FW_BOOTINFO_BASE, FW_BOOTINFO_LIMIT), writes the GDT for mode with
 * the code descriptor at code_sel and the data descriptor at data_sel (both
 * multiples of 8 below 0x20), sets ld->cpu's GDTR and selectors.
 */
int fw_setup_low_memory(struct fw_load *ld, enum fw_cpu_mode mode, uint16_t code_sel,
			uint16_t data_sel);
/* The identity map of a 64-bit entry: -E2BIG (with a reason) if RAM is too large for it. */
int fw_check_identity_map(struct fw_load *ld);
/* Writes it at FW_PAGE_TABLES (after fw_setup_low_memory) and sets ld->cpu->cr3. */
int fw_write_identity_map(struct fw_load *ld);

/* elf.c: true for a file that starts with the ELF magic; for an ELF64 x86-64 ET_EXEC. */
int elf_has_magic(const struct fw_load *ld);
int elf_is_exec64(const struct fw_load *ld);
/*
 * Checks, then loads the PT_LOAD segments at p_paddr. prot32: ELF32 or ELF64,
 * below 4 GiB; else ELF64 only. *entry: in, when have_entry, a physical entry
 * to check against the segments; out, e_entry made physical through its segment.
 */
int elf_load(struct fw_load *ld, int prot32, int have_entry, uint64_t *entry);

/* multiboot.c: 1 and the header's offset, 0 when none, or -EINVAL for a broken one. */
int mb1_find(struct fw_load *ld, size_t *off);
int mb2_find(struct fw_load *ld, size_t *off);
int mb1_load(struct fw_load *ld, size_t off);
int mb2_load(struct fw_load *ld, size_t off);
/* Writes the Multiboot2 information at FW_BOOTINFO_BASE; *info is its address. */
int mb2_write_info(struct fw_load *ld, gpa_t *info);

/* True for an image with a bzImage's boot flag and "HdrS" magic (boot.rst). */
int fw_linux_has_header(const struct fw_load *ld);

/* acpi.c: checks plat (the reason in ld->err); then writes the tables. */
int fw_acpi_check(struct fw_load *ld, const struct fw_platform *plat);
int fw_acpi_write(struct fw_load *ld, const struct fw_platform *plat);

#endif
