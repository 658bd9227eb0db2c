/*
 * guest-tools/lib/timing.c: the rates of the TSC and the LAPIC timer. A
 * hypervisor's leaf 0x40000010 (EAX the TSC, EBX the LAPIC timer, in kHz; the
 * leaf bivisor and KVM give, only trusted when 0x40000000 reaches it) wins.
 * Otherwise the TSC is compared with PIT channel 2 (Intel 8254: 1.193182 MHz,
 * gated by port 0x61; its count read with a latch command) over about 40 ms,
 * and the LAPIC timer's current count (SDM vol. 3A 11.5.4) with the TSC over
 * 20 ms. Each reading of a counter sits between two TSC reads; of several
 * tries the narrowest pair is kept, so a host that preempts the vCPU between
 * readings costs nothing and one that preempts it during one costs little.
 */
#include "guest-tools/lib/apic.h"
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/timing.h"

#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define HV_LEAF_BASE 0x40000000u
#define HV_LEAF_TIMING 0x40000010u
#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_CH2_MODE0 0xb0 /* channel 2, low then high byte, mode 0, binary */
#define PIT_CH2_LATCH 0x80
#define PIT_WINDOW (PIT_HZ / 25) /* 40 ms of the 55 ms a 16-bit count lasts */
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define SAMPLE_TRIES 4
#define CAL_TRIES 10
#define CAL_RUNS 3	   /* the median of three windows */
#define CAL_MIN_KHZ 10000u /* below 10 MHz the PIT did not answer */
#define APIC_CAL_US 20000u
#define APIC_CAL_VECTOR 0xef /* masked: the timer is only read */
#define FALLBACK_KHZ 1000000u

struct sample {
	uint64_t tsc; /* midway between the TSC reads around the counter read */
	uint32_t count;
};

static uint64_t tsc_khz, apic_khz;
static int apic_measured;

/* Leaf 0x40000010 if the hypervisor bit is set and 0x40000000 reaches it. */
static int timing_hv_leaf(struct cpuid_regs *r)
{
	uint32_t top = cpuid(HV_LEAF_BASE, 0).eax;

	if (!(cpuid(1, 0).ecx & CPUID1_ECX_HYPERVISOR) || top < HV_LEAF_TIMING || top > 0x4fffffffu)
		return 0;
	*r = cpuid(HV_LEAF_TIMING, 0);
	return 1;
}

static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
	if ((a <= b && b <= c) || (c <= b && b <= a))
		return b;
	if ((b <= a && a <= c) || (c <= a && a <= b))
		return a;
	return c;
}

/* A counter read with the TSC around it: of SAMPLE_TRIES reads, the one bracketed narrowest. */
static struct sample timing_sample(uint32_t (*read)(void))
{
	struct sample best = { 0, 0 };
	uint64_t width = ~0ull;

	for (int i = 0; i < SAMPLE_TRIES; i++) {
		uint64_t a = rdtsc();
		uint32_t c = read();
		uint64_t b = rdtsc();

		if (b - a < width) {
			width = b - a;
			best = (struct sample){ a + (b - a) / 2, c };
		}
	}
	return best;
}

static uint32_t timing_pit_read(void)
{
	uint32_t lo, hi;

	outb(PIT_CMD, PIT_CH2_LATCH);
	lo = inb(PIT_CH2);
	hi = inb(PIT_CH2);
	return lo | hi << 8;
}

/*
 * TSC kHz over PIT_WINDOW ticks of channel 2 counting down from 0xffff, or 0
 * if the count wrapped unseen (a long preemption) or never moved (no PIT).
 */
static uint64_t timing_pit_window(void)
{
	struct sample first, s;

	outb(PORT_B, (uint8_t)((inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, 0xff);
	outb(PIT_CH2, 0xff);
	first = timing_sample(timing_pit_read);
	s = first;
	for (uint32_t i = 0; first.count - s.count < PIT_WINDOW; i++) {
		uint32_t prev = s.count;

		s = timing_sample(timing_pit_read);
		if (s.count > prev || (i > 10000 && s.count == first.count))
			return 0;
	}
	return (s.tsc - first.tsc) * PIT_HZ / (first.count - s.count) / 1000;
}

static uint64_t timing_pit_khz(void)
{
	uint64_t w[CAL_RUNS];
	int runs = 0;

	for (int i = 0; i < CAL_TRIES && runs < CAL_RUNS; i++) {
		w[runs] = timing_pit_window();
		if (w[runs])
			runs++;
	}
	return runs == CAL_RUNS ? median3(w[0], w[1], w[2]) : 0;
}

static uint32_t timing_apic_read(void)
{
	return apic_read(APIC_TIMER_CURRENT);
}

/* LAPIC timer kHz from its current count over APIC_CAL_US of TSC time. */
static uint64_t timing_apic_window(void)
{
	struct sample a, b;

	apic_timer_oneshot(APIC_LVT_MASKED | APIC_CAL_VECTOR, 0xffffffffu, 1);
	a = timing_sample(timing_apic_read);
	timing_delay_us(APIC_CAL_US);
	b = timing_sample(timing_apic_read);
	apic_timer_stop();
	if (b.count >= a.count || b.tsc <= a.tsc)
		return 0;
	return (uint64_t)(a.count - b.count) * tsc_khz / (b.tsc - a.tsc);
}

void timing_init(void)
{
	struct cpuid_regs hv = { 0, 0, 0, 0 };
	const char *tsc_src = "CPUID 0x40000010", *apic_src = "CPUID 0x40000010";
	int have_hv;

	if (tsc_khz)
		return;
	have_hv = timing_hv_leaf(&hv);
	tsc_khz = have_hv ? hv.eax : 0;
	if (!tsc_khz) {
		tsc_khz = timing_pit_khz();
		tsc_src = "PIT channel 2";
		if (tsc_khz < CAL_MIN_KHZ) {
			tsc_khz = FALLBACK_KHZ;
			tsc_src = "PIT channel 2 did not answer: assumed";
		}
	}
	apic_khz = have_hv ? hv.ebx : 0;
	if (!apic_khz) {
		uint64_t w[CAL_RUNS];

		for (int i = 0; i < CAL_RUNS; i++)
			w[i] = timing_apic_window();
		apic_khz = median3(w[0], w[1], w[2]);
		apic_measured = 1;
		apic_src = "measured against the TSC";
	}
	guest_printf("time: TSC %lu kHz (%s), LAPIC timer %lu kHz (%s)\n", (unsigned long)tsc_khz,
		     tsc_src, (unsigned long)apic_khz, apic_src);
}

uint64_t timing_tsc_khz(void)
{
	return tsc_khz;
}

uint64_t timing_apic_khz(void)
{
	return apic_khz;
}

int timing_apic_measured(void)
{
	return apic_measured;
}

uint64_t timing_us_to_tsc(uint64_t us)
{
	return us * tsc_khz / 1000;
}

uint64_t timing_tsc_to_us(uint64_t tsc)
{
	return tsc_khz ? tsc * 1000 / tsc_khz : 0;
}

uint32_t timing_us_to_apic(uint64_t us, unsigned int divide)
{
	uint64_t count = us * apic_khz / 1000 / (divide ? divide : 1);

	return count > 0xffffffffu ? 0xffffffffu : (uint32_t)count;
}

void timing_delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + timing_us_to_tsc(us);

	while (rdtsc() < end)
		cpu_relax();
}
