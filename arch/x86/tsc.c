/*
 * arch/x86/tsc.c: TSC frequency. CPUID 0x15 gives the TSC/crystal ratio and
 * the crystal frequency, 0x16 the base frequency in MHz (Intel SDM vol. 2A,
 * CPUID; vol. 3B 18.7.3 "Determining the Processor Base Frequency"). When
 * neither is reported (AMD, QEMU TCG), the TSC is counted over 50 ms of the
 * 8254 PIT channel 2 (1.193182 MHz), or of the ACPI PM timer (3.579545 MHz,
 * ACPI 6.4 section 4.8.3.3) when the PIT does not count.
 */
#include "arch/x86/tsc.h"
#include "arch/x86/x86.h"
#include "kernel/printk.h"

#define PIT_HZ 1193182u
#define PM_TIMER_HZ 3579545u
#define CALIBRATE_MS 50u

static uint64_t tsc_freq_khz; /* TSC ticks per millisecond */
static uint64_t tsc_base;
static const char *source = "none";

static uint64_t tsc_from_cpuid(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	uint32_t max = r.eax;

	if (max >= 0x15) {
		r = cpuid(0x15, 0);
		if (r.eax && r.ebx && r.ecx) {
			source = "CPUID 0x15";
			return (uint64_t)r.ecx * r.ebx / r.eax / 1000;
		}
	}
	if (max >= 0x16) {
		r = cpuid(0x16, 0);
		if (r.eax & 0xffff) {
			source = "CPUID 0x16";
			return (uint64_t)(r.eax & 0xffff) * 1000;
		}
	}
	return 0;
}

/* Mode 0 on channel 2 with the gate high: OUT2 (port 0x61 bit 5) rises at 0. */
static uint64_t tsc_from_pit(void)
{
	uint32_t count = PIT_HZ * CALIBRATE_MS / 1000;
	uint64_t t0, t1, limit = 1ull << 36;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20))
		if (rdtsc() - t0 > limit)
			return 0;
	t1 = rdtsc();
	source = "PIT";
	return (t1 - t0) / CALIBRATE_MS;
}

static uint64_t tsc_from_pm_timer(uint16_t port)
{
	uint32_t ticks = PM_TIMER_HZ * CALIBRATE_MS / 1000, start, now;
	uint64_t t0, t1, limit = 1ull << 36;

	start = inl(port) & 0xffffff;
	t0 = rdtsc();
	do {
		now = inl(port) & 0xffffff;
		if (rdtsc() - t0 > limit)
			return 0;
	} while (((now - start) & 0xffffff) < ticks);
	t1 = rdtsc();
	source = "ACPI PM timer";
	return (t1 - t0) / CALIBRATE_MS;
}

/*
 * CPUID's figure, checked against the PIT: an emulator may report its model's
 * nominal frequency while its TSC runs at another rate (Bochs: the ips= rate).
 */
static uint64_t cpuid_checked(void)
{
	uint64_t khz = tsc_from_cpuid(), measured;
	const char *claimed = source;

	measured = tsc_from_pit();
	if (!khz)
		return measured;
	if (measured && (measured * 10 < khz * 9 || measured * 10 > khz * 11)) {
		pr_info("tsc: %s says %lu kHz but the PIT measures %lu kHz; using the PIT\n",
			claimed, khz, measured);
		return measured;
	}
	source = claimed;
	return khz;
}

void tsc_init(enum tsc_source_pref pref, uint16_t pm_timer_port)
{
	uint64_t khz = 0;

	if (pref == TSC_PMTIMER && !pm_timer_port)
		pr_warn("tsc: tsc=pmtimer, but ACPI gives no PM timer\n");
	if (pref == TSC_PMTIMER && pm_timer_port)
		khz = tsc_from_pm_timer(pm_timer_port);
	else if (pref == TSC_PIT)
		khz = tsc_from_pit();
	if (!khz)
		khz = cpuid_checked();
	if (!khz && pm_timer_port)
		khz = tsc_from_pm_timer(pm_timer_port);
	if (!khz) {
		pr_warn("tsc: no timer to calibrate against; assuming 1 GHz\n");
		khz = 1000000;
		source = "guess";
	}
	tsc_base = rdtsc();
	tsc_freq_khz = khz;
}

uint64_t tsc_khz(void)
{
	return tsc_freq_khz;
}

const char *tsc_source(void)
{
	return source;
}

uint64_t tsc_to_ns(uint64_t d)
{
	if (!tsc_freq_khz)
		return 0;
	return d / tsc_freq_khz * 1000000 + d % tsc_freq_khz * 1000000 / tsc_freq_khz;
}

uint64_t tsc_from_ns(uint64_t ns)
{
	uint64_t khz = tsc_freq_khz ? tsc_freq_khz : 1000000;

	return ns / 1000000 * khz + ns % 1000000 * khz / 1000000;
}

uint64_t tsc_ns(void)
{
	return tsc_to_ns(rdtsc() - tsc_base);
}

void udelay(uint64_t us)
{
	uint64_t khz = tsc_freq_khz ? tsc_freq_khz : 1000000;
	uint64_t end = rdtsc() + us * khz / 1000;

	while ((int64_t)(rdtsc() - end) < 0)
		cpu_relax();
}
