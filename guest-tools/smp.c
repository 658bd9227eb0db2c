/*
 * guest-tools/smp.c: a guest's CPUs and the interrupts between them.
 * cpus=N starts N-1 APs with INIT-SIPI-SIPI (Intel SDM vol. 3A 8.4.4.1), then
 * checks their APIC IDs (11.4.6, CPUID leaves 1 and 0xB) and IPIs (11.6):
 * fixed ones both ways, the all-excluding-self and all-including-self
 * shorthands, a self IPI, NMI, and the logical destination mode (11.6.2.2:
 * the flat model; with x2apic=1 the x2APIC clusters of 11.12.10, and the
 * self-IPI MSR of 11.12.11). Every handler counts per CPU; counts are exact.
 */
#include "guest-tools/lib/apic.h"
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/idt.h"
#include "guest-tools/lib/smp.h"
#include "guest-tools/lib/timing.h"

#define VEC_NMI 2
#define VEC_DOORBELL 0x30 /* BSP to AP: a command is waiting */
#define VEC_FIXED 0x40
#define VEC_OTHERS 0x41
#define VEC_ALL 0x42
#define VEC_SELF 0x43
#define VEC_LOGICAL 0x44
#define VEC_X2APIC_SELF 0x45
#define VEC_FROM_AP 0x50 /* + the sending AP's index */
#define MSR_X2APIC_SELF_IPI 0x83f
#define FIXED_PER_AP 3
#define WAIT_US 1000000u
#define SETTLE_US 20000u /* after the last expected interrupt: time for a duplicate */

enum ap_cmd { CMD_NONE, CMD_READ_IDS, CMD_SEND_TO_BSP, CMD_SET_LOGICAL };

struct cpu_ids {
	uint32_t lapic;	 /* the LAPIC ID register */
	uint32_t cpuid1; /* CPUID.1:EBX[31:24] */
	uint32_t leaf_b; /* CPUID.0xB:EDX, the x2APIC ID */
	int has_leaf_b;
	uint32_t ldr; /* the logical destination register after CMD_SET_LOGICAL */
};

static volatile uint32_t hits[GUEST_MAX_CPUS][256];
static uint32_t cmd[GUEST_MAX_CPUS];
static struct cpu_ids ids[GUEST_MAX_CPUS];

static void count_irq(struct guest_frame *f)
{
	hits[guest_cpu_index()][f->vector]++;
	apic_eoi();
}

static void count_nmi(struct guest_frame *f)
{
	hits[guest_cpu_index()][f->vector]++; /* NMIs take no EOI */
}

static void doorbell(struct guest_frame *f)
{
	(void)f;
	apic_eoi();
}

static void read_ids(struct cpu_ids *id)
{
	id->lapic = apic_id();
	id->cpuid1 = cpuid(1, 0).ebx >> 24;
	id->has_leaf_b = cpuid(0, 0).eax >= 0xb && cpuid(0xb, 0).ebx != 0;
	id->leaf_b = id->has_leaf_b ? cpuid(0xb, 0).edx : 0;
}

/* The flat model, one bit per CPU index (xAPIC); x2APIC's LDR is read-only. */
static uint32_t set_logical(unsigned int cpu)
{
	if (!apic_x2apic_mode()) {
		apic_write(APIC_DFR, 0xffffffffu);
		apic_write(APIC_LDR, cpu < 8 ? 1u << (24 + cpu) : 0);
	}
	return apic_read(APIC_LDR);
}

static void ap_do(unsigned int cpu, uint32_t c)
{
	switch (c) {
	case CMD_READ_IDS:
		read_ids(&ids[cpu]);
		break;
	case CMD_SEND_TO_BSP:
		apic_send_ipi(smp_apic_id(0), APIC_DM_FIXED | (VEC_FROM_AP + cpu));
		break;
	case CMD_SET_LOGICAL:
		ids[cpu].ldr = set_logical(cpu);
		break;
	}
}

/* An AP sleeps with interrupts on and runs what the BSP asks (sti; hlt cannot miss a wake-up). */
static void ap_main(unsigned int cpu)
{
	for (;;) {
		uint32_t c;

		irq_disable();
		while (!(c = __atomic_load_n(&cmd[cpu], __ATOMIC_ACQUIRE)))
			asm volatile("sti; hlt; cli" ::: "memory");
		irq_enable();
		ap_do(cpu, c);
		__atomic_store_n(&cmd[cpu], CMD_NONE, __ATOMIC_RELEASE);
	}
}

static int ap_run(unsigned int cpu, uint32_t c)
{
	uint64_t end = rdtsc() + timing_us_to_tsc(WAIT_US);

	__atomic_store_n(&cmd[cpu], c, __ATOMIC_RELEASE);
	apic_send_ipi(smp_apic_id(cpu), APIC_DM_FIXED | VEC_DOORBELL);
	while (__atomic_load_n(&cmd[cpu], __ATOMIC_ACQUIRE) && rdtsc() < end)
		cpu_relax();
	if (__atomic_load_n(&cmd[cpu], __ATOMIC_ACQUIRE)) {
		guest_printf("cpu%u did not run command %u\n", cpu, c);
		return 0;
	}
	return 1;
}

static void hits_snapshot(unsigned int vector, uint32_t before[GUEST_MAX_CPUS])
{
	for (unsigned int c = 0; c < GUEST_MAX_CPUS; c++)
		before[c] = hits[c][vector];
}

/*
 * Waits until each online CPU's count of vector has grown by want[cpu], then
 * SETTLE_US more; 1 if every count grew by exactly that.
 */
static int expect_hits(unsigned int vector, const uint32_t before[], const uint32_t want[])
{
	uint64_t end = rdtsc() + timing_us_to_tsc(WAIT_US);
	int reached, exact = 1;

	do {
		reached = 1;
		for (unsigned int c = 0; c < GUEST_MAX_CPUS; c++)
			if (smp_cpu_online(c) && hits[c][vector] - before[c] < want[c])
				reached = 0;
	} while (!reached && rdtsc() < end);
	timing_delay_us(SETTLE_US);
	for (unsigned int c = 0; c < GUEST_MAX_CPUS; c++) {
		uint32_t got = hits[c][vector] - before[c];

		if (!smp_cpu_online(c) || got == want[c])
			continue;
		guest_printf("cpu%u: vector %#x arrived %u times, expected %u\n", c, vector, got,
			     want[c]);
		exact = 0;
	}
	return exact;
}

static void check_ids(void)
{
	int agree = 1, distinct = 1;

	read_ids(&ids[0]);
	for (unsigned int c = 1; c < GUEST_MAX_CPUS; c++)
		if (smp_cpu_online(c))
			agree &= ap_run(c, CMD_READ_IDS);
	for (unsigned int c = 0; c < GUEST_MAX_CPUS; c++) {
		const struct cpu_ids *id = &ids[c];

		if (!smp_cpu_online(c))
			continue;
		guest_printf("cpu%u: APIC ID %u, CPUID.1 %u, CPUID.0xB %u%s\n", c, id->lapic,
			     id->cpuid1, id->leaf_b, id->has_leaf_b ? "" : " (leaf absent)");
		agree &= (id->lapic & 0xff) == id->cpuid1 && id->lapic == smp_apic_id(c) &&
			 (!id->has_leaf_b || id->leaf_b == id->lapic);
		for (unsigned int d = 0; d < c; d++)
			distinct &= !smp_cpu_online(d) || ids[d].lapic != id->lapic;
	}
	report(agree, "every CPU's LAPIC ID register, CPUID.1:EBX[31:24] and CPUID.0xB:EDX agree");
	report(distinct, "APIC IDs are distinct");
}

static void check_fixed(void)
{
	uint32_t before[GUEST_MAX_CPUS], want[GUEST_MAX_CPUS] = { 0 };
	int ok = 1;

	hits_snapshot(VEC_FIXED, before);
	for (unsigned int c = 1; c < GUEST_MAX_CPUS; c++) {
		if (!smp_cpu_online(c))
			continue;
		for (uint32_t k = 1; k <= FIXED_PER_AP; k++) { /* one at a time: IRR holds one */
			uint64_t end = rdtsc() + timing_us_to_tsc(WAIT_US);

			apic_send_ipi(ids[c].lapic, APIC_DM_FIXED | VEC_FIXED);
			while (hits[c][VEC_FIXED] - before[c] < k && rdtsc() < end)
				cpu_relax();
		}
		want[c] = FIXED_PER_AP;
	}
	report(expect_hits(VEC_FIXED, before, want),
	       "fixed IPIs from the BSP reach exactly their AP, each once");
	for (unsigned int c = 1; c < GUEST_MAX_CPUS; c++) {
		uint32_t from[GUEST_MAX_CPUS], one[GUEST_MAX_CPUS] = { 1 };

		if (!smp_cpu_online(c))
			continue;
		hits_snapshot(VEC_FROM_AP + c, from);
		ok &= ap_run(c, CMD_SEND_TO_BSP) && expect_hits(VEC_FROM_AP + c, from, one);
	}
	report(ok, "a fixed IPI from every AP reaches the BSP once");
}

static void check_shorthands(void)
{
	uint32_t before[GUEST_MAX_CPUS], want[GUEST_MAX_CPUS] = { 0 };

	for (unsigned int c = 1; c < GUEST_MAX_CPUS; c++)
		want[c] = 1;
	hits_snapshot(VEC_OTHERS, before);
	apic_send_ipi(0, APIC_DEST_OTHERS | APIC_DM_FIXED | VEC_OTHERS);
	report(expect_hits(VEC_OTHERS, before, want),
	       "an all-excluding-self IPI reaches every AP once and not the sender");
	want[0] = 1;
	hits_snapshot(VEC_ALL, before);
	apic_send_ipi(0, APIC_DEST_ALL | APIC_DM_FIXED | VEC_ALL);
	report(expect_hits(VEC_ALL, before, want),
	       "an all-including-self IPI reaches every CPU once");
	for (unsigned int c = 1; c < GUEST_MAX_CPUS; c++)
		want[c] = 0;
	hits_snapshot(VEC_SELF, before);
	apic_send_ipi(0, APIC_DEST_SELF | APIC_DM_FIXED | VEC_SELF);
	report(expect_hits(VEC_SELF, before, want), "a self IPI (ICR shorthand) arrives once");
}

static void check_nmi(void)
{
	uint32_t before[GUEST_MAX_CPUS], want[GUEST_MAX_CPUS] = { 0 };
	int ok = 1;

	for (unsigned int c = 1; c < GUEST_MAX_CPUS; c++) {
		if (!smp_cpu_online(c))
			continue;
		hits_snapshot(VEC_NMI, before);
		want[c] = 1;
		apic_send_ipi(ids[c].lapic, APIC_DM_NMI);
		ok &= expect_hits(VEC_NMI, before, want);
		want[c] = 0;
	}
	report(ok, "an NMI IPI runs the NMI handler (vector 2) of each AP");
}

/* The LDR each CPU must have: the flat bit of its index, or x2APIC's cluster and bit. */
static uint32_t expected_ldr(unsigned int c)
{
	uint32_t id = ids[c].lapic;

	if (apic_x2apic_mode())
		return ((id >> 4) << 16) | (1u << (id & 15));
	return c < 8 ? 1u << (24 + c) : 0;
}

/* One logical IPI per x2APIC cluster (one in all for the flat model) to the CPUs in want. */
static void send_logical(const uint32_t want[])
{
	uint32_t sent = 0;

	for (unsigned int c = 0; c < GUEST_MAX_CPUS; c++) {
		uint32_t dest = 0;

		if (!want[c] || (sent & (1u << c)))
			continue;
		for (unsigned int d = c; d < GUEST_MAX_CPUS; d++) {
			if (!want[d] ||
			    (apic_x2apic_mode() && (ids[d].ldr >> 16) != (ids[c].ldr >> 16)))
				continue;
			dest |= apic_x2apic_mode() ? ids[d].ldr : ids[d].ldr >> 24;
			sent |= 1u << d;
		}
		apic_send_ipi(dest, APIC_DEST_LOGICAL | APIC_DM_FIXED | VEC_LOGICAL);
	}
}

static void check_logical(void)
{
	uint32_t before[GUEST_MAX_CPUS], want[GUEST_MAX_CPUS];
	int ok = 1;

	ids[0].ldr = set_logical(0);
	for (unsigned int c = 1; c < GUEST_MAX_CPUS; c++)
		if (smp_cpu_online(c))
			ok &= ap_run(c, CMD_SET_LOGICAL);
	for (unsigned int c = 0; c < GUEST_MAX_CPUS; c++) {
		uint32_t mask = apic_x2apic_mode() ? 0xffffffffu : 0xff000000u;

		if (smp_cpu_online(c) && (ids[c].ldr & mask) != expected_ldr(c)) {
			guest_printf("cpu%u: LDR %#x, expected %#x\n", c, ids[c].ldr,
				     expected_ldr(c));
			ok = 0;
		}
	}
	for (unsigned int odd = 0; odd < 2; odd++) { /* the odd CPUs, then the even ones */
		for (unsigned int c = 0; c < GUEST_MAX_CPUS; c++)
			want[c] = smp_cpu_online(c) && c % 2 == odd && expected_ldr(c);
		hits_snapshot(VEC_LOGICAL, before);
		send_logical(want);
		ok &= expect_hits(VEC_LOGICAL, before, want);
	}
	report(ok, apic_x2apic_mode()
			   ? "logical destination (x2APIC clusters) reaches the selected CPUs only"
			   : "logical destination (flat model) reaches the selected CPUs only");
}

static void check_x2apic_self_ipi(void)
{
	uint32_t before[GUEST_MAX_CPUS], want[GUEST_MAX_CPUS] = { 1 };

	hits_snapshot(VEC_X2APIC_SELF, before);
	wrmsr(MSR_X2APIC_SELF_IPI, VEC_X2APIC_SELF);
	report(expect_hits(VEC_X2APIC_SELF, before, want),
	       "the x2APIC self-IPI register (MSR 0x83f) delivers once");
}

int guest_main(void)
{
	unsigned int n = guest_cmdline_number("cpus", 1, GUEST_MAX_CPUS), arrived;
	static const uint8_t counted[] = { VEC_FIXED, VEC_OTHERS,  VEC_ALL,
					   VEC_SELF,  VEC_LOGICAL, VEC_X2APIC_SELF };

	idt_init();
	apic_init();
	timing_init();
	for (unsigned int i = 0; i < sizeof(counted); i++)
		guest_set_handler(counted[i], count_irq);
	for (unsigned int c = 1; c < GUEST_MAX_CPUS; c++)
		guest_set_handler((uint8_t)(VEC_FROM_AP + c), count_irq);
	guest_set_handler(VEC_NMI, count_nmi);
	guest_set_handler(VEC_DOORBELL, doorbell);
	arrived = guest_start_aps(n - 1, ap_main);
	report(arrived == n - 1, "every AP arrived after INIT-SIPI-SIPI");
	if (arrived == n - 1)
		guest_printf("SMP: %u CPUs running\n", n);
	irq_enable();
	check_ids();
	check_fixed();
	check_shorthands();
	check_nmi();
	check_logical();
	if (apic_x2apic_mode())
		check_x2apic_self_ipi();
	return report_summary();
}
