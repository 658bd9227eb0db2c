/*
 * kernel/platform.c: the PC platform of every domain (Linux or a test guest),
 * beyond its vCPUs and their vLAPICs: a virtual I/O APIC (kernel/vioapic.c) at
 * 0xfec00000 that every device line reaches (ISA IRQ n is GSI n, except the
 * PIT's IRQ 0 on GSI 2, as the MADT's interrupt source override says), an
 * 8254 PIT with port 0x61 (drivers/i8254.c), the CMOS clock
 * (drivers/rtc_cmos.c) set from the host's clock at boot, and the ACPI PM1
 * registers and PM timer (drivers/acpi_pm.c) whose S5 ends the domain, the
 * FADT's reset register (port 0xcf9), whose reset ends it as a crash, and
 * QEMU's fw_cfg (drivers/fw_cfg.c) with the domain's RAM, vCPUs and memory
 * map, PCI configuration mechanism #1 with a host bridge (drivers/pci_host.c)
 * and an 8259 pair (drivers/i8259.c) that every ISA line also reaches, whose
 * INT goes to vCPU 0 as an ExtINT when its LINT0 takes one (kernel/vcpu_irq.c),
 * and QEMU's pc-testdev (drivers/pc_testdev.c), whose ports raise those lines.
 * The 8259 pair starts masked, as a BIOS leaves it; Linux masks it again and uses the
 * I/O APIC.
 *
 * Every device of a domain runs under its dev_lock: the exit path takes it
 * around a port or MMIO access (kernel/exit.c), and the calls here take it
 * for the PIT's clock and the vLAPIC's EOIs. Lock order: dev_lock, then the
 * scheduler's lock (a delivered interrupt kicks its vCPU).
 */
#include "arch/x86/tsc.h"
#include "arch/x86/x86.h"
#include "drivers/acpi_pm.h"
#include "drivers/firmware/loader.h"
#include "drivers/i8254.h"
#include "drivers/rtc_cmos.h"
#include "kernel/balloon.h"
#include "kernel/cmdline.h"
#include "kernel/domain.h"
#include "lib/format.h"
#include "kernel/mm.h"
#include "kernel/platform.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "lib/string.h"
#include "kernel/vioapic.h"

struct platform {
	struct vioapic ioapic;
	struct i8254 pit;
	struct rtc_cmos rtc;
	struct acpi_pm pm;
	struct fw_cfg fw_cfg;
	struct i8259 pic;
	struct pci_host pci;
	struct pc_testdev testdev;
};

/* A device's line: dev_lock is held (device callbacks run under it). */
static void set_irq(void *ctx, unsigned int line, int level)
{
	struct domain *d = ctx;

	vioapic_set_irq(&d->plat->ioapic, line == 0 ? 2 : line, level);
	if (line < I8259_IRQS)
		i8259_set_irq(&d->plat->pic, line, level);
}

/* The 8259 pair's INT rose: vCPU 0 takes it through LINT0 (kernel/vcpu_irq.c). */
static void pic_intr(void *ctx, int level)
{
	struct domain *d = ctx;

	if (level)
		sched_kick(d->vcpus[0]);
}

int platform_pic_pending(struct domain *d)
{
	return d->plat && __atomic_load_n(&d->plat->pic.out, __ATOMIC_ACQUIRE);
}

uint8_t platform_pic_ack(struct domain *d)
{
	uint64_t flags = spin_lock_irqsave(&d->dev_lock);
	uint8_t vec = i8259_ack(&d->plat->pic);

	spin_unlock_irqrestore(&d->dev_lock, flags);
	return vec;
}

static void eoi_level(void *ctx, uint8_t vector)
{
	struct domain *d = ctx;
	uint64_t flags = spin_lock_irqsave(&d->dev_lock);

	vioapic_eoi(&d->plat->ioapic, vector);
	spin_unlock_irqrestore(&d->dev_lock, flags);
}

static int ioapic_read(void *dev, uint64_t off, unsigned int size, uint64_t *value)
{
	return vioapic_mmio_read(dev, (uint32_t)off, size, value);
}

static int ioapic_write(void *dev, uint64_t off, unsigned int size, uint64_t value)
{
	return vioapic_mmio_write(dev, (uint32_t)off, size, value);
}

/* The FADT's reset register: the guest asks for a reset (Linux after a panic with
 * panic=N). bivisor does not restart domains, so the exit path ends this one. */
static int reset_read(void *dev, uint64_t off, unsigned int size, uint64_t *value)
{
	(void)dev, (void)off, (void)size;
	*value = 0;
	return 0;
}

static int reset_write(void *dev, uint64_t off, unsigned int size, uint64_t value)
{
	struct domain *d = dev;

	(void)off, (void)size;
	if ((value & 0xff) == PC_RESET_VALUE)
		d->reset_requested = 1;
	return 0;
}

static void poweroff(void *ctx)
{
	domain_end(ctx, 0); /* drivers/acpi_pm.c has logged the S5 */
}

/* The host's CMOS clock (BCD or binary, as its register B says), as seconds since 1970. */
static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static int64_t host_time(void)
{
	uint8_t b = cmos(0x0b),
		t[6] = { cmos(0x00), cmos(0x02), cmos(0x04), cmos(0x07), cmos(0x08), cmos(0x09) };
	int64_t days, y, m;

	for (int i = 0; i < 6 && !(b & 4); i++)
		t[i] = (uint8_t)((t[i] >> 4) * 10 + (t[i] & 15));
	y = 2000 + t[5], m = t[4];
	if (m < 1 || m > 12 || t[3] < 1 || t[3] > 31)
		return 0;
	/* days since 1970-01-01 of y-m-d (a civil-calendar formula, March-based years) */
	y -= m <= 2;
	days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + t[3] -
	       1 - 719468;
	return days * 86400 + t[2] * 3600 + t[1] * 60 + t[0];
}

/* Creates the devices and registers their ports and MMIO; -errno on failure. */
int platform_create(struct domain *d)
{
	struct platform *p = kzalloc(sizeof(*p));
	const struct pc_platform pc = {
		.pit = &p->pit,
		.rtc = &p->rtc,
		.pm = &p->pm,
		.reset_read = reset_read,
		.reset_write = reset_write,
		.reset_dev = d,
		.fw_cfg = &p->fw_cfg,
		.pic = &p->pic,
		.pci = &p->pci,
		.testdev = &p->testdev,
	};

	if (!p)
		return -ENOMEM;
	d->plat = p;
	vioapic_init(&p->ioapic, &d->lapic_env, FW_IOAPIC_ID);
	d->lapic_env.eoi_level = eoi_level;
	d->env.set_irq = set_irq;
	i8254_init(&p->pit, &d->env);
	rtc_cmos_init(&p->rtc, &d->env, host_time());
	acpi_pm_init(&p->pm, &d->env, poweroff, d);
	i8259_init(&p->pic, pic_intr, d);
	pci_host_init(&p->pci);
	pc_testdev_init(&p->testdev, &d->env);
	if (fw_cfg_init_pc(&p->fw_cfg, &d->env, d->nvcpus))
		return -E2BIG;
	if (iobus_attach(&d->bus,
			 &(struct dm_io_region){ "ioapic", DM_SPACE_MMIO, VIOAPIC_BASE,
						 VIOAPIC_SIZE, ioapic_read, ioapic_write,
						 &p->ioapic },
			 &d->env) ||
	    pc_platform_register(&pc, &d->bus, &d->env) || balloon_attach(d))
		return -ENOSPC;
	return 0;
}

void platform_destroy(struct domain *d)
{
	kfree(d->plat);
	d->plat = NULL;
}

void platform_pulse_gsi(struct domain *d, unsigned int gsi)
{
	uint64_t flags;

	if (!d->plat)
		return;
	flags = spin_lock_irqsave(&d->dev_lock);
	vioapic_set_irq(&d->plat->ioapic, gsi, 1);
	vioapic_set_irq(&d->plat->ioapic, gsi, 0);
	spin_unlock_irqrestore(&d->dev_lock, flags);
}

void platform_update(struct domain *d)
{
	uint64_t flags;

	if (!d->plat)
		return;
	flags = spin_lock_irqsave(&d->dev_lock);
	i8254_update(&d->plat->pit);
	spin_unlock_irqrestore(&d->dev_lock, flags);
}

uint64_t platform_next_event_ns(struct domain *d)
{
	return d->plat ? i8254_next_event_ns(&d->plat->pit) : 0;
}

int domain_load_linux(struct domain *d, const void *bzimage, uint64_t len, const void *initrd,
		      uint64_t initrd_len, const char *cmdline)
{
	struct fw_virtio_mmio balloon = balloon_window();
	struct fw_platform plat;
	struct fw_boot_cpu cpu;
	char err[160];
	int rc;

	/* A Type-1 guest's kernel must go where its RAM has room: refuse a fixed one
	 * (boot.rst: relocatable_kernel at 0x234, protocol 2.05+). */
	if (len > 0x234 && !((const uint8_t *)bzimage)[0x234]) {
		pr_err("domain %s: not created: the Linux kernel is not relocatable\n", d->name);
		return -EINVAL;
	}
	rc = platform_create(d);
	if (rc) {
		pr_err("domain %s: not created: no room for its devices\n", d->name);
		return rc;
	}
	fw_platform_init(&plat, d->nvcpus);
	plat.flags =
		FW_PLAT_PIC | FW_PLAT_RTC; /* the 8259 pair (PCAT_COMPAT); no 8042, no virtio */
	if (d->balloon) { /* its one virtio device, in an SSDT (Debian's virtio_mmio reads ACPI) */
		plat.flags |= FW_PLAT_VIRTIO_ACPI;
		plat.nvirtio = 1;
		plat.virtio = &balloon;
	}
	plat.reset_port = PC_RESET_PORT;
	plat.reset_value = PC_RESET_VALUE;
	plat.tsc_khz = (uint32_t)tsc_khz();
	rc = fw_load_linux(&d->env, bzimage, len, initrd, initrd_len, cmdline, &plat, &cpu, err,
			   sizeof(err));
	if (rc) {
		pr_err("domain %s: not created: %s\n", d->name, err);
		return rc;
	}
	vcpu_set_boot_state(d->vcpus[0], &cpu);
	pr_info("domain %s: Linux, %lu KiB kernel image, %lu KiB initramfs, ACPI for %u vcpus\n",
		d->name, len >> 10, initrd_len >> 10, d->nvcpus);
	return 0;
}
