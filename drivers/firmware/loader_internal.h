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
#define FW_NAME_LEN 40 /* "virtio-mmio device 31", "Multiboot2 header" */
#define FW_SIZE_LEN 32 /* a 20-digit number and " bytes" */

struct fw_load {
	const struct dm_env *env; /* NULL while probing: nothing is written */
	const uint8_t *image;
	size_t len;
	const char *cmdline; /* never NULL */
	size_t cmdline_len;  /* without the NUL */
	struct fw_boot_cpu *cpu;
	char *err; /* NULL while probing */
	size_t errlen;
	char name[FW_NAME_LEN]; /* the part messages are about (fw_name); "" for the image */
	const struct fw_module *mods;
	unsigned int nmods;
	uint64_t image_end;		  /* end of the highest segment loaded */
	uint32_t mod_gpa[FW_MODULES_MAX]; /* where fw_load_modules put each module */
};

/* File bytes [offset, offset + filesz) go to gpa; [gpa + filesz, gpa + memsz) is zeroed. */
struct fw_segment {
	uint64_t gpa;
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz;
};

/*
 * Writes a one-line reason into ld->err (lib/format.c's conversions, checked
 * by -Wformat) and returns error. A message names the part at fault with
 * "%s" and fw_what(ld), and gives a size with "%s" and FW_SIZE(v).
 */
int fw_fail(struct fw_load *ld, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Names the part later messages are about: what, then index when >= 0 ("ELF segment 2"). */
void fw_name(struct fw_load *ld, const char *what, int index);
/* The name fw_name() gave, or "image" (fw_name(ld, NULL, -1)). */
const char *fw_what(const struct fw_load *ld);
/* v as a message gives a size: "16 MiB" when it is a whole number of a unit, else "4100 bytes". */
const char *fw_size(char buf[FW_SIZE_LEN], uint64_t v);
#define FW_SIZE(v) fw_size((char[FW_SIZE_LEN]){ 0 }, (v))

/* Copies image bytes [off, off + size) to buf; -EINVAL (no message) if outside the image. */
int fw_read(const struct fw_load *ld, uint64_t off, void *buf, size_t size);
/* Checks a segment against the image, 32-bit reach (limit), guest RAM and the loader's areas. */
int fw_check_segment(struct fw_load *ld, const struct fw_segment *s, uint64_t limit);
/* Loads a checked segment and moves ld->image_end past it. */
int fw_load_segment(struct fw_load *ld, const struct fw_segment *s);
/* Copies ld->mods page-aligned above ld->image_end; fills ld->mod_gpa. */
int fw_load_modules(struct fw_load *ld);
/* Module i's command line ("" for NULL). */
const char *fw_module_cmdline(const struct fw_load *ld, unsigned int i);
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
