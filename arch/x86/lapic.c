/*
 * arch/x86/lapic.c: local APIC (Intel SDM vol. 3A chapter 11): enabling via
 * IA32_APIC_BASE and the spurious-vector register (11.4.3, 11.9), x2APIC MSR
 * access (11.12), the ICR for INIT/SIPI/NMI (11.6.1), and the timer in
 * periodic mode, calibrated against the TSC (11.5.4).
 */
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "arch/x86/x86.h"
#include "kernel/printk.h"

#define APIC_ID 0x20
#define APIC_VERSION 0x30
#define APIC_TPR 0x80
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_ESR 0x280
#define APIC_ICR_LOW 0x300
#define APIC_ICR_HIGH 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3e0

#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN (1ull << 11)
#define SVR_ENABLE 0x100
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define ICR_PENDING (1u << 12)
#define ICR_INIT 0x500
#define ICR_STARTUP 0x600
#define ICR_NMI 0x400
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_ALL_BUT_SELF (3u << 18)

static int x2apic;
static volatile uint32_t *mmio = (volatile uint32_t *)0xfee00000ul;
static uint32_t timer_per_ms;
static int initialized;

static uint32_t apic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return mmio[reg / 4];
}

static void apic_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
	else
		mmio[reg / 4] = v;
}

static void icr_send(uint32_t dest, uint32_t low)
{
	if (x2apic) {
		wrmsr(MSR_X2APIC_BASE + (APIC_ICR_LOW >> 4), ((uint64_t)dest << 32) | low);
		return;
	}
	apic_write(APIC_ICR_HIGH, dest << 24);
	apic_write(APIC_ICR_LOW, low);
	for (int i = 0; i < 1000000 && (apic_read(APIC_ICR_LOW) & ICR_PENDING); i++)
		cpu_relax();
}

static void timer_tick(struct trap_frame *f)
{
	(void)f;
	this_cpu()->ticks++;
	lapic_eoi();
}

static void spurious(struct trap_frame *f)
{
	(void)f; /* no EOI for the spurious vector (SDM 11.9) */
}

void lapic_init_bsp(enum apic_mode want, uint64_t mmio_base)
{
	int has_x2 = (cpuid(1, 0).ecx >> 21) & 1;
	int already_x2 = (rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD) != 0;

	if (mmio_base)
		mmio = (volatile uint32_t *)mmio_base;
	x2apic = already_x2 || (has_x2 && want != APIC_XAPIC);
	if (want == APIC_X2APIC && !has_x2)
		pr_warn("lapic: apic=x2apic asked for, but this CPU has no x2APIC; using xAPIC\n");
	if (want == APIC_XAPIC && already_x2)
		pr_warn("lapic: firmware left x2APIC on; it cannot be turned back to xAPIC\n");
	trap_register(VEC_TIMER, timer_tick);
	trap_register(VEC_SPURIOUS, spurious);
}

static void timer_calibrate(void)
{
	uint32_t elapsed;

	apic_write(APIC_TIMER_DIV, 0x3); /* divide by 16 */
	apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	apic_write(APIC_TIMER_INIT, 0xffffffffu);
	udelay(10000);
	elapsed = 0xffffffffu - apic_read(APIC_TIMER_CUR);
	apic_write(APIC_TIMER_INIT, 0);
	timer_per_ms = elapsed / 10;
	if (!timer_per_ms)
		timer_per_ms = 1;
	pr_info("lapic: %s mode, timer %u kHz (divide by 16), tick %u Hz\n",
		x2apic ? "x2APIC" : "xAPIC", timer_per_ms, TIMER_HZ);
}

void lapic_init_cpu(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_EN;

	if (x2apic)
		base |= APIC_BASE_EXTD;
	wrmsr(MSR_APIC_BASE, base);
	apic_write(APIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	apic_write(APIC_TPR, 0);
	if (!initialized) {
		timer_calibrate();
		initialized = 1;
	}
	apic_write(APIC_TIMER_DIV, 0x3);
	apic_write(APIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	apic_write(APIC_TIMER_INIT, timer_per_ms * 1000 / TIMER_HZ);
}

uint32_t lapic_id(void)
{
	if (x2apic)
		return apic_read(APIC_ID);
	return apic_read(APIC_ID) >> 24;
}

void lapic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void lapic_send_init(uint32_t apic_id)
{
	icr_send(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
	udelay(200);
	if (!x2apic) /* de-assert, needed by old xAPICs only */
		icr_send(apic_id, ICR_INIT | ICR_LEVEL);
}

void lapic_send_sipi(uint32_t apic_id, uint8_t vector_page)
{
	icr_send(apic_id, ICR_STARTUP | vector_page);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	icr_send(apic_id, ICR_ASSERT | vector);
}

void lapic_stop_others(void)
{
	if (ncpus_online > 1)
		icr_send(0, ICR_NMI | ICR_ASSERT | ICR_ALL_BUT_SELF);
}
