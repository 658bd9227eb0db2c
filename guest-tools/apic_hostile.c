/*
 * guest-tools/apic_hostile.c: a guest that abuses its local APIC for
 * seconds=S (default 2) of TSC time, and must only slow itself down: a
 * periodic timer with initial count 1 and divide by 1 (Intel SDM vol. 3A
 * 11.5.4), a stream of self IPIs (11.6.1), accesses to the undefined
 * offsets of the xAPIC page (Table 11-1: reads give 0 or all ones, writes do
 * nothing) and writes to the read-only version and PPR registers. In x2APIC
 * mode (x2apic=1) those accesses must raise #GP instead (11.12.1.2).
 */
#include "guest-tools/lib/apic.h"
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/idt.h"
#include "guest-tools/lib/timing.h"

#define VEC_GP 13
#define VEC_STORM 0x40
#define VEC_SELF 0x41
#define MSR_X2APIC_SELF_IPI 0x83f
#define PATTERN 0x5a5a5a5au
#define DELIVERY_US 100000u
#define QUIET_US 20000u

/* Gaps of Table 11-1; 0x3f0 is the self-IPI register in x2APIC mode only. */
static const uint32_t undefined_regs[] = { 0x000, 0x010, 0x040, 0x050, 0x060,
					   0x070, 0x400, 0xff0, 0x3f0 };
static const uint32_t read_only_regs[] = { APIC_VERSION, APIC_PPR };

static volatile uint64_t storm_ticks, self_ipis, strays, gp_faults;
static unsigned int complained; /* the first bad probe is printed */

static void storm_irq(struct guest_frame *f)
{
	(void)f;
	storm_ticks++;
	apic_eoi();
}

static void self_irq(struct guest_frame *f)
{
	(void)f;
	self_ipis++;
	apic_eoi();
}

/* Any other vector: a write that should have done nothing raised an interrupt. */
static void stray_irq(struct guest_frame *f)
{
	(void)f;
	strays++;
	apic_eoi();
}

/* x2APIC mode: a #GP from RDMSR or WRMSR (0f 32, 0f 30) is the expected answer; skip it. */
static void gp_fault(struct guest_frame *f)
{
	const uint8_t *ip = (const uint8_t *)(uintptr_t)f->rip;

	if (!apic_x2apic_mode() || ip[0] != 0x0f || (ip[1] != 0x30 && ip[1] != 0x32))
		idt_unexpected(f);
	f->rip += 2;
	gp_faults++;
}

/* Reads 0 or all ones, before and after a write (xAPIC), or faults all three times (x2APIC). */
static int probe_undefined(uint32_t reg)
{
	uint64_t gp = gp_faults;
	uint32_t before, after;

	before = apic_read(reg);
	apic_write(reg, PATTERN);
	after = apic_read(reg);
	if (apic_x2apic_mode() ? gp_faults - gp == 3
			       : (before == 0 || before == 0xffffffffu) && after == before)
		return 1;
	if (!complained++)
		guest_printf("undefined register %#x: read %#x, then %#x after a write of %#x "
			     "(%lu #GP)\n",
			     reg, before, after, PATTERN, (unsigned long)(gp_faults - gp));
	return 0;
}

/* Reads the same after a write of its complement (xAPIC), which faults in x2APIC mode. */
static int probe_read_only(uint32_t reg)
{
	uint64_t gp = gp_faults;
	uint32_t before = apic_read(reg), after;

	apic_write(reg, ~before);
	after = apic_read(reg);
	if (after == before && (!apic_x2apic_mode() || gp_faults - gp == 1))
		return 1;
	if (!complained++)
		guest_printf("read-only register %#x: read %#x, then %#x after a write of %#x "
			     "(%lu #GP)\n",
			     reg, before, after, ~before, (unsigned long)(gp_faults - gp));
	return 0;
}

/* A self IPI, by the ICR's shorthand or (x2APIC) the self-IPI MSR; waits for it to arrive. */
static void send_self_ipi(uint64_t n)
{
	uint64_t end = rdtsc() + timing_us_to_tsc(DELIVERY_US);

	if (apic_x2apic_mode() && (n & 1))
		wrmsr(MSR_X2APIC_SELF_IPI, VEC_SELF);
	else
		apic_send_ipi(0, APIC_DEST_SELF | APIC_DM_FIXED | VEC_SELF);
	while (self_ipis < n + 1 && rdtsc() < end)
		cpu_relax();
}

static void set_handlers(void)
{
	for (unsigned int v = 0x20; v < APIC_ERROR_VECTOR; v++)
		guest_set_handler((uint8_t)v, stray_irq);
	guest_set_handler(VEC_STORM, storm_irq);
	guest_set_handler(VEC_SELF, self_irq);
	guest_set_handler(VEC_GP, gp_fault);
}

int guest_main(void)
{
	unsigned int seconds = guest_cmdline_number("seconds", 2, 3600);
	uint32_t storm = guest_cmdline_number("storm", 1, 0xffffffffu);
	unsigned int nregs = sizeof(undefined_regs) / sizeof(undefined_regs[0]);
	uint64_t end, sent = 0, probes = 0, ticks;
	int undefined_ok = 1, read_only_ok = 1;

	idt_init();
	apic_init();
	timing_init();
	set_handlers();
	if (apic_x2apic_mode())
		nregs--; /* 0x3f0 is defined there */
	guest_printf("apic-hostile: %u s of timer storm (initial count %u, divide 1), self IPIs "
		     "and bad register accesses\n",
		     seconds, storm);
	end = rdtsc() + timing_us_to_tsc(seconds * 1000000ull);
	irq_enable();
	apic_timer_periodic(VEC_STORM, storm, 1);
	while (rdtsc() < end) {
		send_self_ipi(sent++);
		undefined_ok &= probe_undefined(undefined_regs[probes % nregs]);
		read_only_ok &= probe_read_only(read_only_regs[probes % 2]);
		probes++;
	}
	apic_timer_stop();
	timing_delay_us(QUIET_US); /* one already pending may still come */
	ticks = storm_ticks;
	timing_delay_us(QUIET_US);
	apic_write(APIC_ESR, 0);
	guest_printf("apic-hostile: %lu timer interrupts, %lu of %lu self IPIs, %lu probes, "
		     "%lu stray interrupts, ESR %#x\n",
		     (unsigned long)storm_ticks, (unsigned long)self_ipis, (unsigned long)sent,
		     (unsigned long)probes, (unsigned long)strays, apic_read(APIC_ESR));
	report(ticks > 0 && storm_ticks == ticks, "survived the timer storm");
	report(sent > 0 && self_ipis == sent, "survived the IPI storm");
	report(undefined_ok && !strays,
	       apic_x2apic_mode()
		       ? "undefined x2APIC registers raise #GP"
		       : "undefined registers read 0 or all-ones and writes are ignored");
	report(read_only_ok, apic_x2apic_mode()
				     ? "read-only registers (version, PPR) raise #GP on write"
				     : "read-only registers (version, PPR) ignore writes");
	return report_summary();
}
