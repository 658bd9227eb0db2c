/*
 * drivers/firmware/acpi.c: the ACPI tables of a bivisor guest (ACPI 6.4
 * chapter 5.2: RSDP, XSDT and RSDT, FADT, FACS, DSDT, MADT), written into the
 * reserved BIOS area below 1 MiB, where an OS finds the RSDP by the scan of
 * 5.2.5.1. The DSDT is drivers/firmware/dsdt.asl, compiled by iasl at build
 * time; the SSDT that lists the virtio-mmio devices is encoded here (AML of
 * chapter 20, resource descriptors of 6.4.3). Every table but the FACS (which
 * has none) is checksummed.
 */
#include "drivers/firmware/acpi_tables.h"
#include "drivers/firmware/loader_internal.h"

#include "dsdt_aml.h" /* build/firmware/: static const unsigned char dsdt_aml_code[] */

#define TABLE_ALIGN 16
#define ISA_IRQS 16
#define TIMER_IRQ 0 /* the PIT's ISA IRQ 0 is wired to IOAPIC input 2 */
#define TIMER_GSI 2
#define NMI_LINT 1	  /* LINT1 of every LAPIC takes NMI, as on a PC */
#define MAX_ROOT_TABLES 3 /* FADT, MADT, SSDT */

/* AML (ACPI 6.4 20.2) and resource descriptors (6.4.3) of the SSDT */
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_STRING_PREFIX 0x0d
#define AML_SCOPE_OP 0x10
#define AML_BUFFER_OP 0x11
#define AML_EXT_OP 0x5b
#define AML_DEVICE_OP 0x82 /* after AML_EXT_OP */
#define AML_ROOT_CHAR '\\'
#define RES_MEMORY32_FIXED 0x86
#define RES_EXT_IRQ 0x89
#define RES_END_TAG 0x79
#define RES_READ_WRITE 1
#define RES_IRQ_CONSUMER (1u << 0)
#define RES_IRQ_SHARED (1u << 3)   /* level (bit 1 clear), active high (bit 2 clear) */
#define VIRTIO_MMIO_HID "LNRO0005" /* what Linux's virtio_mmio matches in ACPI */
#define VIRTIO_CRS_LEN 23	   /* Memory32Fixed 12, Extended Interrupt 9, End Tag 2 */
#define VIRTIO_DEVICE_MAX 64	   /* bytes of a Device's body (58) */
_Static_assert(5 + FW_VIRTIO_MAX * 61 + 2 < 4096, "the SSDT's Scope fits a 2-byte PkgLength");

/* Appends tables from pos; the first failed write sticks, later ones are skipped. */
struct table_out {
	struct fw_load *ld;
	gpa_t pos;
	gpa_t start; /* of the table being written */
	uint8_t sum; /* of its bytes so far */
	int ret;
};

static uint8_t byte_sum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (n--)
		s += *b++;
	return s;
}

static void copy_str(char *dst, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
}

static void out_put(struct table_out *o, const void *data, size_t n)
{
	if (!o->ret && o->pos + n > FW_HIGH_RAM)
		o->ret = fw_fail(o->ld, -E2BIG, "ACPI tables run past 0x%llx", FW_HIGH_RAM);
	if (!o->ret)
		o->ret = fw_write(o->ld, o->pos, data, n);
	o->sum += byte_sum(data, n);
	o->pos += n;
}

static gpa_t out_align(struct table_out *o, uint64_t align)
{
	o->pos = (o->pos + align - 1) & ~(align - 1);
	return o->pos;
}

/* A table with the common header: begin leaves room for it, end fills it in. */
static void table_begin(struct table_out *o)
{
	o->start = out_align(o, TABLE_ALIGN);
	o->pos += sizeof(struct acpi_header);
	o->sum = 0;
}

static gpa_t table_end(struct table_out *o, const char *sig, uint8_t revision)
{
	struct acpi_header h = { .length = (uint32_t)(o->pos - o->start),
				 .revision = revision,
				 .oem_revision = 1,
				 .creator_revision = 1 };
	gpa_t end = o->pos;

	copy_str(h.signature, sig, sizeof(h.signature));
	copy_str(h.oem_id, ACPI_OEM_ID, sizeof(h.oem_id));
	copy_str(h.oem_table_id, ACPI_OEM_TABLE_ID, sizeof(h.oem_table_id));
	copy_str(h.creator_id, ACPI_CREATOR_ID, sizeof(h.creator_id));
	h.checksum = (uint8_t) - (o->sum + byte_sum(&h, sizeof(h)));
	o->pos = o->start;
	out_put(o, &h, sizeof(h));
	o->pos = end;
	return o->start;
}

static gpa_t write_facs(struct table_out *o)
{
	struct acpi_facs f = { .length = sizeof(f), .version = 2 };
	gpa_t at = out_align(o, ACPI_FACS_ALIGN);

	copy_str(f.signature, "FACS", sizeof(f.signature));
	out_put(o, &f, sizeof(f));
	return at;
}

/* iasl's output is a whole table, checksum included. */
static gpa_t write_dsdt(struct table_out *o)
{
	gpa_t at = out_align(o, TABLE_ALIGN);

	out_put(o, dsdt_aml_code, sizeof(dsdt_aml_code));
	return at;
}

static struct acpi_gas gas_io(uint16_t port, uint8_t bytes, uint8_t access)
{
	return (struct acpi_gas){ ACPI_GAS_IO, (uint8_t)(8 * bytes), 0, access, port };
}

static uint16_t fadt_boot_arch(const struct fw_platform *plat)
{
	uint16_t arch = ACPI_IAPC_LEGACY_DEVICES | ACPI_IAPC_NO_VGA; /* COM1, no display */

	if (plat->flags & FW_PLAT_I8042)
		arch |= ACPI_IAPC_8042;
	if (!(plat->flags & FW_PLAT_RTC))
		arch |= ACPI_IAPC_NO_CMOS_RTC;
	return arch;
}

/* Always in ACPI mode (no SMI_CMD), no GPE blocks, no C2/C3, PM timer 24-bit. */
static void fadt_fill(struct acpi_fadt *f, const struct fw_platform *plat, gpa_t facs, gpa_t dsdt)
{
	f->firmware_ctrl = (uint32_t)facs; /* X_FIRMWARE_CTRL too would list the FACS twice */
	f->dsdt = (uint32_t)dsdt;
	f->x_dsdt = dsdt;
	f->sci_int = plat->sci_irq;
	f->pm1a_evt_blk = plat->pm1a_evt_port;
	f->pm1_evt_len = 4;
	f->x_pm1a_evt_blk = gas_io(plat->pm1a_evt_port, 4, ACPI_ACCESS_WORD);
	f->pm1a_cnt_blk = plat->pm1a_cnt_port;
	f->pm1_cnt_len = 2;
	f->x_pm1a_cnt_blk = gas_io(plat->pm1a_cnt_port, 2, ACPI_ACCESS_WORD);
	if (plat->pm_tmr_port) {
		f->pm_tmr_blk = plat->pm_tmr_port;
		f->pm_tmr_len = 4;
		f->x_pm_tmr_blk = gas_io(plat->pm_tmr_port, 4, ACPI_ACCESS_DWORD);
	}
	f->p_lvl2_lat = ACPI_FADT_P_LVL2_NONE;
	f->p_lvl3_lat = ACPI_FADT_P_LVL3_NONE;
	f->century = plat->flags & FW_PLAT_RTC ? ACPI_RTC_CENTURY : 0;
	f->iapc_boot_arch = fadt_boot_arch(plat);
	f->flags = ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_PWR_BUTTON |
		   ACPI_FADT_SLP_BUTTON | ACPI_FADT_FIX_RTC;
	if (plat->reset_port) {
		f->flags |= ACPI_FADT_RESET_REG_SUP;
		f->reset_reg = gas_io(plat->reset_port, 1, ACPI_ACCESS_BYTE);
		f->reset_value = plat->reset_value;
	}
	copy_str(f->hypervisor_vendor, "bivisor", sizeof("bivisor"));
}

static gpa_t write_fadt(struct table_out *o, const struct fw_platform *plat, gpa_t facs, gpa_t dsdt)
{
	struct acpi_fadt f = { 0 };

	fadt_fill(&f, plat, facs, dsdt);
	table_begin(o);
	out_put(o, (const uint8_t *)&f + sizeof(f.header), sizeof(f) - sizeof(f.header));
	return table_end(o, "FACP", ACPI_FADT_REVISION);
}

static void madt_override(struct table_out *o, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	struct acpi_madt_override e = { ACPI_MADT_OVERRIDE, sizeof(e), 0, irq, gsi, flags };

	out_put(o, &e, sizeof(e));
}

/* A level, active-high override for each distinct ISA IRQ of a virtio device. */
static void madt_virtio_overrides(struct table_out *o, const struct fw_platform *plat)
{
	for (unsigned int i = 0; i < plat->nvirtio; i++) {
		uint32_t irq = plat->virtio[i].irq;
		unsigned int j = 0;

		while (j < i && plat->virtio[j].irq != irq)
			j++;
		if (irq < ISA_IRQS && j == i)
			madt_override(o, (uint8_t)irq, irq, ACPI_MPS_HIGH_LEVEL);
	}
}

static gpa_t write_madt(struct table_out *o, const struct fw_platform *plat)
{
	struct acpi_madt m = { .lapic_addr = FW_LAPIC_BASE };
	struct acpi_madt_ioapic io = { ACPI_MADT_IOAPIC, sizeof(io), FW_IOAPIC_ID, 0,
				       FW_IOAPIC_BASE,	 0 };
	struct acpi_madt_lapic_nmi nmi = { ACPI_MADT_LAPIC_NMI, sizeof(nmi), ACPI_MADT_ALL_CPUS,
					   ACPI_MPS_CONFORMS, NMI_LINT };

	m.flags = plat->flags & FW_PLAT_PIC ? ACPI_MADT_PCAT_COMPAT : 0;
	table_begin(o);
	out_put(o, (const uint8_t *)&m + sizeof(m.header), sizeof(m) - sizeof(m.header));
	for (unsigned int i = 0; i < plat->ncpus; i++) {
		struct acpi_madt_lapic c = { ACPI_MADT_LAPIC, sizeof(c), (uint8_t)i, (uint8_t)i,
					     ACPI_MADT_ENABLED };

		out_put(o, &c, sizeof(c));
	}
	out_put(o, &io, sizeof(io));
	madt_override(o, TIMER_IRQ, TIMER_GSI, ACPI_MPS_CONFORMS);
	madt_override(o, plat->sci_irq, plat->sci_irq, ACPI_MPS_HIGH_LEVEL);
	madt_virtio_overrides(o, plat);
	out_put(o, &nmi, sizeof(nmi));
	return table_end(o, "APIC", ACPI_MADT_REVISION);
}

/* A PkgLength (20.2.4) for a body of len bytes (below 4 KiB); returns its size. */
static size_t aml_pkglen(uint8_t *p, size_t len)
{
	if (len + 1 < 0x40) {
		p[0] = (uint8_t)(len + 1);
		return 1;
	}
	len += 2;
	p[0] = (uint8_t)(0x40 | (len & 0xf));
	p[1] = (uint8_t)(len >> 4);
	return 2;
}

static size_t aml_put(uint8_t *p, const void *data, size_t n)
{
	copy_str((char *)p, data, n);
	return n;
}

/* NameOp and a NameSeg of 4 characters; the object follows. */
static size_t aml_name(uint8_t *p, const char *seg)
{
	p[0] = AML_NAME_OP;
	copy_str((char *)p + 1, seg, 4);
	return 5;
}

static size_t put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
	return 4;
}

/* _CRS: the registers (Memory32Fixed) and the interrupt (Extended Interrupt). */
static size_t virtio_crs(uint8_t *p, const struct fw_virtio_mmio *d, int shared)
{
	size_t n = 0;

	p[n++] = RES_MEMORY32_FIXED;
	p[n++] = 9; /* length, low byte */
	p[n++] = 0;
	p[n++] = RES_READ_WRITE;
	n += put_le32(p + n, (uint32_t)d->base);
	n += put_le32(p + n, (uint32_t)d->size);
	p[n++] = RES_EXT_IRQ;
	p[n++] = 6;
	p[n++] = 0;
	p[n++] = (uint8_t)(RES_IRQ_CONSUMER | (shared ? RES_IRQ_SHARED : 0));
	p[n++] = 1; /* one interrupt */
	n += put_le32(p + n, d->irq);
	p[n++] = RES_END_TAG;
	p[n++] = 0; /* checksum 0: the descriptors are taken as correct */
	return n;
}

/*
 * Device (VRnn) { Name (_HID, "LNRO0005") Name (_UID, nn)
 *                 Name (_CRS, ResourceTemplate () { ... }) }
 */
static size_t virtio_device(uint8_t *out, const struct fw_platform *plat, unsigned int i)
{
	uint8_t body[VIRTIO_DEVICE_MAX];
	size_t n = 0, m = 0;
	int shared = 0;

	for (unsigned int j = 0; j < plat->nvirtio; j++)
		shared |= j != i && plat->virtio[j].irq == plat->virtio[i].irq;
	body[n++] = 'V';
	body[n++] = 'R';
	body[n++] = "0123456789ABCDEF"[i >> 4 & 0xf];
	body[n++] = "0123456789ABCDEF"[i & 0xf];
	n += aml_name(body + n, "_HID");
	body[n++] = AML_STRING_PREFIX;
	n += aml_put(body + n, VIRTIO_MMIO_HID, sizeof(VIRTIO_MMIO_HID)); /* with its NUL */
	n += aml_name(body + n, "_UID");
	body[n++] = AML_BYTE_PREFIX;
	body[n++] = (uint8_t)i;
	n += aml_name(body + n, "_CRS");
	body[n++] = AML_BUFFER_OP;
	n += aml_pkglen(body + n, 2 + VIRTIO_CRS_LEN);
	body[n++] = AML_BYTE_PREFIX;
	body[n++] = VIRTIO_CRS_LEN;
	n += virtio_crs(body + n, &plat->virtio[i], shared);
	out[m++] = AML_EXT_OP;
	out[m++] = AML_DEVICE_OP;
	m += aml_pkglen(out + m, n);
	return m + aml_put(out + m, body, n);
}

/* Scope (\_SB) { the devices }: what Linux's ACPI scan turns into platform devices. */
static gpa_t write_ssdt(struct table_out *o, const struct fw_platform *plat)
{
	uint8_t dev[VIRTIO_DEVICE_MAX + 4], scope[8];
	size_t n = 0, len = 0;

	for (unsigned int i = 0; i < plat->nvirtio; i++)
		len += virtio_device(dev, plat, i);
	scope[n++] = AML_SCOPE_OP;
	n += aml_pkglen(scope + n, 5 + len);
	scope[n++] = AML_ROOT_CHAR;
	n += aml_put(scope + n, "_SB_", 4);
	table_begin(o);
	out_put(o, scope, n);
	for (unsigned int i = 0; i < plat->nvirtio; i++)
		out_put(o, dev, virtio_device(dev, plat, i));
	return table_end(o, "SSDT", 2);
}

/* The XSDT (8-byte entries) or the RSDT (4-byte entries) of n tables. */
static gpa_t write_root(struct table_out *o, int wide, const gpa_t *tables, unsigned int n)
{
	table_begin(o);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t a = tables[i];

		out_put(o, &a, wide ? 8 : 4); /* little-endian: the low half first */
	}
	return table_end(o, wide ? "XSDT" : "RSDT", 1);
}

static void write_rsdp(struct table_out *o, gpa_t xsdt, gpa_t rsdt)
{
	struct acpi_rsdp r = {
		.revision = 2, .rsdt = (uint32_t)rsdt, .length = sizeof(r), .xsdt = xsdt
	};

	copy_str(r.signature, "RSD PTR ", sizeof(r.signature));
	copy_str(r.oem_id, ACPI_OEM_ID, sizeof(r.oem_id));
	r.checksum = (uint8_t)-byte_sum(&r, ACPI_RSDP_CHECKSUM_LEN);
	r.ext_checksum = (uint8_t)-byte_sum(&r, sizeof(r));
	o->pos = FW_ACPI_RSDP;
	out_put(o, &r, sizeof(r));
}

int fw_acpi_write(struct fw_load *ld, const struct fw_platform *plat)
{
	struct table_out o = { ld, FW_ACPI_RSDP + sizeof(struct acpi_rsdp), 0, 0, 0 };
	gpa_t facs, dsdt, tables[MAX_ROOT_TABLES], xsdt, rsdt;
	unsigned int n = 0;

	o.ret = fw_zero(ld, FW_BIOS_AREA, FW_HIGH_RAM - FW_BIOS_AREA);
	facs = write_facs(&o);
	dsdt = write_dsdt(&o);
	tables[n++] = write_fadt(&o, plat, facs, dsdt);
	tables[n++] = write_madt(&o, plat);
	if (plat->nvirtio && (plat->flags & FW_PLAT_VIRTIO_ACPI))
		tables[n++] = write_ssdt(&o, plat);
	xsdt = write_root(&o, 1, tables, n);
	rsdt = write_root(&o, 0, tables, n);
	write_rsdp(&o, xsdt, rsdt);
	return o.ret;
}

static int check_virtio(struct fw_load *ld, const struct fw_platform *plat, unsigned int i)
{
	const struct fw_virtio_mmio *d = &plat->virtio[i];

	fw_name(ld, "virtio-mmio device", (int)i);
	if (!d->size || d->base + d->size < d->base)
		return fw_fail(ld, -EINVAL, "%s at 0x%lx has a bad size 0x%lx", fw_what(ld),
			       d->base, d->size);
	if (d->base < ld->env->ram_size)
		return fw_fail(ld, -EINVAL, "%s at 0x%lx lies in guest RAM (%s)", fw_what(ld),
			       d->base, FW_SIZE(ld->env->ram_size));
	if ((plat->flags & FW_PLAT_VIRTIO_ACPI) && d->base + d->size > FW_4G)
		return fw_fail(ld, -EINVAL,
			       "%s at 0x%lx ends above 4 GiB, beyond an ACPI Memory32Fixed",
			       fw_what(ld), d->base);
	if (d->irq >= FW_IOAPIC_PINS || d->irq == TIMER_IRQ || d->irq == TIMER_GSI ||
	    d->irq == plat->sci_irq)
		return fw_fail(ld, -EINVAL,
			       "%s has IRQ %u: not an IOAPIC input (0-%u) free of the timer (0, "
			       "2) and the SCI (%u)",
			       fw_what(ld), d->irq, FW_IOAPIC_PINS - 1, plat->sci_irq);
	return 0;
}

int fw_acpi_check(struct fw_load *ld, const struct fw_platform *plat)
{
	int ret = 0;

	if (!plat)
		return fw_fail(ld, -EINVAL, "no platform to describe in ACPI");
	if (ld->env->ram_size < FW_HIGH_RAM)
		return fw_fail(ld, -ENOMEM, "guest RAM (%s) does not cover the ACPI area at 0x%llx",
			       FW_SIZE(ld->env->ram_size), FW_BIOS_AREA);
	if (!plat->ncpus || plat->ncpus > FW_MAX_CPUS)
		return fw_fail(ld, -EINVAL, "%u vCPUs: the MADT takes 1 to %u", plat->ncpus,
			       FW_MAX_CPUS);
	if (!plat->pm1a_evt_port || !plat->pm1a_cnt_port)
		return fw_fail(ld, -EINVAL, "the FADT needs PM1a event and control ports");
	if (!plat->sci_irq || plat->sci_irq == TIMER_GSI || plat->sci_irq >= ISA_IRQS)
		return fw_fail(ld, -EINVAL, "SCI on IRQ %u: it must be an ISA IRQ 1-15 but 2",
			       plat->sci_irq);
	if (plat->nvirtio > FW_VIRTIO_MAX || (plat->nvirtio && !plat->virtio))
		return fw_fail(ld, -EINVAL, "%u virtio-mmio devices: up to %u, in an array",
			       plat->nvirtio, FW_VIRTIO_MAX);
	for (unsigned int i = 0; !ret && i < plat->nvirtio; i++)
		ret = check_virtio(ld, plat, i);
	fw_name(ld, NULL, -1);
	return ret;
}

void fw_platform_init(struct fw_platform *plat, unsigned int ncpus)
{
	*plat = (struct fw_platform){ .ncpus = ncpus,
				      .pm1a_evt_port = FW_PM1A_EVT_PORT,
				      .pm1a_cnt_port = FW_PM1A_CNT_PORT,
				      .pm_tmr_port = FW_PM_TMR_PORT,
				      .sci_irq = FW_SCI_IRQ,
				      .flags = FW_PLAT_PIC | FW_PLAT_VIRTIO_ACPI };
}

int fw_build_acpi(const struct dm_env *env, const struct fw_platform *plat, uint64_t *rsdp_gpa,
		  char *err, size_t errlen)
{
	struct fw_load ld = { .env = env, .cmdline = "", .err = err, .errlen = errlen };
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!env || !env->mem_write || !rsdp_gpa)
		return fw_fail(&ld, -EINVAL, "ACPI builder called without a guest or a result");
	*rsdp_gpa = 0;
	ret = fw_acpi_check(&ld, plat);
	if (!ret)
		ret = fw_acpi_write(&ld, plat);
	if (!ret)
		*rsdp_gpa = FW_ACPI_RSDP;
	return ret;
}
