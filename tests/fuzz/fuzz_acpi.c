/*
 * tests/fuzz/fuzz_acpi.c: libFuzzer target of arch/x86/acpi.c, the kernel's
 * ACPI table parser. The input is physical memory from FW_BIOS_AREA
 * (0xe0000) up: the RSDP is searched for there as the BIOS places it, or
 * taken from the input's start; every table it points to is mapped from
 * the input too, and any address outside it maps to nothing.
 */
#include <stddef.h>

#include "arch/x86/acpi.h"

#define BIOS_AREA 0xe0000ull

struct mem {
	const uint8_t *p;
	size_t n;
};

static const void *mem_map(void *ctx, uint64_t phys, uint64_t len)
{
	const struct mem *m = ctx;

	if (phys < BIOS_AREA || phys - BIOS_AREA > m->n || len > m->n - (phys - BIOS_AREA))
		return NULL;
	return m->p + (phys - BIOS_AREA);
}

static void log_msg(void *ctx, const char *msg)
{
	(void)ctx, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acpi_info info;
	struct mem m = { data, size };
	const struct acpi_env env = { .map = mem_map, .log = log_msg, .ctx = &m };
	uint64_t rsdp = acpi_find_rsdp(&env);
	const void *p = mem_map(&m, rsdp ? rsdp : BIOS_AREA, 36);

	if (p)
		(void)acpi_parse(&env, p, &info);
	return 0;
}
