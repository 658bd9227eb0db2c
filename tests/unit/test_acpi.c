/*
 * tests/unit/test_acpi.c: arch/x86/acpi.c on the ACPI tables QEMU's SeaBIOS
 * built (the dumps in tests/data), loaded into a fake physical memory that
 * maps only whole tables, then on corrupted copies and synthesized XSDT and
 * MADT entries (ACPI 6.4, 5.2.5-5.2.12), and the BIOS search for the RSDP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/acpi.h"
#include "kernel/errno.h"
#include "tests/unit/dump.h"

#define LOW_MEM (1u << 20)

/* A machine: its tables, optional low memory, and what the parser logged. */
struct machine {
	struct dump d;
	unsigned int nr;
	struct dump_blob r[24]; /* the memory: blobs of the dump or made here */
	void *extra[8];
	unsigned int nextra;
	uint8_t *low;
	int nlog;
	char log[16][128];
	struct acpi_env env;
	struct acpi_info info;
};

/* Only ranges fully inside one region (or inside low memory) are memory. */
static const void *fake_map(void *ctx, uint64_t phys, uint64_t len)
{
	struct machine *m = ctx;

	if (m->low && phys < LOW_MEM && len <= LOW_MEM - phys)
		return m->low + phys;
	for (unsigned int i = 0; i < m->nr; i++)
		if (phys >= m->r[i].phys && len <= m->r[i].len &&
		    phys - m->r[i].phys <= m->r[i].len - len)
			return m->r[i].data + (phys - m->r[i].phys);
	return NULL;
}

static void fake_log(void *ctx, const char *msg)
{
	struct machine *m = ctx;

	if (m->nlog < 16)
		strncpy(m->log[m->nlog], msg, sizeof(m->log[0]) - 1);
	m->nlog++;
}

static int log_has(const struct machine *m, const char *part)
{
	for (int i = 0; i < m->nlog && i < 16; i++)
		if (strstr(m->log[i], part))
			return 1;
	return 0;
}

static void add_region(struct machine *m, uint64_t phys, uint8_t *data, size_t len)
{
	assert_true(m->nr < 24);
	m->r[m->nr++] = (struct dump_blob){ .phys = phys, .len = len, .data = data };
}

/* Every blob of the dump but the Multiboot2 block becomes memory. */
static struct machine *machine_load(const char *path)
{
	struct machine *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	assert_int_equal(dump_load(path, &m->d), 0);
	for (unsigned int i = 0; i < m->d.n; i++)
		if (strcmp(m->d.blobs[i].name, "MB2"))
			add_region(m, m->d.blobs[i].phys, m->d.blobs[i].data, m->d.blobs[i].len);
	m->env = (struct acpi_env){ fake_map, fake_log, m };
	return m;
}

/* A new table of len bytes at phys, with the alignment it would have there. */
static uint8_t *machine_new(struct machine *m, uint64_t phys, size_t len)
{
	uint8_t *t;

	assert_true(m->nextra < 8);
	t = dump_alloc_like(phys, len, &m->extra[m->nextra++]);
	memset(t, 0, len);
	add_region(m, phys, t, len);
	return t;
}

static int setup_pc(void **state)
{
	*state = machine_load("tests/data/qemu-pc-smp4.dump");
	return 0;
}

static int teardown(void **state)
{
	struct machine *m = *state;

	dump_free(&m->d);
	for (unsigned int i = 0; i < m->nextra; i++)
		free(m->extra[i]);
	free(m->low);
	free(m);
	return 0;
}

static uint8_t *blob(struct machine *m, const char *name)
{
	struct dump_blob *b = dump_find(&m->d, name);

	assert_non_null(b);
	return b->data;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* Makes the len bytes at t sum to zero by adjusting the byte at t[at]. */
static void fix_sum(uint8_t *t, size_t len, size_t at)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s += t[i];
	t[at] -= s;
}

static void fix_table(uint8_t *t)
{
	fix_sum(t, get32(t + 4), 9);
}

static int parse(struct machine *m)
{
	return acpi_parse(&m->env, blob(m, "RSDP"), &m->info);
}

static void qemu_pc_has_four_cpus_one_ioapic_and_the_pm_timer(void **state)
{
	struct machine *m = *state;

	assert_int_equal(parse(m), 0);
	assert_int_equal(m->info.ncpus, 4);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(m->info.cpus[i].apic_id, i);
		assert_int_equal(m->info.cpus[i].uid, i);
		assert_true(m->info.cpus[i].enabled);
	}
	assert_int_equal(m->info.lapic_addr, 0xfee00000);
	assert_int_equal(m->info.nioapics, 1);
	assert_int_equal(m->info.ioapics[0].addr, 0xfec00000);
	assert_int_equal(m->info.ioapics[0].gsi_base, 0);
	assert_int_equal(m->info.noverrides, 5);
	/* FADT PM_TMR_BLK, offset 76 of the captured FACP: 08 06 00 00 */
	assert_int_equal(get32(blob(m, "FACP") + 76), 0x608);
	assert_int_equal(m->info.pm_timer_port, 0x608);
	assert_int_equal(m->nlog, 0);
}

static void qemu_pc_tables_are_all_listed(void **state)
{
	static const char *const sigs[] = { "FACP", "APIC", "HPET", "WAET" };
	struct machine *m = *state;

	assert_int_equal(parse(m), 0);
	assert_int_equal(m->info.revision, 0);
	assert_string_equal(m->info.oem, "BOCHS ");
	assert_int_equal(m->info.root_phys, dump_find(&m->d, "ROOT")->phys);
	assert_int_equal(m->info.ntables, 4);
	for (int i = 0; i < 4; i++) {
		struct dump_blob *b = dump_find(&m->d, sigs[i]);

		assert_string_equal(m->info.tables[i].sig, sigs[i]);
		assert_int_equal(m->info.tables[i].phys, b->phys);
		assert_int_equal(m->info.tables[i].len, b->len);
	}
}

static void qemu_q35_has_two_cpus(void **state)
{
	struct machine *m = machine_load("tests/data/qemu-q35-smp2.dump");

	*state = m;
	assert_int_equal(parse(m), 0);
	assert_int_equal(m->info.ncpus, 2);
	assert_int_equal(m->info.cpus[1].apic_id, 1);
	assert_int_equal(m->info.nioapics, 1);
	assert_int_equal(m->info.ioapics[0].addr, 0xfec00000);
	assert_int_equal(m->info.ntables, 5); /* FACP APIC HPET MCFG WAET */
	assert_string_equal(m->info.tables[3].sig, "MCFG");
	assert_int_equal(get32(blob(m, "FACP") + 76), 0x608);
	assert_int_equal(m->info.pm_timer_port, 0x608);
}

static void rsdp_with_bad_checksum_or_signature_is_rejected(void **state)
{
	struct machine *m = *state;
	uint8_t *rsdp = blob(m, "RSDP");

	rsdp[8]++;
	assert_int_equal(parse(m), -EINVAL);
	assert_true(log_has(m, "RSDP signature or checksum bad"));
	rsdp[8]--;
	rsdp[7] = '_';
	fix_sum(rsdp, 20, 8);
	assert_int_equal(parse(m), -EINVAL);
	assert_int_equal(acpi_parse(&m->env, NULL, &m->info), -EINVAL);
	assert_int_equal(m->info.ncpus, 0);
}

static void rsdt_with_bad_checksum_is_rejected_and_named(void **state)
{
	struct machine *m = *state;

	blob(m, "ROOT")[9] ^= 0x40;
	assert_int_equal(parse(m), -EINVAL);
	assert_true(log_has(m, "RSDT table checksum bad"));
	assert_true(log_has(m, "no valid XSDT or RSDT"));
	assert_int_equal(m->info.ncpus, 0);
}

static void madt_with_bad_checksum_is_skipped_and_named(void **state)
{
	struct machine *m = *state;

	blob(m, "APIC")[44 + 3] = 7; /* the first CPU's APIC id */
	assert_int_equal(parse(m), -ENOENT);
	assert_true(log_has(m, "APIC table checksum bad"));
	assert_true(log_has(m, "no APIC table"));
	assert_int_equal(m->info.ncpus, 0);
	assert_int_equal(m->info.pm_timer_port, 0x608); /* the FADT still served */
	assert_int_equal(m->info.ntables, 3);
}

static void madt_entry_of_length_zero_or_one_is_rejected(void **state)
{
	struct machine *m = *state;
	uint8_t *madt = blob(m, "APIC");

	madt[52 + 1] = 0; /* the second Local APIC entry */
	fix_table(madt);
	assert_int_equal(parse(m), -EINVAL);
	assert_true(log_has(m, "MADT entry at offset 52 overruns the table"));
	madt[52 + 1] = 1;
	fix_table(madt);
	assert_int_equal(parse(m), -EINVAL);
}

static void madt_entry_running_past_the_table_is_rejected(void **state)
{
	struct machine *m = *state;
	uint8_t *madt = blob(m, "APIC");

	assert_int_equal(madt[138], 4); /* the last entry: Local APIC NMI, 6 bytes */
	madt[139] = 7;
	fix_table(madt);
	assert_int_equal(parse(m), -EINVAL);
	assert_true(log_has(m, "MADT entry at offset 138 overruns the table"));
}

static void rsdt_in_unmapped_memory_is_rejected(void **state)
{
	struct machine *m = *state;
	uint8_t *rsdp = blob(m, "RSDP");

	put32(rsdp + 16, 0x7ff00000);
	fix_sum(rsdp, 20, 8);
	assert_int_equal(parse(m), -EINVAL);
	assert_true(log_has(m, "table at 0x7ff00000 is not in memory"));
}

static void table_in_unmapped_memory_is_skipped(void **state)
{
	struct machine *m = *state;
	uint8_t *rsdt = blob(m, "ROOT");

	put32(rsdt + 36 + 2 * 4, 0xdead0000); /* HPET */
	fix_table(rsdt);
	assert_int_equal(parse(m), 0);
	assert_true(log_has(m, "table at 0xdead0000 is not in memory"));
	assert_int_equal(m->info.ntables, 3);
	assert_int_equal(m->info.ncpus, 4);
}

static void absurd_table_lengths_are_refused(void **state)
{
	struct machine *m = *state;

	put32(blob(m, "FACP") + 4, 0xffffffff);
	assert_int_equal(parse(m), 0);
	assert_true(log_has(m, "FACP table has a bad length 4294967295"));
	assert_int_equal(m->info.pm_timer_port, 0);
	put32(blob(m, "APIC") + 4, 20); /* shorter than a table header */
	assert_int_equal(parse(m), -ENOENT);
	assert_true(log_has(m, "APIC table has a bad length 20"));
	put32(blob(m, "APIC") + 4, 1 << 20); /* allowed, but past the mapped table */
	assert_int_equal(parse(m), -ENOENT);
	assert_true(log_has(m, "APIC table runs out of memory"));
	put32(blob(m, "ROOT") + 4, 0x80000000);
	assert_int_equal(parse(m), -EINVAL);
	assert_true(log_has(m, "RSDT table has a bad length"));
}

/* An ACPI 2.0 RSDP at rsdp_phys and an XSDT listing the RSDT's tables. */
static uint8_t *add_xsdt(struct machine *m, uint64_t xsdt_phys)
{
	const uint8_t *rsdt = blob(m, "ROOT");
	uint8_t *rsdp = machine_new(m, 0x124f00, 36);
	uint8_t *xsdt = machine_new(m, xsdt_phys, 36 + 4 * 8);

	memcpy(rsdp, blob(m, "RSDP"), 20);
	rsdp[15] = 2;
	put32(rsdp + 20, 36);
	memcpy(rsdp + 24, &xsdt_phys, 8);
	fix_sum(rsdp, 20, 8);
	fix_sum(rsdp, 36, 32);
	memcpy(xsdt, rsdt, 36);
	memcpy(xsdt, "XSDT", 4);
	put32(xsdt + 4, 36 + 4 * 8);
	for (int i = 0; i < 4; i++) {
		uint64_t phys = get32(rsdt + 36 + 4 * i);

		memcpy(xsdt + 36 + 8 * i, &phys, 8);
	}
	fix_table(xsdt);
	return rsdp;
}

static void xsdt_is_used_when_the_rsdp_is_revision_2(void **state)
{
	struct machine *m = *state;
	uint8_t *rsdp = add_xsdt(m, 0x1ffe1c24);

	assert_int_equal(acpi_parse(&m->env, rsdp, &m->info), 0);
	assert_int_equal(m->info.revision, 2);
	assert_int_equal(m->info.root_phys, 0x1ffe1c24);
	assert_int_equal(m->info.ntables, 4);
	assert_int_equal(m->info.ncpus, 4);
	assert_int_equal(m->info.pm_timer_port, 0x608);
}

static void bad_xsdt_or_extended_checksum_falls_back_to_the_rsdt(void **state)
{
	struct machine *m = *state;
	uint8_t *rsdp = add_xsdt(m, 0x1ffe1c24);

	m->r[m->nr - 1].data[9]++; /* the XSDT's checksum */
	assert_int_equal(acpi_parse(&m->env, rsdp, &m->info), 0);
	assert_true(log_has(m, "XSDT table checksum bad"));
	assert_int_equal(m->info.root_phys, dump_find(&m->d, "ROOT")->phys);
	assert_int_equal(m->info.ncpus, 4);
	m->r[m->nr - 1].data[9]--;
	rsdp[32]++;
	m->nlog = 0;
	assert_int_equal(acpi_parse(&m->env, rsdp, &m->info), 0);
	assert_true(log_has(m, "RSDP extended checksum bad; trying the RSDT"));
	assert_int_equal(m->info.root_phys, dump_find(&m->d, "ROOT")->phys);
}

static void x2apic_entries_and_the_lapic_override_are_read(void **state)
{
	static const uint8_t entries[] = {
		0, 8,  0, 0, 1, 0,    0,    0,				   /* enabled */
		0, 8,  1, 1, 0, 0,    0,    0,				   /* disabled */
		0, 8,  2, 2, 2, 0,    0,    0,				   /* online capable */
		9, 16, 0, 0, 0, 1,    0,    0,	  1,  0, 0, 0, 7, 0, 0, 0, /* x2APIC 0x100 */
		1, 12, 1, 0, 0, 0x10, 0xc0, 0xfe, 24, 0, 0, 0,		   /* IOAPIC 1 */
		5, 12, 0, 0, 0, 0,    0xe1, 0xfe, 0,  0, 0, 0,		   /* LAPIC override */
		2, 10, 0, 0, 2, 0,    0,    0,	  0,  0,		   /* override */
		0, 6,  3, 3, 1, 0,					   /* too short */
	};
	struct machine *m = *state;
	uint8_t *rsdt = blob(m, "ROOT");
	uint8_t *madt = machine_new(m, 0x1ffe2000, 44 + sizeof(entries));

	memcpy(madt, blob(m, "APIC"), 44);
	put32(madt + 4, 44 + sizeof(entries));
	memcpy(madt + 44, entries, sizeof(entries));
	fix_table(madt);
	put32(rsdt + 36 + 4, 0x1ffe2000);
	fix_table(rsdt);
	assert_int_equal(parse(m), 0);
	assert_int_equal(m->info.ncpus, 4);
	assert_true(m->info.cpus[0].enabled);
	assert_false(m->info.cpus[1].enabled);
	assert_true(m->info.cpus[2].enabled);
	assert_int_equal(m->info.cpus[3].apic_id, 0x100);
	assert_int_equal(m->info.cpus[3].uid, 7);
	assert_int_equal(m->info.nioapics, 1);
	assert_int_equal(m->info.ioapics[0].id, 1);
	assert_int_equal(m->info.ioapics[0].addr, 0xfec01000);
	assert_int_equal(m->info.ioapics[0].gsi_base, 24);
	assert_int_equal(m->info.lapic_addr, 0xfee10000);
	assert_int_equal(m->info.noverrides, 1);
}

/* Low memory with the EBDA segment at 0x40e and the captured RSDP copied in. */
static void low_memory(struct machine *m, uint16_t ebda_seg)
{
	m->low = calloc(1, LOW_MEM);
	assert_non_null(m->low);
	memcpy(m->low + 0x40e, &ebda_seg, 2);
}

static void place_rsdp(struct machine *m, uint64_t phys)
{
	memcpy(m->low + phys, blob(m, "RSDP"), 20);
}

static void rsdp_in_the_ebda_is_found_first(void **state)
{
	struct machine *m = *state;
	uint64_t at;

	low_memory(m, 0x9fc0);
	place_rsdp(m, 0x9fc40);
	place_rsdp(m, 0xf5a60);
	at = acpi_find_rsdp(&m->env);
	assert_int_equal(at, 0x9fc40);
	assert_int_equal(acpi_parse(&m->env, m->low + at, &m->info), 0);
	assert_int_equal(m->info.ncpus, 4);
}

static void rsdp_in_the_bios_area_is_found_on_16_byte_boundaries(void **state)
{
	struct machine *m = *state;

	low_memory(m, 0x9fc0);
	place_rsdp(m, 0x9fc00 + 0x400); /* past the EBDA's first KiB */
	place_rsdp(m, 0xe0008);		/* not on a boundary */
	place_rsdp(m, 0xfffe0);		/* the last paragraph that holds 20 bytes */
	assert_int_equal(acpi_find_rsdp(&m->env), 0xfffe0);
	memset(m->low + 0x40e, 0, 2); /* no EBDA at all */
	place_rsdp(m, 0xf5a60);
	assert_int_equal(acpi_find_rsdp(&m->env), 0xf5a60);
}

static void rsdp_search_without_a_valid_rsdp_returns_zero(void **state)
{
	struct machine *m = *state;

	low_memory(m, 0x9fc0);
	assert_int_equal(acpi_find_rsdp(&m->env), 0);
	place_rsdp(m, 0xe4000);
	m->low[0xe4000 + 8]++; /* checksum */
	assert_int_equal(acpi_find_rsdp(&m->env), 0);
	free(m->low);
	m->low = NULL; /* no low memory mapped at all */
	assert_int_equal(acpi_find_rsdp(&m->env), 0);
}

#define PC_TEST(f) cmocka_unit_test_setup_teardown(f, setup_pc, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		PC_TEST(qemu_pc_has_four_cpus_one_ioapic_and_the_pm_timer),
		PC_TEST(qemu_pc_tables_are_all_listed),
		cmocka_unit_test_teardown(qemu_q35_has_two_cpus, teardown),
		PC_TEST(rsdp_with_bad_checksum_or_signature_is_rejected),
		PC_TEST(rsdt_with_bad_checksum_is_rejected_and_named),
		PC_TEST(madt_with_bad_checksum_is_skipped_and_named),
		PC_TEST(madt_entry_of_length_zero_or_one_is_rejected),
		PC_TEST(madt_entry_running_past_the_table_is_rejected),
		PC_TEST(rsdt_in_unmapped_memory_is_rejected),
		PC_TEST(table_in_unmapped_memory_is_skipped),
		PC_TEST(absurd_table_lengths_are_refused),
		PC_TEST(xsdt_is_used_when_the_rsdp_is_revision_2),
		PC_TEST(bad_xsdt_or_extended_checksum_falls_back_to_the_rsdt),
		PC_TEST(x2apic_entries_and_the_lapic_override_are_read),
		PC_TEST(rsdp_in_the_ebda_is_found_first),
		PC_TEST(rsdp_in_the_bios_area_is_found_on_16_byte_boundaries),
		PC_TEST(rsdp_search_without_a_valid_rsdp_returns_zero),
	};

	return cmocka_run_group_tests_name("test_acpi", tests, NULL, NULL);
}
