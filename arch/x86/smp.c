/*
 * arch/x86/smp.c: starting the application processors with INIT-SIPI-SIPI
 * (Intel SDM vol. 3A 9.4.4.1 "Typical BSP Initialization Sequence", with the
 * 10 ms and 200 us delays of the MP specification). One AP at a time: the
 * trampoline page at 0x8000 (boot/trampoline.asm) carries the CR3, stack,
 * entry and per-CPU pointer of the AP being started.
 */
#include "arch/x86/smp.h"
#include "arch/x86/gdt.h"
#include "arch/x86/lapic.h"
#include "arch/x86/paging.h"
#include "arch/x86/tsc.h"
#include "arch/x86/x86.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "lib/string.h"

#define TRAMP_ADDR 0x8000ull
#define TRAMP_PARAMS 0xf00
#define AP_TIMEOUT_MS 1000

struct tramp_params {
	uint64_t cr3, stack, entry, arg;
};

extern const char trampoline_start[], trampoline_end[];
extern char boot_stack_top[];

struct percpu *cpus[MAX_CPUS];
unsigned int ncpus_online;
static volatile int released;
static void (*volatile ap_work)(void);
static struct percpu bsp_percpu;

static void cpu_common_init(struct percpu *pc)
{
	gdt_init_cpu(pc);
	idt_load();
	lapic_init_cpu();
}

void smp_init_bsp(void)
{
	struct percpu *pc = &bsp_percpu;

	pc->id = 0;
	pc->stack_top = (uint64_t)boot_stack_top;
	gdt_init_cpu(pc);
	idt_init();
	cpus[0] = pc;
	ncpus_online = 1;
}

static void ap_main(struct percpu *pc)
{
	cpu_common_init(pc);
	pc->apic_id = lapic_id();
	__atomic_store_n(&pc->online, 1, __ATOMIC_RELEASE);
	while (!released)
		cpu_relax();
	paging_load(); /* drops any stale TLB entry of the trampoline page */
	irq_enable();
	while (!ap_work)
		asm volatile("hlt"); /* the timer tick wakes us to look again */
	ap_work();
	cpu_halt_forever();
}

void smp_run_on_aps(void (*fn)(void))
{
	__atomic_store_n(&ap_work, fn, __ATOMIC_RELEASE);
}

static struct percpu *percpu_new(unsigned int id, uint32_t apic_id)
{
	struct percpu *pc = kzalloc(sizeof(*pc));
	void *stack = kmalloc(KSTACK_SIZE);

	if (!pc || !stack)
		panic("smp: out of memory for cpu%u", id);
	pc->id = id;
	pc->apic_id = apic_id;
	pc->stack_top = (uint64_t)stack + KSTACK_SIZE;
	return pc;
}

static int wait_online(struct percpu *pc)
{
	uint64_t deadline = tsc_ns() + AP_TIMEOUT_MS * 1000000ull;

	while (tsc_ns() < deadline)
		if (__atomic_load_n(&pc->online, __ATOMIC_ACQUIRE))
			return 1;
	return 0;
}

static int start_ap(struct percpu *pc)
{
	struct tramp_params *tp = (void *)(TRAMP_ADDR + TRAMP_PARAMS);

	tp->cr3 = paging_root();
	tp->stack = pc->stack_top;
	tp->entry = (uint64_t)ap_main;
	tp->arg = (uint64_t)pc;
	lapic_send_init(pc->apic_id);
	udelay(10000);
	for (int i = 0; i < 2; i++) {
		lapic_send_sipi(pc->apic_id, TRAMP_ADDR >> 12);
		udelay(200);
		if (pc->online)
			break;
	}
	return wait_online(pc);
}

static void try_cpu(uint32_t apic_id)
{
	struct percpu *pc;

	if (ncpus_online == MAX_CPUS)
		return;
	pc = percpu_new(ncpus_online, apic_id);
	if (start_ap(pc)) {
		cpus[ncpus_online++] = pc;
		pr_debug("smp: cpu%u (APIC id %u) online\n", pc->id, apic_id);
		return;
	}
	pr_warn("smp: CPU with APIC id %u did not answer INIT-SIPI-SIPI within %u ms; "
		"going on without it\n",
		apic_id, AP_TIMEOUT_MS);
	/* pc and its stack are kept: an AP that answers late must not run on freed memory */
}

void smp_boot(const struct acpi_info *ai, unsigned int maxcpus, long extra_apic_id)
{
	uint32_t bsp = lapic_id();

	cpus[0]->apic_id = bsp;
	memcpy((void *)TRAMP_ADDR, trampoline_start, trampoline_end - trampoline_start);
	paging_set_exec(TRAMP_ADDR, 1);
	for (unsigned int i = 0; i < ai->ncpus && ncpus_online < maxcpus; i++)
		if (ai->cpus[i].enabled && ai->cpus[i].apic_id != bsp)
			try_cpu(ai->cpus[i].apic_id);
	if (extra_apic_id >= 0 && ncpus_online < maxcpus)
		try_cpu((uint32_t)extra_apic_id);
	paging_set_exec(TRAMP_ADDR, 0);
}

void smp_release(void)
{
	__atomic_store_n(&released, 1, __ATOMIC_RELEASE);
}
