/*
 * guest-tools/spin.c: a CPU-bound worker for scheduler tests and benchmarks.
 * Each CPU does units=U (default 200) units of fixed integer work (a
 * 1,000,000-step xorshift; the same on every CPU and every run), writes its
 * count of finished units to the progress port 0xf5 after each, and prints
 * "progress N" every every=K units (default 20). cpus=N starts N-1 APs
 * (INIT-SIPI-SIPI, Intel SDM vol. 3A 8.4.4.1) that work in parallel;
 * forever=1 never stops, for fairness runs that the host ends.
 */
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/smp.h"
#include "guest-tools/lib/timing.h"

#define UNIT_STEPS 1000000u
#define AP_WAIT_MIN_US 10000000u

static uint32_t units, every;
static int forever;
static uint32_t done[GUEST_MAX_CPUS];
static uint64_t sums[GUEST_MAX_CPUS];

/* One unit: a xorshift64 walk from a seed that depends on the unit only. */
static uint64_t spin_unit(uint32_t unit)
{
	uint64_t x = 0x9e3779b97f4a7c15ull ^ unit, sum = 0;

	for (uint32_t i = 0; i < UNIT_STEPS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum += x;
	}
	return sum;
}

static void spin_work(unsigned int cpu)
{
	uint64_t sum = 0;

	for (uint32_t u = 1; forever || u <= units; u++) {
		sum = (sum ^ spin_unit(u)) * 0x100000001b3ull;
		__atomic_store_n(&done[cpu], u, __ATOMIC_RELEASE);
		guest_progress(u);
		if (u % every)
			continue;
		if (cpu)
			guest_printf("cpu%u progress %u\n", cpu, u);
		else
			guest_printf("progress %u\n", u);
	}
	sums[cpu] = sum;
}

int guest_main(void)
{
	unsigned int n = guest_cmdline_number("cpus", 1, GUEST_MAX_CPUS), arrived, finished;
	uint32_t total = 0;
	uint64_t t0, own_us;
	int all_units = 1, same_sum = 1;

	units = guest_cmdline_number("units", 200, 1000000000u);
	every = guest_cmdline_number("every", 20, 1000000000u);
	forever = (int)guest_cmdline_number("forever", 0, 1);
	guest_printf("spin: %u CPUs, %u units each%s\n", n, units, forever ? ", forever" : "");
	arrived = guest_start_aps(n - 1, spin_work);
	report(arrived == n - 1, "every AP arrived");
	t0 = rdtsc();
	spin_work(0);
	own_us = timing_tsc_to_us(rdtsc() - t0);
	/* The APs do the same work: give them four times the BSP's time, at least 10 s. */
	finished =
		smp_wait_done(arrived, own_us * 4 > AP_WAIT_MIN_US ? own_us * 4 : AP_WAIT_MIN_US);
	for (unsigned int c = 0; c < GUEST_MAX_CPUS; c++) {
		if (!smp_cpu_online(c))
			continue;
		total += done[c];
		all_units &= done[c] == units;
		same_sum &= sums[c] == sums[0];
	}
	guest_printf("spin: done %u units (checksum %#lx, %lu ms on the BSP)\n", total,
		     (unsigned long)sums[0], (unsigned long)(own_us / 1000));
	report(finished == arrived && all_units, "every CPU did all its units");
	report(same_sum, "every CPU computed the same checksum");
	return report_summary();
}
