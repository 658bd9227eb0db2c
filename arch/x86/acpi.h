/*
 * arch/x86/acpi.h: the machine's ACPI tables as the kernel needs them: the
 * CPUs and IOAPICs of the MADT and the PM timer port of the FADT. The parser
 * is pure (host unit tests on captured tables); memory is reached through a
 * mapping callback that bounds-checks every table.
 */
#ifndef ARCH_X86_ACPI_H
#define ARCH_X86_ACPI_H

#include <stdint.h>

#define ACPI_MAX_CPUS 256
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_TABLES 32

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;
	int enabled;
};

struct acpi_ioapic {
	uint32_t id;
	uint32_t addr;
	uint32_t gsi_base;
};

struct acpi_table_ref {
	char sig[5];
	uint64_t phys;
	uint32_t len;
};

struct acpi_info {
	int revision; /* of the RSDP: 0 for ACPI 1.0 (RSDT), 2 and up (XSDT) */
	char oem[7];
	uint64_t root_phys;
	unsigned int ntables;
	struct acpi_table_ref tables[ACPI_MAX_TABLES];
	uint64_t lapic_addr;
	unsigned int ncpus;
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned int nioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned int noverrides;
	uint16_t pm_timer_port;
};

/* Returns a pointer to len bytes at phys, or NULL if that is not RAM/ROM. */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t phys, uint64_t len);
/* Receives one message per problem found ("XSDT checksum bad", ...). */
typedef void (*acpi_log_fn)(void *ctx, const char *msg);

struct acpi_env {
	acpi_map_fn map;
	acpi_log_fn log;
	void *ctx;
};

/*
 * Searches for the RSDP the BIOS way: the first KiB of the EBDA, then
 * 0xE0000-0xFFFFF (ACPI 6.4 section 5.2.5.1). Returns its address or 0.
 */
uint64_t acpi_find_rsdp(const struct acpi_env *env);

/*
 * Parses from the RSDP. Returns 0, or -EINVAL (bad RSDP or root table) or
 * -ENOENT (no MADT); problems are reported through env->log.
 */
int acpi_parse(const struct acpi_env *env, const void *rsdp, struct acpi_info *out);

#endif
