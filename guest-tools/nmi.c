/*
 * guest-tools/nmi.c: NMIs and their blocking (Intel SDM vol. 3A 6.7.1, AMD
 * APM vol. 2 8.2.4: from the delivery of an NMI to the next IRET no other NMI
 * is taken, and one that comes meanwhile is held, one at most). NMIs go
 * through the ICR to a physical APIC ID with delivery mode NMI (SDM 3A
 * 11.6.1; the self shorthand is not valid with NMI). Checks: an NMI arrives,
 * with RFLAGS.IF set or clear; one sent inside the handler waits for its IRET
 * and is taken right after it, at the address the first returned to; two sent
 * there bring one more; with cpus=2, NMIs to the other CPU both ways, and one
 * that wakes a CPU halted with interrupts off.
 */
#include "guest-tools/lib/apic.h"
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/idt.h"
#include "guest-tools/lib/smp.h"
#include "guest-tools/lib/timing.h"

#define VEC_NMI 2
#define WAIT_US 100000u	 /* an NMI must arrive within this */
#define HOLD_US 1000u	 /* the handler spins this long after sending more */
#define SETTLE_US 10000u /* after the last expected NMI: time for a duplicate */
#define WAKE_TRIES 100u

static volatile uint32_t nmis[GUEST_MAX_CPUS];
static volatile uint32_t resend;      /* NMIs the BSP's handler sends itself on its first run */
static volatile uint32_t seen_inside; /* the BSP's count when that run's spin ended */
static volatile uint32_t depth, deepest;
static volatile uint64_t first_rip, second_rip;
static volatile int ap_cmd, bsp_awake;

enum { AP_WAIT, AP_WAKE_BSP, AP_DONE };

static void send_nmi(uint32_t apic)
{
	apic_send_ipi(apic, APIC_DM_NMI);
}

/* The BSP's first NMI of a round sends `resend` more to itself and waits. */
static void bsp_first(struct guest_frame *f)
{
	first_rip = f->rip;
	for (uint32_t i = 0; i < resend; i++)
		send_nmi(apic_id());
	if (!resend)
		return;
	timing_delay_us(HOLD_US);
	seen_inside = nmis[0];
}

static void nmi_handler(struct guest_frame *f)
{
	unsigned int c = guest_cpu_index();
	uint32_t n = ++nmis[c];

	if (c != 0)
		return; /* NMIs take no EOI */
	if (++depth > deepest)
		deepest = depth;
	if (n == 1)
		bsp_first(f);
	else if (n == 2)
		second_rip = f->rip;
	depth--;
}

/* Waits up to WAIT_US for the count of cpu to reach want, then SETTLE_US more. */
static uint32_t wait_nmis(unsigned int cpu, uint32_t want)
{
	uint64_t end = rdtsc() + timing_us_to_tsc(WAIT_US);

	while (nmis[cpu] < want && rdtsc() < end)
		cpu_relax();
	timing_delay_us(SETTLE_US);
	return nmis[cpu];
}

/* One NMI to this CPU, whose handler sends r more; returns how many arrived. */
static uint32_t round_self(uint32_t r)
{
	nmis[0] = 0;
	seen_inside = deepest = 0;
	first_rip = second_rip = 0;
	resend = r;
	send_nmi(apic_id());
	return wait_nmis(0, r ? 2 : 1);
}

static void check_self(void)
{
	uint32_t n;

	irq_enable();
	n = round_self(0);
	irq_disable();
	report(n == 1, "an NMI to the CPU's own APIC ID arrives, once (IF=1)");
	n = round_self(0);
	report(n == 1, "an NMI arrives with interrupts off (IF=0)");
	n = round_self(1);
	guest_printf("one NMI sent in the handler: %u inside, %u in all, nesting %u\n", seen_inside,
		     n, deepest);
	report(seen_inside == 1 && deepest == 1,
	       "an NMI sent inside the handler is held until its IRET (1 ms)");
	report(n == 2, "after the IRET the held NMI arrives, once");
	report(second_rip == first_rip && first_rip != 0,
	       "it arrives right after the IRET, where the first one returned to");
	n = round_self(2);
	guest_printf("two NMIs sent in the handler: %u inside, %u in all\n", seen_inside, n);
	report(n == 2 && seen_inside == 1 && deepest == 1,
	       "two NMIs sent inside the handler bring one more (one NMI latch)");
}

/* The AP spins with interrupts off until asked to wake the BSP, then sends it
 * an NMI every millisecond until it is awake. */
static void ap_main(unsigned int cpu)
{
	(void)cpu;
	while (__atomic_load_n(&ap_cmd, __ATOMIC_ACQUIRE) == AP_WAIT)
		cpu_relax();
	for (unsigned int i = 0; i < WAKE_TRIES && !__atomic_load_n(&bsp_awake, __ATOMIC_ACQUIRE);
	     i++) {
		send_nmi(smp_apic_id(0));
		timing_delay_us(1000);
	}
	while (__atomic_load_n(&ap_cmd, __ATOMIC_ACQUIRE) != AP_DONE)
		cpu_relax();
}

static void check_two_cpus(void)
{
	uint32_t n;

	if (guest_start_aps(1, ap_main) != 1) {
		report(0, "cpus=2: the second CPU started");
		return;
	}
	send_nmi(smp_apic_id(1));
	n = wait_nmis(1, 1);
	report(n == 1, "an NMI IPI to the other CPU arrives, once");
	nmis[0] = 0;
	resend = 0;
	__atomic_store_n(&ap_cmd, AP_WAKE_BSP, __ATOMIC_RELEASE);
	while (!nmis[0])
		asm volatile("hlt" ::: "memory"); /* IF is clear: only an NMI ends it */
	__atomic_store_n(&bsp_awake, 1, __ATOMIC_RELEASE);
	report(nmis[0] >= 1 && nmis[1] == 1,
	       "an NMI from the other CPU wakes this one halted with IF=0");
	__atomic_store_n(&ap_cmd, AP_DONE, __ATOMIC_RELEASE);
}

int guest_main(void)
{
	idt_init();
	apic_init();
	timing_init();
	guest_set_handler(VEC_NMI, nmi_handler);
	irq_disable();
	check_self();
	if (guest_cmdline_number("cpus", 1, 2) == 2)
		check_two_cpus();
	return report_summary();
}
