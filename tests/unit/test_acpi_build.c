/*
 * tests/unit/test_acpi_build.c: drivers/firmware/acpi.c on a test dm_env: the
 * tables it writes are found by the kernel's own BIOS-area scan and parsed by
 * the kernel's own parser (arch/x86/acpi.c), then read field by field against
 * ACPI 6.4 5.2 (RSDP, XSDT/RSDT, FADT, FACS, MADT entries, the DSDT's \_S5,
 * the SSDT's virtio-mmio devices), checksums included; and every bad
 * platform is refused before a write.
 */
#include "tests/unit/fw_guest.h"

#define RAM_SIZE (2 * MIB)
#define MADT_ENTRIES 44

/* FADT field offsets (ACPI 6.4 table 5.9), read here independently of acpi_tables.h */
#define FADT_FIRMWARE_CTRL 36
#define FADT_DSDT 40
#define FADT_SCI_INT 46
#define FADT_SMI_CMD 48
#define FADT_PM1A_EVT 56
#define FADT_PM1A_CNT 64
#define FADT_PM_TMR 76
#define FADT_PM1_EVT_LEN 88
#define FADT_PM1_CNT_LEN 89
#define FADT_PM_TMR_LEN 91
#define FADT_BOOT_ARCH 109
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_X_FIRMWARE_CTRL 132
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT 172
#define FADT_X_PM_TMR 208
#define FADT_HW_REDUCED (1u << 20)

static const struct fw_virtio_mmio three_virtio[] = {
	{ 0xfeb00000, 512, 5 }, { 0xfeb00200, 512, 17 }, { 0xfeb00400, 512, 5 }, /* shares IRQ 5 */
};

static int setup(void **state)
{
	*state = guest_new(RAM_SIZE, RAM_SIZE);
	return 0;
}

static int teardown(void **state)
{
	guest_free(*state);
	return 0;
}

static struct fw_platform platform(unsigned int ncpus)
{
	struct fw_platform p;

	fw_platform_init(&p, ncpus);
	return p;
}

static int build(struct guest *g, const struct fw_platform *p, uint64_t *rsdp)
{
	return fw_build_acpi(&g->env, p, rsdp, g->err, sizeof(g->err));
}

/* Builds, finds the RSDP by the BIOS scan and parses: what every test starts from. */
static void build_and_parse(struct guest *g, const struct fw_platform *p)
{
	uint64_t rsdp = 1;

	assert_int_equal(build(g, p, &rsdp), 0);
	assert_string_equal(g->err, "");
	assert_int_equal(rsdp, FW_ACPI_RSDP);
	assert_int_equal(acpi_find_rsdp(&g->acpi), rsdp);
	assert_int_equal(acpi_parse(&g->acpi, g->ram + rsdp, &g->info), 0);
}

static uint64_t fadt_of(struct guest *g)
{
	uint64_t fadt = guest_acpi_table(g, "FACP");

	assert_true(fadt);
	return fadt;
}

/* The RSDP and the root tables */

static void rsdp_is_found_by_the_bios_scan_and_leads_to_the_xsdt(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(2);
	uint64_t r = FW_ACPI_RSDP;

	build_and_parse(g, &p);
	assert_true(r >= 0xe0000 && r < 0x100000 && r % 16 == 0);
	assert_memory_equal(g->ram + r, "RSD PTR ", 8);
	assert_int_equal(g->info.revision, 2);
	assert_string_equal(g->info.oem, "BIVSOR");
	assert_int_equal(g->info.root_phys, g64(g, r + 24)); /* through the XSDT */
	assert_memory_equal(g->ram + g->info.root_phys, "XSDT", 4);
	assert_int_equal(g32(g, r + 20), 36);
	assert_memory_equal(g->ram + g32(g, r + 16), "RSDT", 4);
	assert_int_equal(g->info.ntables, 2);
	assert_string_equal(g->info.tables[0].sig, "FACP");
	assert_string_equal(g->info.tables[1].sig, "APIC");
}

static void rsdt_lists_the_same_tables_as_the_xsdt(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(1);
	uint64_t xsdt, rsdt;

	build_and_parse(g, &p);
	xsdt = g64(g, FW_ACPI_RSDP + 24);
	rsdt = g32(g, FW_ACPI_RSDP + 16);
	assert_int_equal(g32(g, xsdt + 4), 36 + 2 * 8);
	assert_int_equal(g32(g, rsdt + 4), 36 + 2 * 4);
	for (unsigned int i = 0; i < 2; i++)
		assert_int_equal(g64(g, xsdt + 36 + 8 * i), g32(g, rsdt + 36 + 4 * i));
	/* an ACPI 1.0 reader, with only the RSDT, finds the MADT too */
	g->ram[FW_ACPI_RSDP + 15] = 0; /* revision 0: ACPI 1.0 */
	g->ram[FW_ACPI_RSDP + 8] += 2; /* and the first checksum still holds */
	assert_int_equal(acpi_parse(&g->acpi, g->ram + FW_ACPI_RSDP, &g->info), 0);
	assert_int_equal(g->info.root_phys, rsdt);
	assert_int_equal(g->info.ncpus, 1);
}

static void every_table_sums_to_zero(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(3);
	uint64_t fadt, dsdt, xsdt, rsdt;

	p.nvirtio = 3;
	p.virtio = three_virtio;
	build_and_parse(g, &p);
	assert_int_equal(guest_sum(g, FW_ACPI_RSDP, 20), 0);
	assert_int_equal(guest_sum(g, FW_ACPI_RSDP, 36), 0);
	for (unsigned int i = 0; i < g->info.ntables; i++)
		assert_int_equal(guest_sum(g, g->info.tables[i].phys, g->info.tables[i].len), 0);
	fadt = fadt_of(g);
	dsdt = g64(g, fadt + FADT_X_DSDT);
	assert_int_equal(guest_sum(g, dsdt, g32(g, dsdt + 4)), 0);
	xsdt = g64(g, FW_ACPI_RSDP + 24);
	rsdt = g32(g, FW_ACPI_RSDP + 16);
	assert_int_equal(g32(g, xsdt + 4), 36 + 3 * 8); /* FADT, MADT, SSDT */
	assert_int_equal(g32(g, rsdt + 4), 36 + 3 * 4);
	assert_int_equal(guest_sum(g, xsdt, g32(g, xsdt + 4)), 0);
	assert_int_equal(guest_sum(g, rsdt, g32(g, rsdt + 4)), 0);
}

/* MADT */

static void madt_lists_every_vcpu_enabled_and_the_ioapic(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(8);

	build_and_parse(g, &p);
	assert_int_equal(g->info.lapic_addr, 0xfee00000);
	assert_int_equal(g->info.ncpus, 8);
	for (unsigned int i = 0; i < 8; i++) {
		assert_int_equal(g->info.cpus[i].apic_id, i);
		assert_int_equal(g->info.cpus[i].uid, i);
		assert_true(g->info.cpus[i].enabled);
	}
	assert_int_equal(g->info.nioapics, 1);
	assert_int_equal(g->info.ioapics[0].addr, 0xfec00000);
	assert_int_equal(g->info.ioapics[0].gsi_base, 0);
	assert_int_equal(g->info.ioapics[0].id, FW_IOAPIC_ID);
	assert_int_equal(g->info.noverrides, 2);		       /* the timer and the SCI */
	assert_int_equal(g32(g, guest_acpi_table(g, "APIC") + 40), 1); /* PCAT_COMPAT */
}

static void madt_of_255_vcpus_fits_and_parses(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(FW_MAX_CPUS);

	build_and_parse(g, &p);
	assert_int_equal(g->info.ncpus, 255);
	assert_int_equal(g->info.cpus[254].apic_id, 254);
}

/* The MADT's entries of one type, in order, as offsets from the table's start. */
static unsigned int madt_find(struct guest *g, uint8_t type, uint64_t *at, unsigned int max)
{
	uint64_t madt = guest_acpi_table(g, "APIC"), len = g32(g, madt + 4);
	unsigned int n = 0;

	for (uint64_t off = MADT_ENTRIES; off < len; off += g8(g, madt + off + 1)) {
		assert_true(g8(g, madt + off + 1) >= 2);
		if (g8(g, madt + off) == type && n < max)
			at[n++] = madt + off;
	}
	return n;
}

static void madt_overrides_route_irq0_to_gsi2_and_make_sci_and_virtio_level(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(2);
	uint64_t e[8], nmi[2];

	p.nvirtio = 3;
	p.virtio = three_virtio;
	build_and_parse(g, &p);
	assert_int_equal(madt_find(g, 2, e, 8), 3); /* IRQ 0, SCI 9, virtio IRQ 5 once */
	assert_int_equal(g8(g, e[0] + 1), 10);
	assert_int_equal(g8(g, e[0] + 2), 0); /* ISA */
	assert_int_equal(g8(g, e[0] + 3), 0);
	assert_int_equal(g32(g, e[0] + 4), 2);
	assert_int_equal(g16(g, e[0] + 8), 0); /* conforms to the bus: edge, high */
	assert_int_equal(g8(g, e[1] + 3), 9);
	assert_int_equal(g32(g, e[1] + 4), 9);
	assert_int_equal(g16(g, e[1] + 8), 0xd); /* level, active high */
	assert_int_equal(g8(g, e[2] + 3), 5);
	assert_int_equal(g32(g, e[2] + 4), 5);
	assert_int_equal(g16(g, e[2] + 8), 0xd);
	assert_int_equal(madt_find(g, 4, nmi, 2), 1); /* LINT1 is NMI on every CPU */
	assert_int_equal(g8(g, nmi[0] + 2), 0xff);
	assert_int_equal(g8(g, nmi[0] + 5), 1);
}

static void madt_without_a_pic_clears_pcat_compat(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(1);

	p.flags = 0;
	build_and_parse(g, &p);
	assert_int_equal(g32(g, guest_acpi_table(g, "APIC") + 40), 0);
}

/* FADT, FACS, DSDT */

static void fadt_has_the_pm_ports_sci_and_dsdt(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(2);
	uint64_t fadt, facs, dsdt;

	build_and_parse(g, &p);
	assert_int_equal(g->info.pm_timer_port, 0x608);
	fadt = fadt_of(g);
	assert_int_equal(g32(g, fadt + 4), 276);
	assert_int_equal(g8(g, fadt + 8), 6);
	assert_int_equal(g16(g, fadt + FADT_SCI_INT), 9);
	assert_int_equal(g32(g, fadt + FADT_SMI_CMD), 0); /* always in ACPI mode */
	assert_int_equal(g32(g, fadt + FADT_PM1A_EVT), 0x600);
	assert_int_equal(g32(g, fadt + FADT_PM1A_CNT), 0x604);
	assert_int_equal(g32(g, fadt + FADT_PM_TMR), 0x608);
	assert_int_equal(g8(g, fadt + FADT_PM1_EVT_LEN), 4);
	assert_int_equal(g8(g, fadt + FADT_PM1_CNT_LEN), 2);
	assert_int_equal(g8(g, fadt + FADT_PM_TMR_LEN), 4);
	assert_int_equal(g8(g, fadt + FADT_X_PM1A_CNT), 1); /* system I/O */
	assert_int_equal(g8(g, fadt + FADT_X_PM1A_CNT + 1), 16);
	assert_int_equal(g64(g, fadt + FADT_X_PM1A_CNT + 4), 0x604);
	assert_int_equal(g64(g, fadt + FADT_X_PM_TMR + 4), 0x608);
	assert_false(g32(g, fadt + FADT_FLAGS) & FADT_HW_REDUCED);
	assert_false(g32(g, fadt + FADT_FLAGS) & (1u << 10)); /* no reset register asked for */
	facs = g32(g, fadt + FADT_FIRMWARE_CTRL);
	dsdt = g32(g, fadt + FADT_DSDT);
	assert_int_equal(g64(g, fadt + FADT_X_FIRMWARE_CTRL), 0); /* or Linux lists it twice */
	assert_int_equal(g64(g, fadt + FADT_X_DSDT), dsdt);
	assert_int_equal(facs % 64, 0);
	assert_memory_equal(g->ram + facs, "FACS", 4);
	assert_int_equal(g32(g, facs + 4), 64);
	assert_memory_equal(g->ram + dsdt, "DSDT", 4);
}

static void fadt_boot_flags_follow_the_platform(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(1);
	uint64_t fadt;

	build_and_parse(g, &p);
	fadt = fadt_of(g);
	/* legacy devices, no VGA, no CMOS RTC, no 8042 */
	assert_int_equal(g16(g, fadt + FADT_BOOT_ARCH), 1 | 4 | 32);
	p.flags = FW_PLAT_PIC | FW_PLAT_RTC | FW_PLAT_I8042;
	p.reset_port = 0xcf9;
	p.reset_value = 6;
	p.pm_tmr_port = 0;
	build_and_parse(g, &p);
	fadt = fadt_of(g);
	assert_int_equal(g16(g, fadt + FADT_BOOT_ARCH), 1 | 2 | 4);
	assert_true(g32(g, fadt + FADT_FLAGS) & (1u << 10));
	assert_int_equal(g8(g, fadt + FADT_RESET_REG), 1);
	assert_int_equal(g64(g, fadt + FADT_RESET_REG + 4), 0xcf9);
	assert_int_equal(g8(g, fadt + FADT_RESET_VALUE), 6);
	assert_int_equal(g32(g, fadt + FADT_PM_TMR), 0);
	assert_int_equal(g8(g, fadt + FADT_PM_TMR_LEN), 0);
	assert_int_equal(g->info.pm_timer_port, 0);
}

/* An AML data object: ZeroOp, OneOp, BytePrefix, WordPrefix (ACPI 6.4 20.2.3). */
static unsigned int aml_integer(const uint8_t *p, uint64_t *v)
{
	switch (p[0]) {
	case 0x00:
		*v = 0;
		return 1;
	case 0x01:
		*v = 1;
		return 1;
	case 0x0a:
		*v = p[1];
		return 2;
	case 0x0b:
		*v = p[1] | p[2] << 8;
		return 3;
	default:
		fail_msg("AML opcode 0x%02x is not a small integer", p[0]);
		return 0;
	}
}

static void dsdt_has_s5_with_the_slp_typ_of_loader_h(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(1);
	uint64_t dsdt, len, v;
	const uint8_t *aml, *s5 = NULL;

	build_and_parse(g, &p);
	dsdt = g64(g, fadt_of(g) + FADT_X_DSDT);
	len = g32(g, dsdt + 4);
	aml = g->ram + dsdt;
	assert_int_equal(g8(g, dsdt + 8), 2); /* 64-bit integers */
	for (uint64_t i = 36; i + 4 <= len && !s5; i++)
		if (!memcmp(aml + i, "_S5_", 4))
			s5 = aml + i + 4;
	assert_non_null(s5);
	assert_int_equal(s5[0], 0x12);	   /* PackageOp */
	assert_int_equal(s5[1] & 0xc0, 0); /* a one-byte PkgLength */
	assert_int_equal(s5[2], 4);	   /* NumElements */
	s5 += 3;
	s5 += aml_integer(s5, &v);
	assert_int_equal(v, FW_ACPI_S5_SLP_TYP); /* SLP_TYPa */
	aml_integer(s5, &v);
	assert_int_equal(v, FW_ACPI_S5_SLP_TYP); /* SLP_TYPb */
	assert_true(FW_ACPI_S5_SLP_TYP <= FW_PM1_CNT_SLP_TYP_MASK >> FW_PM1_CNT_SLP_TYP_SHIFT);
}

static void tables_stay_in_the_bios_area_and_clear_what_was_there(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(FW_MAX_CPUS);
	uint64_t end = 0;

	memset(g->ram + 0xe0000, 0xaa, 0x20000);
	memset(g->ram + 0xdffff, 0x55, 1);
	memset(g->ram + 0x100000, 0x55, 1);
	build_and_parse(g, &p);
	for (unsigned int i = 0; i < g->info.ntables; i++) {
		uint64_t e = g->info.tables[i].phys + g->info.tables[i].len;

		assert_true(g->info.tables[i].phys >= 0xe0000 && e <= 0x100000);
		if (e > end)
			end = e;
	}
	assert_int_equal(g->ram[0xfffff], 0);
	assert_int_equal(g->ram[end], 0);
	assert_int_equal(g->ram[0xdffff], 0x55);
	assert_int_equal(g->ram[0x100000], 0x55);
}

static void platform_defaults_are_the_documented_ports(void **state)
{
	struct fw_platform p;

	(void)state;
	memset(&p, 0x5a, sizeof(p));
	fw_platform_init(&p, 4);
	assert_int_equal(p.ncpus, 4);
	assert_int_equal(p.pm1a_evt_port, 0x600);
	assert_int_equal(p.pm1a_cnt_port, 0x604);
	assert_int_equal(p.pm_tmr_port, 0x608);
	assert_int_equal(p.sci_irq, 9);
	assert_int_equal(p.reset_port, 0);
	assert_int_equal(p.flags, FW_PLAT_PIC | FW_PLAT_VIRTIO_ACPI);
	assert_int_equal(p.nvirtio, 0);
	assert_null(p.virtio);
}

/* SSDT: the virtio-mmio devices */

/* The bytes after the first occurrence of what in the table at t, or NULL. */
static const uint8_t *table_find(struct guest *g, uint64_t t, const char *what, const uint8_t *from)
{
	const uint8_t *end = g->ram + t + g32(g, t + 4), *p = from ? from : g->ram + t + 36;
	size_t n = strlen(what);

	for (; p + n <= end; p++)
		if (!memcmp(p, what, n))
			return p + n;
	return NULL;
}

static void ssdt_lists_each_virtio_device_with_its_registers_and_irq(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(2);
	const uint8_t *hid = NULL, *crs;
	uint64_t ssdt;

	p.nvirtio = 3;
	p.virtio = three_virtio;
	build_and_parse(g, &p);
	assert_int_equal(g->info.ntables, 3);
	ssdt = guest_acpi_table(g, "SSDT");
	assert_true(ssdt);
	assert_int_equal(g8(g, ssdt + 8), 2);
	assert_non_null(table_find(g, ssdt, "\\_SB_", NULL));
	for (unsigned int i = 0; i < 3; i++) {
		char name[5];

		snprintf(name, sizeof(name), "VR%02X", i);
		assert_non_null(table_find(g, ssdt, name, NULL));
		hid = table_find(g, ssdt, "_HID\x0dLNRO0005", hid);
		assert_non_null(hid);
		crs = table_find(g, ssdt, "_CRS", hid);
		assert_non_null(crs);
		/* Buffer (23) { Memory32Fixed, Extended Interrupt, End Tag } */
		assert_int_equal(crs[0], 0x11);
		assert_int_equal(crs[2], 0x0a);
		assert_int_equal(crs[3], 23);
		assert_int_equal(crs[4], 0x86);
		assert_int_equal(crs[7], 1); /* read/write */
		assert_memory_equal(crs + 8, &(uint32_t){ (uint32_t)three_virtio[i].base }, 4);
		assert_memory_equal(crs + 12, &(uint32_t){ 512 }, 4);
		assert_int_equal(crs[16], 0x89);
		/* consumer, level, active high; shared for the two on IRQ 5 */
		assert_int_equal(crs[19], i == 1 ? 0x01 : 0x09);
		assert_int_equal(crs[20], 1);
		assert_memory_equal(crs + 21, &three_virtio[i].irq, 4);
		assert_int_equal(crs[25], 0x79);
	}
	assert_null(table_find(g, ssdt, "_HID", hid));
}

static void devices_meant_for_the_command_line_only_get_no_ssdt(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(2);

	p.nvirtio = 3;
	p.virtio = three_virtio;
	p.flags = FW_PLAT_PIC | FW_PLAT_VIRTIO_CMDLINE;
	build_and_parse(g, &p);
	assert_int_equal(g->info.ntables, 2);
	assert_int_equal(guest_acpi_table(g, "SSDT"), 0);
}

/* Refusals: a reason, and nothing written */

static void refused(struct guest *g, const struct fw_platform *p, int error, const char *why)
{
	uint64_t rsdp = 1;

	assert_int_equal(build(g, p, &rsdp), error);
	assert_err_has(g, why);
	assert_int_equal(rsdp, 0);
	assert_true(ram_is_zero(g));
}

static void bad_vcpu_counts_are_refused(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(0);

	refused(g, &p, -EINVAL, "0 vCPUs: the MADT takes 1 to 255");
	p.ncpus = 256;
	refused(g, &p, -EINVAL, "256 vCPUs");
}

static void bad_pm_ports_and_sci_are_refused(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(1);

	p.pm1a_cnt_port = 0;
	refused(g, &p, -EINVAL, "PM1a event and control ports");
	p = platform(1);
	p.sci_irq = 2;
	refused(g, &p, -EINVAL, "SCI on IRQ 2");
	p.sci_irq = 16;
	refused(g, &p, -EINVAL, "SCI on IRQ 16");
	p.sci_irq = 0;
	refused(g, &p, -EINVAL, "SCI on IRQ 0");
}

static void bad_virtio_devices_are_refused(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(1);
	struct fw_virtio_mmio d[2] = { { 0xfeb00000, 512, 5 }, { 0xfeb00200, 512, 5 } };

	p.virtio = d;
	p.nvirtio = 2;
	d[1].irq = 9;
	refused(g, &p, -EINVAL, "virtio-mmio device 1 has IRQ 9");
	d[1].irq = 24;
	refused(g, &p, -EINVAL, "virtio-mmio device 1 has IRQ 24");
	d[1].irq = 2;
	refused(g, &p, -EINVAL, "IRQ 2");
	d[1].irq = 6;
	d[1].base = RAM_SIZE - 0x1000;
	refused(g, &p, -EINVAL, "virtio-mmio device 1 at 0x1ff000 lies in guest RAM (2 MiB)");
	d[1].base = UINT64_MAX - 100;
	refused(g, &p, -EINVAL, "bad size");
	d[1].base = 0xfffff000;
	d[1].size = 0x2000;
	refused(g, &p, -EINVAL, "virtio-mmio device 1 at 0xfffff000 ends above 4 GiB");
	p.flags &= ~FW_PLAT_VIRTIO_ACPI; /* the command line takes it */
	assert_int_equal(build(g, &p, &(uint64_t){ 0 }), 0);
	memset(g->ram, 0, g->backed);
	d[1].base = 0xfeb00200;
	d[1].size = 0;
	refused(g, &p, -EINVAL, "bad size 0x0");
	p.nvirtio = FW_VIRTIO_MAX + 1;
	refused(g, &p, -EINVAL, "33 virtio-mmio devices");
	p.nvirtio = 1;
	p.virtio = NULL;
	refused(g, &p, -EINVAL, "1 virtio-mmio devices");
}

static void ram_below_the_bios_area_is_refused(void **state)
{
	struct guest *g = guest_new(512 * KIB, 512 * KIB);
	struct fw_platform p = platform(1);

	(void)state;
	refused(g, &p, -ENOMEM, "guest RAM (512 KiB) does not cover the ACPI area at 0xe0000");
	guest_free(g);
}

static void missing_arguments_are_refused(void **state)
{
	struct guest *g = *state;
	struct fw_platform p = platform(1);
	uint64_t rsdp;

	assert_int_equal(fw_build_acpi(NULL, &p, &rsdp, g->err, sizeof(g->err)), -EINVAL);
	assert_int_equal(fw_build_acpi(&g->env, &p, NULL, g->err, sizeof(g->err)), -EINVAL);
	assert_int_equal(fw_build_acpi(&g->env, NULL, &rsdp, g->err, sizeof(g->err)), -EINVAL);
	assert_err_has(g, "no platform");
	assert_int_equal(fw_build_acpi(&g->env, NULL, &rsdp, NULL, 0), -EINVAL);
	assert_true(ram_is_zero(g));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(rsdp_is_found_by_the_bios_scan_and_leads_to_the_xsdt),
		T(rsdt_lists_the_same_tables_as_the_xsdt),
		T(every_table_sums_to_zero),
		T(madt_lists_every_vcpu_enabled_and_the_ioapic),
		T(madt_of_255_vcpus_fits_and_parses),
		T(madt_overrides_route_irq0_to_gsi2_and_make_sci_and_virtio_level),
		T(madt_without_a_pic_clears_pcat_compat),
		T(fadt_has_the_pm_ports_sci_and_dsdt),
		T(fadt_boot_flags_follow_the_platform),
		T(dsdt_has_s5_with_the_slp_typ_of_loader_h),
		T(tables_stay_in_the_bios_area_and_clear_what_was_there),
		T(ssdt_lists_each_virtio_device_with_its_registers_and_irq),
		T(devices_meant_for_the_command_line_only_get_no_ssdt),
		T(platform_defaults_are_the_documented_ports),
		T(bad_vcpu_counts_are_refused),
		T(bad_pm_ports_and_sci_are_refused),
		T(bad_virtio_devices_are_refused),
		T(ram_below_the_bios_area_is_refused),
		T(missing_arguments_are_refused),
	};

	return cmocka_run_group_tests_name("test_acpi_build", tests, NULL, NULL);
}
