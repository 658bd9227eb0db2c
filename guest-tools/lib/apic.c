/*
 * guest-tools/lib/apic.c: the test guests' local APIC (Intel SDM vol. 3A
 * chapter 11): enabling it (11.4.3 IA32_APIC_BASE, 11.9 the spurious-vector
 * register), the x2APIC switch (11.12.1), register access by MMIO or MSR,
 * IPIs through the ICR (11.6.1) and the timer (11.5.4, 11.5.4.1 TSC-deadline).
 */
#include "guest-tools/lib/apic.h"
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/idt.h"

#define APIC_BASE_EXTD (1ull << 10) /* x2APIC mode */
#define APIC_BASE_EN (1ull << 11)
#define APIC_BASE_ADDR 0x000ffffffffff000ull
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define PTE_ADDR 0x000ffffffffff000ull
#define PTE_PRESENT (1ull << 0)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_LARGE (1ull << 7)
#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

static int x2apic;
static uintptr_t apic_mmio; /* the xAPIC page, identity-mapped */
static int apic_chosen;

/*
 * The leaf entry mapping va in the current page tables (entry.asm maps 4 GiB
 * with 2 MiB pages), or NULL. Paging-structure entries: SDM vol. 3A 4.5.
 */
static uint64_t *apic_pte(uint64_t va)
{
	uint64_t *table = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);

	for (int shift = 39;; shift -= 9) {
		uint64_t *e = &table[(va >> shift) & 511];

		if (!(*e & PTE_PRESENT))
			return 0;
		if (shift == 12 || (shift < 39 && (*e & PTE_LARGE)))
			return e;
		table = (uint64_t *)(uintptr_t)(*e & PTE_ADDR);
	}
}

/*
 * PCD and PWT make the page UC whatever the PAT holds in entry 3 by default
 * (SDM 12.12.3); the firmware's MTRRs usually say UC there too, but a guest
 * must not rely on that for its interrupt controller.
 */
static void apic_map_uncached(uint64_t pa)
{
	uint64_t *e = apic_pte(pa);

	if (!e) {
		guest_printf("apic: %#lx is not mapped\n", (unsigned long)pa);
		return;
	}
	*e |= PTE_PCD | PTE_PWT;
	asm volatile("invlpg (%0)" : : "r"((uintptr_t)pa) : "memory");
}

static void apic_spurious(struct guest_frame *f)
{
	(void)f; /* a spurious interrupt needs no EOI (SDM 11.9) */
}

/* The BSP's first call: the mode of every CPU, the MMIO page, the 8259s silenced. */
static void apic_choose(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	int want = (int)guest_cmdline_number("x2apic", 0, 1);
	int offered = !!(cpuid(1, 0).ecx & CPUID1_ECX_X2APIC);

	if (want && !offered)
		guest_printf("x2apic: not offered by this CPU\n");
	x2apic = (want && offered) || (base & APIC_BASE_EXTD);
	if (!x2apic) {
		apic_mmio = (uintptr_t)(base & APIC_BASE_ADDR);
		apic_map_uncached(apic_mmio);
		guest_printf("apic: xAPIC mode, registers at %#lx (mapped uncached)\n",
			     (unsigned long)apic_mmio);
	} else {
		guest_printf("apic: x2APIC mode\n");
	}
	outb(PIC1_DATA, 0xff); /* the 8259s stay silent: every interrupt comes from the LAPIC */
	outb(PIC2_DATA, 0xff);
	guest_set_handler(APIC_SPURIOUS_VECTOR, apic_spurious);
	apic_chosen = 1;
}

void apic_init(void)
{
	uint64_t base, want;

	if (!apic_chosen)
		apic_choose();
	base = rdmsr(MSR_APIC_BASE);
	want = base | APIC_BASE_EN;
	if (base != want)
		wrmsr(MSR_APIC_BASE, want); /* xAPIC first: EXTD needs EN (SDM 11.12.5) */
	if (x2apic && !(want & APIC_BASE_EXTD))
		wrmsr(MSR_APIC_BASE, want | APIC_BASE_EXTD);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT_ERROR, APIC_LVT_MASKED | APIC_ERROR_VECTOR);
	apic_write(APIC_TIMER_INITIAL, 0);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
	apic_write(APIC_ESR, 0); /* a write latches and clears the error bits (SDM 11.5.3) */
}

int apic_x2apic_mode(void)
{
	return x2apic;
}

uint32_t apic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return *(volatile uint32_t *)(apic_mmio + reg);
}

void apic_write(uint32_t reg, uint32_t value)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), value);
	else
		*(volatile uint32_t *)(apic_mmio + reg) = value;
}

uint32_t apic_id(void)
{
	return x2apic ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_send_ipi(uint32_t dest, uint32_t icr)
{
	uint64_t flags;

	if (x2apic) {
		wrmsr(MSR_X2APIC_BASE + (APIC_ICR >> 4), ((uint64_t)dest << 32) | icr);
		return;
	}
	flags = irq_save(); /* the two halves must not be split by a handler's own IPI */
	apic_write(APIC_ICR_HIGH, dest << 24);
	apic_write(APIC_ICR, icr);
	for (int i = 0; i < 1000000 && (apic_read(APIC_ICR) & APIC_DELIVERY_PENDING); i++)
		cpu_relax();
	irq_restore(flags);
}

int apic_has_tsc_deadline(void)
{
	return !!(cpuid(1, 0).ecx & CPUID1_ECX_TSC_DEADLINE);
}

/* The divide configuration register's encoding (SDM Figure 11-10). */
static uint32_t apic_divide_bits(unsigned int divide)
{
	switch (divide) {
	case 2:
		return 0x0;
	case 4:
		return 0x1;
	case 8:
		return 0x2;
	case 16:
		return 0x3;
	case 32:
		return 0x8;
	case 64:
		return 0x9;
	case 128:
		return 0xa;
	default:
		return 0xb; /* by 1 */
	}
}

static void apic_timer_start(uint32_t lvt, uint32_t count, unsigned int divide)
{
	apic_write(APIC_TIMER_DIVIDE, apic_divide_bits(divide));
	apic_write(APIC_LVT_TIMER, lvt);
	apic_write(APIC_TIMER_INITIAL, count); /* this write starts the count (SDM 11.5.4) */
}

void apic_timer_oneshot(uint32_t lvt, uint32_t count, unsigned int divide)
{
	apic_timer_start(lvt & ~APIC_TIMER_MODE_MASK, count, divide);
}

void apic_timer_periodic(uint32_t lvt, uint32_t count, unsigned int divide)
{
	apic_timer_start((lvt & ~APIC_TIMER_MODE_MASK) | APIC_TIMER_PERIODIC, count, divide);
}

void apic_timer_deadline(uint32_t lvt, uint64_t tsc)
{
	apic_write(APIC_LVT_TIMER, (lvt & ~APIC_TIMER_MODE_MASK) | APIC_TIMER_TSC_DEADLINE);
	/* SDM 11.5.4.1: order the MMIO write to the LVT before the WRMSR that arms it. */
	asm volatile("mfence" ::: "memory");
	wrmsr(MSR_TSC_DEADLINE, tsc);
}

void apic_timer_stop(void)
{
	uint32_t lvt = apic_read(APIC_LVT_TIMER);

	if ((lvt & APIC_TIMER_MODE_MASK) == APIC_TIMER_TSC_DEADLINE)
		wrmsr(MSR_TSC_DEADLINE, 0);
	else
		apic_write(APIC_TIMER_INITIAL, 0);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | (lvt & 0xff));
}
