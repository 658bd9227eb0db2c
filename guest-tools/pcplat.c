/*
 * guest-tools/pcplat.c: the PC a standard test kernel expects, read the way
 * such kernels read it: QEMU's fw_cfg (QEMU docs/specs/fw_cfg.rst: the
 * signature, the CPU count, the RAM size, etc/e820, a DMA read), ACPI (the
 * RSDP, the MADT's CPUs and PCAT_COMPAT, the FADT's PM timer, ACPI 6.4
 * 5.2), argv[0] on the Multiboot command line (Multiboot 0.6.96 3.3), a PCI
 * scan of bus 0 by configuration mechanism #1 (PCI 3.0 3.2.2.3.2), and ISA
 * IRQ 0 from the 8254 through the 8259 pair (8259A data sheet), latched
 * while masked and waking a halted CPU; ISA line 14 raised through QEMU's
 * pc-testdev (port 0x2000 + line, as kvm-unit-tests' set_irq_line does)
 * through the slave 8259, then through the I/O APIC (82093AA data sheet
 * 3.2.4), edge and level with Remote IRR until the EOI; pc-testdev's
 * scratch register at 0xe0; on an AMD CPU the legacy PMU MSRs, and a write
 * of the TSC (SDM vol. 3B 18.17). Every line is the same on QEMU, bvm and
 * bivisor.
 */
#include "guest-tools/lib/apic.h"
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/idt.h"

#define FW_CFG_SEL 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_DMA_HIGH 0x514
#define FW_CFG_DMA_LOW 0x518
#define PIC0 0x20
#define PIC1 0xa0
#define PIT_CH0 0x40
#define PIT_CTRL 0x43
#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define VEC_PIC 0x20
#define ELCR_SLAVE 0x4d1
#define TESTDEV_REG 0xe0
#define TESTDEV_IRQ 0x2000 /* + line: the line's level */
#define TEST_LINE 14	   /* as kvm-unit-tests' x86/ioapic.c: no device drives it here */
#define VEC_EDGE 0x41
#define VEC_LEVEL 0x42
#define IOAPIC_BASE 0xfec00000ul
#define RE_RIRR (1u << 14)
#define RE_LEVEL (1u << 15)
#define RE_MASKED (1u << 16)
#define MIB (1ul << 20)
#define SPIN_LIMIT 100000000u
#define TSC_SET (1ull << 50) /* far from any host's TSC */
#define TSC_NEAR (1ull << 40)

extern uint32_t boot_magic, boot_info;

static volatile int pic_irqs, gp_faults, line_irqs, rirr_seen;
static volatile uint64_t pic_vector, line_vector;

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

/* The next n bytes of the selected item, little-endian or big-endian. */
static uint64_t data_le(unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)inb(FW_CFG_DATA) << (8 * i);
	return v;
}

static uint32_t data_be(unsigned int n)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v = v << 8 | inb(FW_CFG_DATA);
	return v;
}

static uint64_t cfg_item(uint16_t key, unsigned int n)
{
	outw(FW_CFG_SEL, key);
	return data_le(n);
}

static int same_name(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* The key and size of a file of the directory (key 0: none). */
static uint16_t cfg_file(const char *want, uint32_t *size)
{
	uint32_t n;

	outw(FW_CFG_SEL, 0x19);
	n = data_be(4);
	for (uint32_t i = 0; i < n && i < 4096; i++) {
		char name[56];
		uint32_t sz = data_be(4);
		uint16_t key = (uint16_t)data_be(2);

		data_be(2);
		for (unsigned int j = 0; j < sizeof(name); j++)
			name[j] = (char)inb(FW_CFG_DATA);
		name[sizeof(name) - 1] = '\0';
		if (same_name(name, want)) {
			*size = sz;
			return key;
		}
	}
	return 0;
}

/* etc/e820: the end of the highest usable range; *ok if every entry is well-formed. */
static uint64_t e820_usable_end(int *ok)
{
	uint32_t size = 0;
	uint16_t key = cfg_file("etc/e820", &size);
	uint64_t end = 0;

	*ok = key && size && size % 20 == 0;
	outw(FW_CFG_SEL, key);
	for (uint32_t i = 0; *ok && i < size / 20; i++) {
		uint64_t base = data_le(8), len = data_le(8);
		uint32_t type = (uint32_t)data_le(4);

		*ok &= type >= 1 && type <= 5 && len;
		if (type == 1 && base + len > end)
			end = base + len;
	}
	return end;
}

/* One DMA read of the signature (fw_cfg.rst "DMA interface"): the device clears control. */
static int dma_signature(void)
{
	static volatile uint8_t buf[4];
	static volatile uint32_t desc[4] __attribute__((aligned(16)));
	uint32_t addr = (uint32_t)(uintptr_t)desc;

	desc[0] = __builtin_bswap32(0x0000u << 16 | 0x08 | 0x02); /* select key 0, read */
	desc[1] = __builtin_bswap32(4);
	desc[2] = 0;
	desc[3] = __builtin_bswap32((uint32_t)(uintptr_t)buf);
	outl(FW_CFG_DMA_HIGH, 0);
	outl(FW_CFG_DMA_LOW, __builtin_bswap32(addr));
	return desc[0] == 0 && buf[0] == 'Q' && buf[1] == 'E' && buf[2] == 'M' && buf[3] == 'U';
}

static void fw_cfg_checks(void)
{
	uint32_t cpus = guest_cmdline_number("cpus", 1, 255);
	unsigned long ram = cfg_item(0x03, 8), ncpus = cfg_item(0x05, 2), max = cfg_item(0x0f, 2);
	uint64_t id = cfg_item(0x01, 4), end;
	int ok;

	report(cfg_item(0x00, 4) == 0x554d4551u, "fw_cfg: signature QEMU");
	report(id & 1, "fw_cfg: ID has the traditional interface");
	guest_printf("fw_cfg: %lu CPUs, at most %lu; RAM %lu MiB\n", ncpus, max, ram / MIB);
	report(ncpus == cpus && max >= ncpus, "fw_cfg: the CPU count is the machine's");
	/* a BIOS keeps some of the top for itself: QEMU's Multiboot map ends below the RAM size */
	report(ram >= guest_ram_top() && ram - guest_ram_top() < MIB,
	       "fw_cfg: the RAM size is the Multiboot map's, to 1 MiB");
	end = e820_usable_end(&ok);
	report(ok && end == ram, "fw_cfg: etc/e820 has usable RAM up to the RAM size");
	report((id & 2) && dma_signature(), "fw_cfg: a DMA read of the signature");
}

/* argv[0]: the first word of the command line names the image, and is no key=value. */
static void argv0_check(void)
{
	const char *line = (const char *)(uintptr_t)((const uint32_t *)(uintptr_t)boot_info)[4];
	int named = 0, plain = 1;

	for (const char *p = line; *p && *p != ' '; p++) {
		plain &= *p != '=';
		named |= p[0] == 'p' && p[1] == 'c' && p[2] == 'p' && p[3] == 'l';
	}
	report(boot_magic == 0x2badb002 && named && plain, "cmdline: argv[0] is the image's name");
	report(guest_cmdline_number("cpus", 0, 255) != 0, "cmdline: the arguments follow it");
}

static uint32_t pci_read(unsigned int dev, unsigned int fn, unsigned int reg)
{
	outl(PCI_ADDR, 0x80000000u | dev << 11 | fn << 8 | reg);
	return inl(PCI_DATA);
}

/* Bus 0, every device and, for multi-function ones, every function. */
static void pci_scan(void)
{
	uint32_t id = pci_read(0, 0, 0), class = pci_read(0, 0, 8) >> 8;
	int ok = 1;

	outl(PCI_ADDR, 0x80000000u);
	report(inl(PCI_ADDR) == 0x80000000u, "pci: CONFIG_ADDRESS reads back (mechanism #1)");
	guest_printf("pci: 00:00.0 %04x:%04x class %06x\n", id & 0xffff, id >> 16, class);
	report(class == 0x060000, "pci: a host bridge at 00:00.0");
	for (unsigned int dev = 0; dev < 32; dev++) {
		unsigned int fns = (pci_read(dev, 0, 0xc) >> 16) & 0x80 ? 8 : 1;

		for (unsigned int fn = 0; fn < fns; fn++) {
			uint32_t v = pci_read(dev, fn, 0);

			if ((v & 0xffff) != 0xffff)
				ok &= ((pci_read(dev, fn, 0xc) >> 16) & 0x7f) <= 2 &&
				      v >> 16 != 0xffff;
		}
	}
	report(ok, "pci: every function on bus 0 has a well-formed header");
	report(pci_read(31, 7, 0) == 0xffffffffu, "pci: an absent function reads all ones");
}

static void pic_irq(struct guest_frame *f)
{
	pic_vector = f->vector;
	pic_irqs++;
	outb(PIC0, 0x20); /* non-specific EOI */
}

/* Both 8259s as Linux programs them, vectors 0x20 and 0x28, all masked. */
static void pic_init(void)
{
	outb(PIC0 + 1, 0xff);
	outb(PIC1 + 1, 0xff);
	outb(PIC0, 0x11);
	outb(PIC0 + 1, VEC_PIC);
	outb(PIC0 + 1, 0x04);
	outb(PIC0 + 1, 0x01);
	outb(PIC1, 0x11);
	outb(PIC1 + 1, VEC_PIC + 8);
	outb(PIC1 + 1, 0x02);
	outb(PIC1 + 1, 0x01);
	outb(PIC0 + 1, 0xff);
	outb(PIC1 + 1, 0xff);
}

/* PIT counter 0, mode 0: OUT rises (IRQ 0) after count ticks of 1.193 MHz. */
static void pit_oneshot(uint16_t count)
{
	outb(PIT_CTRL, 0x30);
	outb(PIT_CH0, (uint8_t)count);
	outb(PIT_CH0, (uint8_t)(count >> 8));
}

static int irr_has_irq0(void)
{
	outb(PIC0, 0x0a); /* OCW3: read IRR */
	return inb(PIC0) & 1;
}

static void pic_checks(void)
{
	unsigned int spins = 0;

	idt_init();
	guest_set_handler(VEC_PIC, pic_irq);
	pic_init();
	pit_oneshot(1193); /* 1 ms */
	while (!irr_has_irq0() && ++spins < SPIN_LIMIT)
		asm volatile("pause");
	report(spins < SPIN_LIMIT && !pic_irqs, "pic: IRQ 0 waits in IRR while masked");
	outb(PIC0 + 1, 0xfe);
	asm volatile("sti; nop; cli" ::: "memory");
	report(pic_irqs == 1 && pic_vector == VEC_PIC,
	       "pic: unmasked, IRQ 0 arrives as vector 0x20");
	outb(PIC0, 0x0b); /* OCW3: read ISR */
	report(inb(PIC0) == 0, "pic: the EOI ends it (ISR clear)");
	pit_oneshot(1193);
	asm volatile("sti; hlt; cli" ::: "memory");
	report(pic_irqs == 2, "pic: IRQ 0 wakes a halted CPU");
	outb(PIC0 + 1, 0xff);
}

static void line_set(int level)
{
	outb(TESTDEV_IRQ + TEST_LINE, (uint8_t)level);
}

/* Lets pending interrupts in for a while; whether n have arrived. */
static int irqs_reach(volatile int *count, int n)
{
	for (unsigned int i = 0; i < 1000 && *count < n; i++)
		asm volatile("sti; nop; cli" ::: "memory");
	return *count == n;
}

/* Slave IR6: lower the line, then EOI the slave and the master (cascade). */
static void slave_irq(struct guest_frame *f)
{
	line_vector = f->vector;
	line_irqs++;
	line_set(0);
	outb(PIC1, 0x20);
	outb(PIC0, 0x20);
}

/* The line through the slave 8259, edge-triggered, its I/O APIC pin masked (reset state). */
static void testdev_pic_check(void)
{
	guest_set_handler(VEC_PIC + TEST_LINE, slave_irq);
	pic_init();
	outb(ELCR_SLAVE, inb(ELCR_SLAVE) & ~(1u << (TEST_LINE - 8)));
	outb(PIC0 + 1, 0xfb); /* the cascade */
	outb(PIC1 + 1, (uint8_t) ~(1u << (TEST_LINE - 8)));
	line_set(1);
	/* a HLT, not a window of a few instructions: under bivisor on QEMU's SVM an
	 * ExtINT can wait past many `sti; nop; cli` windows (1000, in 1 run of 10) */
	asm volatile("sti; hlt; cli" ::: "memory");
	report(line_irqs == 1 && line_vector == VEC_PIC + TEST_LINE,
	       "testdev: ISA line 14 through the slave 8259 arrives as vector 0x2e");
	outb(PIC0 + 1, 0xff);
	outb(PIC1 + 1, 0xff);
	guest_set_handler(VEC_PIC + TEST_LINE, 0);
}

static void ioapic_write(unsigned int reg, uint32_t v)
{
	*(volatile uint32_t *)IOAPIC_BASE = reg;
	*(volatile uint32_t *)(IOAPIC_BASE + 0x10) = v;
}

static uint32_t ioapic_read(unsigned int reg)
{
	*(volatile uint32_t *)IOAPIC_BASE = reg;
	return *(volatile uint32_t *)(IOAPIC_BASE + 0x10);
}

/* Redirection entry of the line: fixed delivery, physical destination this CPU. */
static void ioapic_route(uint32_t low)
{
	ioapic_write(0x10 + 2 * TEST_LINE + 1, apic_id() << 24);
	ioapic_write(0x10 + 2 * TEST_LINE, low);
}

static void edge_irq(struct guest_frame *f)
{
	line_vector = f->vector;
	line_irqs++;
	apic_eoi();
}

/* A level interrupt: Remote IRR is set while it is in service; the line falls before the EOI. */
static void level_irq(struct guest_frame *f)
{
	line_vector = f->vector;
	line_irqs++;
	rirr_seen = !!(ioapic_read(0x10 + 2 * TEST_LINE) & RE_RIRR);
	line_set(0);
	apic_eoi();
}

static void ioapic_edge_checks(void)
{
	line_irqs = 0;
	guest_set_handler(VEC_EDGE, edge_irq);
	ioapic_route(VEC_EDGE);
	line_set(1);
	report(irqs_reach(&line_irqs, 1) && line_vector == VEC_EDGE,
	       "ioapic: ISA line 14, edge, arrives as vector 0x41");
	line_set(0);
	line_set(1);
	line_set(0);
	report(irqs_reach(&line_irqs, 2), "ioapic: a new rising edge gives one more");
	ioapic_route(RE_MASKED | VEC_EDGE);
	guest_set_handler(VEC_EDGE, 0);
}

static void ioapic_level_checks(void)
{
	line_irqs = 0;
	guest_set_handler(VEC_LEVEL, level_irq);
	ioapic_route(RE_LEVEL | VEC_LEVEL);
	line_set(1);
	report(irqs_reach(&line_irqs, 1) && line_vector == VEC_LEVEL,
	       "ioapic: ISA line 14, level, arrives as vector 0x42");
	report(rirr_seen, "ioapic: Remote IRR is set while it is in service");
	report(line_irqs == 1 && !(ioapic_read(0x10 + 2 * TEST_LINE) & RE_RIRR),
	       "ioapic: the EOI clears Remote IRR");
	ioapic_route(RE_MASKED | RE_LEVEL | VEC_LEVEL);
	guest_set_handler(VEC_LEVEL, 0);
}

/* pc-testdev's scratch register (kvm-unit-tests' x86/emulator.c uses it for string I/O). */
static void testdev_reg_check(void)
{
	outl(TESTDEV_REG, 0x11223344u);
	outb(TESTDEV_REG + 1, 0xab);
	report(inl(TESTDEV_REG) == 0x1122ab44u && inb(TESTDEV_REG + 3) == 0x11,
	       "testdev: the register at 0xe0 keeps a dword and takes a byte");
}

static void testdev_checks(void)
{
	testdev_reg_check();
	testdev_pic_check();
	apic_init(); /* masks the 8259s and LINT0 */
	ioapic_edge_checks();
	ioapic_level_checks();
}

static int same_bytes(const volatile uint8_t *p, const char *s, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (p[i] != (uint8_t)s[i])
			return 0;
	return 1;
}

static uint32_t le32(const volatile uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The RSDP in the BIOS area (ACPI 6.4 5.2.5.1), its first 20 bytes summing to 0. */
static const volatile uint8_t *acpi_rsdp(void)
{
	for (uintptr_t a = 0xe0000; a < 0x100000; a += 16) {
		const volatile uint8_t *p = (const volatile uint8_t *)a;
		uint8_t sum = 0;

		for (int i = 0; i < 20; i++)
			sum = (uint8_t)(sum + p[i]);
		if (same_bytes(p, "RSD PTR ", 8) && !sum)
			return p;
	}
	return 0;
}

/* A table the RSDT lists (5.2.7), by signature, or NULL. */
static const volatile uint8_t *acpi_table(const volatile uint8_t *rsdp, const char *sig)
{
	const volatile uint8_t *rsdt = (const volatile uint8_t *)(uintptr_t)le32(rsdp + 16);
	uint32_t len = le32(rsdt + 4);

	for (uint32_t off = 36; off + 4 <= len && off < 4096; off += 4) {
		const volatile uint8_t *t = (const volatile uint8_t *)(uintptr_t)le32(rsdt + off);

		if (same_bytes(t, sig, 4))
			return t;
	}
	return 0;
}

/* Enabled Processor Local APIC entries of the MADT (5.2.12.2). */
static unsigned int madt_cpus(const volatile uint8_t *madt)
{
	uint32_t len = le32(madt + 4);
	unsigned int n = 0;

	for (uint32_t off = 44; off + 2 <= len && madt[off + 1] >= 2; off += madt[off + 1])
		n += madt[off] == 0 && (madt[off + 4] & 1);
	return n;
}

/* ACPI as a test kernel walks it: RSDP, RSDT, the MADT's CPUs and flags, the FADT's PM timer. */
static void acpi_checks(void)
{
	const volatile uint8_t *rsdp = acpi_rsdp(), *fadt = 0, *madt = 0;
	uint32_t port = 0, t0, spins = 0;

	report(rsdp != 0, "acpi: the RSDP is in the BIOS area");
	if (rsdp) {
		fadt = acpi_table(rsdp, "FACP");
		madt = acpi_table(rsdp, "APIC");
	}
	report(fadt && madt, "acpi: the RSDT lists a FADT and a MADT");
	if (!fadt || !madt)
		return;
	port = le32(fadt + 76); /* PM_TMR_BLK */
	guest_printf("acpi: the MADT lists %u CPUs; PM timer at port %#x\n", madt_cpus(madt), port);
	report(madt_cpus(madt) == guest_cmdline_number("cpus", 1, 255),
	       "acpi: the MADT lists the machine's CPUs");
	report(le32(madt + 40) & 1, "acpi: the MADT's flags say PCAT_COMPAT (an 8259 pair)");
	t0 = inl((uint16_t)port);
	while (inl((uint16_t)port) == t0 && ++spins < SPIN_LIMIT)
		asm volatile("pause");
	report(port && spins < SPIN_LIMIT, "acpi: the PM timer counts");
}

/* #GP from RDMSR or WRMSR (two bytes): counted and skipped. */
static void gp_skip(struct guest_frame *f)
{
	gp_faults++;
	f->rip += 2;
}

static int msr_takes(uint32_t msr, uint64_t v)
{
	int before = gp_faults;

	wrmsr(msr, v);
	return gp_faults == before;
}

static int msr_reads(uint32_t msr, uint64_t want)
{
	int before = gp_faults;
	uint64_t v = rdmsr(msr);

	return gp_faults == before && v == want;
}

/* AMD's legacy PMU (APM vol. 2 13.2.1), which test kernels set up on every AMD CPU. */
static void msr_checks(void)
{
	uint32_t vendor_ebx = cpuid(0, 0).ebx;
	int ok = 1;

	guest_set_handler(13, gp_skip);
	for (uint32_t msr = 0xc0010000; msr <= 0xc0010007; msr++)
		ok &= msr_takes(msr, 0) && msr_reads(msr, 0);
	report(vendor_ebx != 0x68747541u || ok, /* "Auth": AuthenticAMD */
	       "msr: an AMD CPU's PERF_CTL0-3 and PERF_CTR0-3 take 0 and read 0");
	report(msr_takes(0x10, TSC_SET) && rdtsc() - TSC_SET < TSC_NEAR,
	       "msr: a write of IA32_TIME_STAMP_COUNTER moves RDTSC there");
	report(rdmsr(0x10) - TSC_SET < TSC_NEAR, "msr: RDMSR of IA32_TIME_STAMP_COUNTER agrees");
	guest_set_handler(13, 0);
}

int guest_main(void)
{
	argv0_check();
	fw_cfg_checks();
	pci_scan();
	acpi_checks();
	pic_checks();
	testdev_checks();
	msr_checks();
	return report_summary();
}
