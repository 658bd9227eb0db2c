/*
 * tests/unit/fw_guest.h: the test host shared by the unit tests of the guest
 * loaders (Multiboot/ELF and Linux) and the ACPI builder: a dm_env over
 * calloc'd guest RAM with the contract's bounds checks, little-endian
 * readers of guest memory, a page-table walk, and the kernel's ACPI parser
 * (arch/x86/acpi.c) mapped onto that RAM. A header of static inline helpers,
 * so each test links only what it tests.
 */
#ifndef TESTS_UNIT_FW_GUEST_H
#define TESTS_UNIT_FW_GUEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/acpi.h"
#include "drivers/dm_env.h"
#include "drivers/firmware/loader.h"
#include "lib/sizes.h"

struct guest {
	uint8_t *ram;
	uint64_t backed; /* bytes of ram; ram_size may claim more (sparse) */
	struct dm_env env;
	struct fw_boot_cpu cpu;
	char err[256];
	struct acpi_env acpi;
	struct acpi_info info; /* large: keep it off the stack */
};

static inline int guest_in(struct guest *g, gpa_t gpa, uint64_t len)
{
	return gpa <= g->backed && len <= g->backed - gpa && gpa + len <= g->env.ram_size;
}

static inline int guest_read(void *ctx, gpa_t gpa, void *buf, size_t len)
{
	struct guest *g = ctx;

	if (!guest_in(g, gpa, len))
		return -EFAULT;
	memcpy(buf, g->ram + gpa, len);
	return 0;
}

static inline int guest_write(void *ctx, gpa_t gpa, const void *buf, size_t len)
{
	struct guest *g = ctx;

	if (!guest_in(g, gpa, len))
		return -EFAULT;
	memcpy(g->ram + gpa, buf, len);
	return 0;
}

static inline void *guest_translate(void *ctx, gpa_t gpa, size_t len)
{
	struct guest *g = ctx;

	return guest_in(g, gpa, len) ? g->ram + gpa : NULL;
}

/* What the kernel's ACPI parser sees: guest RAM, and nothing else. */
static inline const void *guest_acpi_map(void *ctx, uint64_t phys, uint64_t len)
{
	return guest_translate(ctx, phys, len);
}

static inline struct guest *guest_new(uint64_t backed, uint64_t ram_size)
{
	struct guest *g = calloc(1, sizeof(*g));

	assert_non_null(g);
	g->ram = calloc(1, backed);
	assert_non_null(g->ram);
	g->backed = backed;
	g->env = (struct dm_env){ .ctx = g,
				  .mem_read = guest_read,
				  .mem_write = guest_write,
				  .mem_translate = guest_translate,
				  .ram_size = ram_size };
	g->acpi = (struct acpi_env){ .map = guest_acpi_map, .ctx = g };
	return g;
}

static inline void guest_free(struct guest *g)
{
	free(g->ram);
	free(g);
}

static inline uint64_t gle(struct guest *g, uint64_t gpa, unsigned int bytes)
{
	uint64_t v = 0;

	assert_true(gpa + bytes <= g->backed);
	while (bytes--)
		v = v << 8 | g->ram[gpa + bytes];
	return v;
}

#define g8(g, a) gle(g, a, 1)
#define g16(g, a) gle(g, a, 2)
#define g32(g, a) gle(g, a, 4)
#define g64(g, a) gle(g, a, 8)

static inline int ram_is_zero(struct guest *g)
{
	for (uint64_t i = 0; i < g->backed; i++)
		if (g->ram[i])
			return 0;
	return 1;
}

static inline void assert_err_has(struct guest *g, const char *text)
{
	if (!strstr(g->err, text))
		fail_msg("error \"%s\" does not say \"%s\"", g->err, text);
}

static inline uint8_t guest_sum(struct guest *g, uint64_t gpa, uint64_t len)
{
	uint8_t s = 0;

	assert_true(gpa + len <= g->backed);
	for (uint64_t i = 0; i < len; i++)
		s += g->ram[gpa + i];
	return s;
}

/* The address of the table with signature sig that the parser found, or 0. */
static inline uint64_t guest_acpi_table(struct guest *g, const char *sig)
{
	for (unsigned int i = 0; i < g->info.ntables; i++)
		if (!strcmp(g->info.tables[i].sig, sig))
			return g->info.tables[i].phys;
	return 0;
}

/* The guest-physical address va maps to through the guest's page tables (cr3), or UINT64_MAX. */
static inline uint64_t guest_walk(struct guest *g, uint64_t va)
{
	const uint64_t mask = 0x000ffffffffff000ull;
	uint64_t e = g64(g, g->cpu.cr3 + (va >> 39 & 511) * 8);

	if (!(e & 1))
		return UINT64_MAX;
	e = g64(g, (e & mask) + (va >> 30 & 511) * 8);
	if (!(e & 1))
		return UINT64_MAX;
	e = g64(g, (e & mask) + (va >> 21 & 511) * 8);
	if ((e & 0x83) != 0x83)
		return UINT64_MAX;
	return (e & mask & ~(2 * MIB - 1)) | (va & (2 * MIB - 1));
}

#endif
