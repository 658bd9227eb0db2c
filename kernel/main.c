/*
 * kernel/main.c: the C entry of the Type-1 kernel. Boot order: console,
 * boot information (Multiboot2), command line, descriptor tables, memory,
 * ACPI, TSC, LAPIC, the other CPUs, then the banner. Each step names what it
 * found on the console; docs/design.md walks through it.
 */
#include "arch/x86/acpi.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/paging.h"
#include "arch/x86/pic.h"
#include "arch/x86/smp.h"
#include "arch/x86/tsc.h"
#include "arch/x86/x86.h"
#include "kernel/bootinfo.h"
#include "kernel/cmdline.h"
#include "kernel/guests.h"
#include "kernel/mb2.h"
#include "kernel/mm.h"
#include "kernel/options.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/run.h"
#include "kernel/sched.h"
#include "kernel/selftest.h"
#include "lib/string.h"
#include "kernel/version.h"
#include "kernel/virt.h"

void kmain(uint32_t magic, uint64_t mbi_phys);

static struct boot_info boot;
static struct acpi_info acpi;

static void parse_boot_info(uint32_t magic, uint64_t mbi_phys)
{
	if (mb2_parse(magic, hpa_to_virt(mbi_phys), mbi_phys, &boot))
		panic("not started by a Multiboot2 loader or its information is malformed "
		      "(magic %#x, info at %#lx)",
		      magic, mbi_phys);
}

static void acpi_log(void *ctx, const char *msg)
{
	(void)ctx;
	pr_warn("acpi: %s\n", msg);
}

static const void *acpi_map(void *ctx, uint64_t phys, uint64_t len)
{
	(void)ctx;
	if (phys < PAGE_SIZE || phys + len < phys || phys + len > (4ull << 30))
		return NULL; /* page 0 is unmapped; firmware tables live below 4 GiB */
	return hpa_to_virt(phys);
}

/* Returns 0 when a MADT was found; otherwise the kernel runs on one CPU. */
static int acpi_setup(void)
{
	struct acpi_env env = { acpi_map, acpi_log, NULL };
	const void *rsdp = boot.rsdp;
	int err;

	if (opts.acpi_off) {
		pr_info("acpi: disabled on the command line; one CPU\n");
		return -1;
	}
	if (!rsdp) {
		uint64_t pa = acpi_find_rsdp(&env);

		rsdp = pa ? hpa_to_virt(pa) : NULL;
		pr_info("acpi: no RSDP from the loader; BIOS area scan %s\n",
			rsdp ? "found one" : "found none");
	}
	err = acpi_parse(&env, rsdp, &acpi);
	if (opts.acpi_dump)
		selftest_acpi_dump(rsdp, &acpi);
	if (err) {
		pr_warn("acpi: tables missing or corrupt (error %d); falling back to one CPU\n",
			err);
		return -1;
	}
	pr_info("acpi: rev %d, OEM '%s', %u tables, %u CPUs and %u IOAPICs in the MADT\n",
		acpi.revision, acpi.oem, acpi.ntables, acpi.ncpus, acpi.nioapics);
	return 0;
}

static void print_banner(const struct cpu_info *ci)
{
	printk("cpu: %s \"%s\" family %#x model %#x stepping %u\n", ci->vendor, ci->model,
	       ci->family, ci->model_num, ci->stepping);
	if (ci->virt == VIRT_NONE)
		printk("virt: none: this CPU has neither VMX nor SVM\n");
	else
		printk("virt: %s%s%s\n", cpu_virt_name(ci), ci->virt_problem ? ": " : "",
		       ci->virt_problem ? ci->virt_problem : "");
	printk("memory: %lu MiB usable, %lu MiB free (frames: %lu free, %lu used)\n",
	       mm_usable_bytes() >> 20, mm_frames_free() * PAGE_SIZE >> 20, mm_frames_free(),
	       mm_frames_total() - mm_frames_free());
	printk("%u CPUs online\n", ncpus_online);
	printk("modules: %u loaded\n", boot.nmods);
	for (unsigned int i = 0; i < boot.nmods; i++)
		printk("  module %u: %lu KiB at %#lx, '%s'\n", i,
		       (boot.mods[i].end - boot.mods[i].start + 1023) >> 10, boot.mods[i].start,
		       boot.mods[i].cmdline);
	if (boot.mods_dropped)
		pr_warn("modules: %u more were given than the %u bivisor keeps; ignored\n",
			boot.mods_dropped, BOOT_MAX_MODS);
}

/* The AP trampoline page must be usable RAM that the loader left unused. */
static int trampoline_page_free(void)
{
	const uint64_t lo = 0x8000, hi = 0x9000;
	int usable = 0;

	for (unsigned int i = 0; i < boot.nmem; i++) {
		const struct mem_range *m = &boot.mem[i];

		if (m->base < hi && lo < m->base + m->len) {
			if (m->type != MEM_USABLE)
				return 0;
			usable |= m->base <= lo && hi <= m->base + m->len;
		}
	}
	for (unsigned int i = 0; i < boot.nmods; i++)
		if (boot.mods[i].start < hi && lo < boot.mods[i].end)
			return 0;
	return usable && !(boot.info_start < hi && lo < boot.info_end);
}

/* Every online CPU must have taken LAPIC timer interrupts within 100 ms. */
static void timer_check(void)
{
	unsigned int quiet = 0;

	udelay(100000);
	for (unsigned int i = 0; i < ncpus_online; i++) {
		if (!cpus[i]->ticks) {
			pr_warn("timer: cpu%u has taken no timer interrupt\n", i);
			quiet++;
		}
	}
	if (!quiet)
		pr_info("timer: every CPU is ticking (cpu0: %lu ticks in 100 ms at %u Hz)\n",
			cpus[0]->ticks, TIMER_HZ);
}

static void bring_up_cpus(void)
{
	int have_madt = acpi_setup() == 0;

	tsc_init(opts.tsc, have_madt ? acpi.pm_timer_port : 0);
	pr_info("tsc: %lu kHz (%s)\n", tsc_khz(), tsc_source());
	lapic_init_bsp(opts.apic_mode, have_madt ? acpi.lapic_addr : 0);
	lapic_init_cpu();
	if (!trampoline_page_free())
		pr_warn("smp: the AP trampoline page 0x8000 is not free RAM; one CPU\n");
	else if (have_madt)
		smp_boot(&acpi, opts.maxcpus, opts.fake_ap);
	smp_release();
	irq_enable();
	timer_check();
}

/* Enables the backend on every CPU, creates the domains and runs them. */
static void start_guests(void)
{
	if (!boot.nmods) {
		printk("no guest modules given; nothing to run\n");
		return;
	}
	if (virt_select())
		return;
	if (run_enable_cpu()) {
		printk("%s cannot be enabled on this CPU (see above); guests cannot run\n",
		       virt->name);
		return;
	}
	smp_run_on_aps(run_loop);
	run_wait_enabled();
	if (!guests_create(&boot)) {
		printk("no domain could be created; nothing to run\n");
		return;
	}
	run_start();
	run_loop();
}

void kmain(uint32_t magic, uint64_t mbi_phys)
{
	struct cpu_info ci;

	console_init(CONSOLE_COM1);
	smp_init_bsp(); /* descriptor tables first: a fault from here on is reported */
	pic_disable();
	parse_boot_info(magic, mbi_phys);
	options_parse(boot.cmdline);
	if (opts.mb2_dump)
		selftest_mb2_dump(&boot);
	printk("bivisor %s: x86-64 research hypervisor (loader: %s, command line: '%s')\n",
	       BIVISOR_VERSION, boot.loader, boot.cmdline);
	mm_init(&boot);
	paging_init();
	if (heap_self_test())
		panic("heap self-test failed: frames were not returned");
	bring_up_cpus();
	cpu_identify(&ci);
	print_banner(&ci);
	selftest_run(opts.crash);
	if (ci.virt == VIRT_NONE || ci.virt_problem || !ci.nested_paging) {
		printk("bivisor cannot run guests on this CPU; halting. "
		       "(The hosted mode, bvm, runs the same guests on Linux/KVM.)\n");
		machine_test_exit(EXIT_OK);
		cpu_halt_forever();
	}
	printk("bivisor: boot complete\n");
	start_guests();
	machine_test_exit(EXIT_OK);
	for (;;)
		asm volatile("hlt");
}
