/*
 * guest-tools/lib/smp.c: starting a test guest's application processors
 * with the broadcast INIT-SIPI-SIPI of Intel SDM vol. 3A 8.4.4.1 (INIT, 10 ms,
 * SIPI, 200 us, SIPI) and the real-mode trampoline of trampoline.asm, copied
 * to TRAMP_BASE (SIPI vector TRAMP_BASE >> 12). The APs count themselves in
 * (8.4.4.2), each taking a stack slot in arrival order; the BSP waits for them
 * with a TSC timeout instead of forever, then numbers them by APIC ID, so CPU
 * indexes do not depend on which AP came first.
 */
#include "guest-tools/lib/apic.h"
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/idt.h"
#include "guest-tools/lib/smp.h"
#include "guest-tools/lib/timing.h"

/*
 * Below 1 MiB, in conventional memory that no loader of ours uses: QEMU puts
 * the Multiboot information after the image, bivisor and bvm from 0x10000.
 */
#define TRAMP_BASE 0x8000ul
#define PAGE_SIZE 4096ul
#define AP_STACK_SIZE 16384ul
#define AP_WAIT_US 1000000u
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MMAP (1u << 6)

extern const char tramp_start[], tramp_end[], tramp_self[];
extern const char tramp_cr3[], tramp_gdtr[], tramp_entry[], tramp_stacks[];
extern const char tramp_stack_size[], tramp_ticket[], tramp_max[];
extern uint32_t boot_magic, boot_info;

/* Stack slot s (1..GUEST_MAX_CPUS - 1) is ap_stacks[s - 1]: the s-th AP to reach 64-bit mode. */
static uint8_t ap_stacks[GUEST_MAX_CPUS - 1][AP_STACK_SIZE] __attribute__((aligned(4096)));
static uint32_t slot_apic_id[GUEST_MAX_CPUS];
static int slot_arrived[GUEST_MAX_CPUS];
static unsigned int slot_cpu[GUEST_MAX_CPUS]; /* the CPU index given to a slot, 0 if none */
static int released;			      /* slot_cpu is final */
static void (*ap_fn)(unsigned int cpu);
static unsigned int aps_done;
static int online[GUEST_MAX_CPUS];
static uint32_t apic_ids[GUEST_MAX_CPUS];
static int aps_started;

unsigned int guest_cpu_index(void)
{
	uintptr_t sp, base = (uintptr_t)ap_stacks;
	unsigned int slot;

	asm volatile("mov %%rsp, %0" : "=r"(sp));
	if (sp <= base || sp > base + sizeof(ap_stacks))
		return 0; /* the BSP runs on entry.asm's stack */
	slot = (unsigned int)((sp - base - 1) / AP_STACK_SIZE) + 1;
	/* Before the BSP numbers it, an AP is told apart by its slot (only printing needs that). */
	return slot_cpu[slot] ? slot_cpu[slot] : GUEST_MAX_CPUS + slot;
}

int smp_cpu_online(unsigned int cpu)
{
	return cpu < GUEST_MAX_CPUS && __atomic_load_n(&online[cpu], __ATOMIC_ACQUIRE);
}

uint32_t smp_apic_id(unsigned int cpu)
{
	return cpu < GUEST_MAX_CPUS ? apic_ids[cpu] : 0;
}

/* Where a trampoline symbol lies in the copy at TRAMP_BASE. */
static void *tramp_low(const char *sym)
{
	return (void *)(TRAMP_BASE + (uintptr_t)(sym - tramp_start));
}

static int tramp_overlaps(uint64_t addr, uint64_t len)
{
	return addr < TRAMP_BASE + PAGE_SIZE && addr + len > TRAMP_BASE;
}

/* 1 if the trampoline page holds none of the Multiboot information we still read. */
static int tramp_page_free(void)
{
	const uint32_t *mbi = (const uint32_t *)(uintptr_t)boot_info;

	if (boot_magic != 0x2badb002 || !mbi)
		return 1;
	if (tramp_overlaps(boot_info, 88))
		return 0;
	if ((mbi[0] & MB1_INFO_CMDLINE) && tramp_overlaps(mbi[4], 4096))
		return 0;
	return !((mbi[0] & MB1_INFO_MMAP) && tramp_overlaps(mbi[12], mbi[11]));
}

/* The C entry of an AP, on the stack of its slot; interrupts are off until fn turns them on. */
static void ap_entry(unsigned int slot)
{
	unsigned int cpu;

	idt_init();
	apic_init();
	slot_apic_id[slot] = apic_id();
	__atomic_store_n(&slot_arrived[slot], 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&released, __ATOMIC_ACQUIRE))
		cpu_relax();
	cpu = slot_cpu[slot];
	if (!cpu) /* too late: the BSP has reported it missing */
		cpu_halt_forever();
	ap_fn(cpu);
	__atomic_fetch_add(&aps_done, 1, __ATOMIC_RELEASE);
	for (;;)
		asm volatile("sti; hlt");
}

static unsigned int slots_arrived(unsigned int n)
{
	unsigned int k = 0;

	for (unsigned int s = 1; s <= n; s++)
		k += __atomic_load_n(&slot_arrived[s], __ATOMIC_ACQUIRE);
	return k;
}

/* CPU indexes 1..k to the slots that arrived, in ascending APIC ID order; then lets them go. */
static unsigned int smp_number_aps(unsigned int n)
{
	unsigned int order[GUEST_MAX_CPUS], k = 0;

	for (unsigned int s = 1; s <= n; s++) {
		unsigned int i = k;

		if (!__atomic_load_n(&slot_arrived[s], __ATOMIC_ACQUIRE))
			continue;
		for (; i > 0 && slot_apic_id[order[i - 1]] > slot_apic_id[s]; i--)
			order[i] = order[i - 1];
		order[i] = s;
		k++;
	}
	for (unsigned int i = 0; i < k; i++) {
		slot_cpu[order[i]] = i + 1;
		apic_ids[i + 1] = slot_apic_id[order[i]];
		__atomic_store_n(&online[i + 1], 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&released, 1, __ATOMIC_RELEASE);
	return k;
}

static void tramp_install(unsigned int n)
{
	uint8_t *dst = (uint8_t *)TRAMP_BASE;

	for (const char *p = tramp_start; p < tramp_end; p++)
		*dst++ = (uint8_t)*p;
	*(uint64_t *)tramp_low(tramp_cr3) = read_cr3();
	*(uint64_t *)tramp_low(tramp_entry) = (uintptr_t)ap_entry;
	*(uint64_t *)tramp_low(tramp_stacks) = (uintptr_t)ap_stacks;
	*(uint64_t *)tramp_low(tramp_stack_size) = AP_STACK_SIZE;
	*(uint32_t *)tramp_low(tramp_ticket) = 0;
	*(uint32_t *)tramp_low(tramp_max) = n;
	asm volatile("sgdt %0" : "=m"(*(uint8_t(*)[10])tramp_low(tramp_gdtr)));
}

/* SDM 8.4.4.1: INIT to all but self, 10 ms, SIPI, 200 us, SIPI. */
static void smp_send_init_sipi_sipi(void)
{
	const uint32_t sipi = APIC_DEST_OTHERS | APIC_LEVEL_ASSERT | APIC_DM_STARTUP |
			      (uint32_t)(TRAMP_BASE >> 12);

	apic_send_ipi(0, APIC_DEST_OTHERS | APIC_LEVEL_ASSERT | APIC_DM_INIT);
	timing_delay_us(10000);
	apic_send_ipi(0, sipi);
	timing_delay_us(200);
	apic_send_ipi(0, sipi); /* ignored by an AP that the first one started */
}

unsigned int guest_start_aps(unsigned int n, void (*fn)(unsigned int cpu))
{
	unsigned int arrived;
	uint64_t end;

	idt_init();
	apic_init();
	timing_init();
	apic_ids[0] = apic_id();
	online[0] = 1;
	if (n == 0 || aps_started)
		return 0;
	if (n > GUEST_MAX_CPUS - 1) {
		guest_printf("smp: %u APs asked for, starting %u\n", n, GUEST_MAX_CPUS - 1);
		n = GUEST_MAX_CPUS - 1;
	}
	if (*(const uint64_t *)tramp_self != TRAMP_BASE + (uintptr_t)(tramp_self - tramp_start) ||
	    tramp_end - tramp_start > (long)PAGE_SIZE || !tramp_page_free()) {
		guest_printf("smp: the trampoline cannot go to %#lx; no APs\n", TRAMP_BASE);
		return 0;
	}
	aps_started = 1;
	ap_fn = fn;
	tramp_install(n);
	smp_send_init_sipi_sipi();
	end = rdtsc() + timing_us_to_tsc(AP_WAIT_US);
	while (slots_arrived(n) < n && rdtsc() < end)
		cpu_relax();
	arrived = smp_number_aps(n);
	if (arrived < n)
		guest_printf(
			"smp: %u of %u APs arrived in %u ms (%u reached 64-bit mode)\n", arrived, n,
			AP_WAIT_US / 1000,
			__atomic_load_n((uint32_t *)tramp_low(tramp_ticket), __ATOMIC_ACQUIRE));
	return arrived;
}

unsigned int smp_wait_done(unsigned int n, uint64_t timeout_us)
{
	uint64_t end = rdtsc() + timing_us_to_tsc(timeout_us);

	while (__atomic_load_n(&aps_done, __ATOMIC_ACQUIRE) < n && rdtsc() < end)
		cpu_relax();
	return __atomic_load_n(&aps_done, __ATOMIC_ACQUIRE);
}
