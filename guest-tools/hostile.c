/*
 * guest-tools/hostile.c: a guest that attacks the hypervisor beneath it, one
 * area per run (area=N): 1 the instruction emulator, 2 registers (MSRs,
 * control and debug registers; Intel SDM vol. 3A 2.5, 17.2, AMD APM vol. 2
 * 3.1), 3 every port at every width, 4 the platform (HLT, PAUSE, IPI and NMI
 * storms, INIT/SIPI, LAPIC and IOAPIC register fuzzing; SDM vol. 3A ch. 11),
 * 5 memory (every guest-physical address, its own firmware area), 6
 * hypercalls from a domain that is not the service domain. Each attack must
 * get the answer a CPU or the ABI defines (a #GP, all ones, -EPERM); crash=N
 * instead runs one attack the hypervisor must answer by crashing this domain
 * alone (docs/security.md lists them all).
 */
#include "guest-tools/lib/apic.h"
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/idt.h"
#include "guest-tools/lib/timing.h"
#include "include/public/hypercall.h"
#include "lib/sizes.h"

#define VEC_DB 1
#define VEC_NMI 2
#define VEC_UD 6
#define VEC_GP 13
#define VEC_PF 14
#define VEC_TIMER 0x40
#define VEC_IPI 0x41
#define OPEN_BUS 0xe0000000ull /* below the IOAPIC, above any test guest's RAM */
#define IOAPIC_BASE 0xfec00000ull
#define MSR_TSC 0x10u
#define EPERM 1
#define ENOSYS 38
#define EINVAL 22

/* Where a guarded instruction resumes when it faults, and what it raised. */
static volatile uint64_t fixup_rip;
static volatile uint64_t faults[32];
static volatile uint64_t irqs, nmis;

/* #DB, #UD, #GP, #PF inside a guarded instruction: count it and go on after it. */
static void guarded_fault(struct guest_frame *f)
{
	if (!fixup_rip)
		idt_unexpected(f);
	faults[f->vector]++;
	f->rip = fixup_rip;
	fixup_rip = 0;
}

static void count_irq(struct guest_frame *f)
{
	(void)f;
	irqs++;
	apic_eoi();
}

static void count_nmi(struct guest_frame *f)
{
	(void)f;
	nmis++;
}

/*
 * Runs insn with fixup_rip set to the address after it, so a fault there
 * resumes after it (guarded_fault): GUARD(insn, : outputs : inputs : clobbers),
 * the outputs starting with [fx] "=m"(fixup_rip) and the clobbers with r11.
 */
#define GUARD(insn, ...)                                                                           \
	asm volatile("leaq 1f(%%rip), %%r11\n\tmovq %%r11, %[fx]\n\t" insn "\n1:\n\t"              \
		     "movq $0, %[fx]" __VA_ARGS__)

static uint64_t fault_total(void)
{
	uint64_t n = 0;

	for (int v = 0; v < 32; v++)
		n += faults[v];
	return n;
}

static int try_rdmsr(uint32_t msr, uint64_t *val)
{
	uint64_t before = fault_total();
	uint32_t lo = 0xffffffffu, hi = 0xffffffffu;

	GUARD("rdmsr", : [fx] "=m"(fixup_rip), "+a"(lo), "+d"(hi) : "c"(msr) : "r11", "memory");
	*val = (uint64_t)hi << 32 | lo;
	return fault_total() == before;
}

static int try_wrmsr(uint32_t msr, uint64_t val)
{
	uint64_t before = fault_total();

	GUARD("wrmsr",
	      : [fx] "=m"(fixup_rip)
	      : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
	      : "r11", "memory");
	return fault_total() == before;
}

/* Each returns 1 when the write raised #GP (the CPU's answer to a reserved value). */
static int gp_on_cr0(uint64_t v)
{
	uint64_t gp = faults[VEC_GP];

	GUARD("movq %[v], %%cr0", : [fx] "=m"(fixup_rip) : [v] "r"(v) : "r11", "memory");
	return faults[VEC_GP] == gp + 1;
}

static int gp_on_cr4(uint64_t v)
{
	uint64_t gp = faults[VEC_GP];

	GUARD("movq %[v], %%cr4", : [fx] "=m"(fixup_rip) : [v] "r"(v) : "r11", "memory");
	return faults[VEC_GP] == gp + 1;
}

static int gp_on_dr7(uint64_t v)
{
	uint64_t gp = faults[VEC_GP];

	GUARD("movq %[v], %%dr7", : [fx] "=m"(fixup_rip) : [v] "r"(v) : "r11", "memory");
	return faults[VEC_GP] == gp + 1;
}

static uint64_t guarded_read64(uint64_t addr)
{
	uint64_t v = 0;

	GUARD("movq (%[a]), %[v]",
	      : [fx] "=m"(fixup_rip), [v] "+r"(v)
	      : [a] "r"(addr)
	      : "r11", "memory");
	return v;
}

/* ---- 1: the instruction emulator ---- */

static void attack_emulator(void)
{
	volatile uint8_t *bus = (volatile uint8_t *)OPEN_BUS;
	uint64_t gp = faults[VEC_GP], v16, vfs;

	guarded_read64(0x0000800000000000ull | OPEN_BUS);
	guarded_read64(0xffff7fffe0000000ull);
	report(faults[VEC_GP] == gp + 2, "emulator: MMIO operands at non-canonical addresses: #GP");
	asm volatile("movq $-1, %0\n\tmovw (%1), %w0" : "=&r"(v16) : "r"(bus) : "memory");
	asm volatile("movq $0, %0\n\tmovl %%fs:(%1), %k0" : "=&r"(vfs) : "r"(bus) : "memory");
	report(v16 == ~0ull && vfs == 0xffffffffull,
	       "emulator: operand-size prefix and FS override on MMIO: all ones, no more");
	report(*(volatile uint32_t *)(bus + 1) == 0xffffffffu &&
		       *(volatile uint64_t *)(bus + SZ_4K - 4) == ~0ull,
	       "emulator: unaligned and page-crossing MMIO reads: all ones");
	*(volatile uint64_t *)(bus + SZ_4K - 3) = 0x1122334455667788ull;
	report(*(volatile uint32_t *)(bus + SZ_4K - 3) == 0xffffffffu,
	       "emulator: a page-crossing MMIO write is dropped");
	report(*(volatile uint32_t *)(IOAPIC_BASE + 0x11) == 0xffffffffu ||
		       *(volatile uint32_t *)(IOAPIC_BASE + 0x11) == 0,
	       "emulator: an unaligned IOAPIC read answers like an open bus");
}

/* ---- 2: registers ---- */

/* Reads an MSR and writes back what it read (0 when the read faults): never crashes us. */
static void sweep_msr_range(uint32_t first, uint32_t last, uint32_t *readable, uint32_t *gp)
{
	for (uint32_t m = first; m <= last; m++) {
		uint64_t v = 0;

		if (try_rdmsr(m, &v))
			++*readable;
		else
			++*gp;
		if (m != MSR_TSC)
			try_wrmsr(m, v);
	}
}

/* Under bvm no instruction traps to bivisor (include/public/hypercall.h): KVM runs us. */
static int under_kvm(void)
{
	return !(cpuid(BV_CPUID_HYPERCALL, 0).ebx & (BV_CPUID_HC_VMCALL | BV_CPUID_HC_VMMCALL));
}

/*
 * 1 if a non-canonical value into msr raised #GP (SDM vol. 2B, WRMSR). KVM
 * does not intercept these MSRs: the CPU beneath answers.
 * In the nested lab that is QEMU's TCG, which takes the value; under KVM
 * only, a value taken as written is skipped with a line saying so (and the
 * old value put back), so the result line is the same on every platform.
 */
static int noncanonical_refused(uint32_t msr, const char *name)
{
	uint64_t old = 0, now = 0;

	try_rdmsr(msr, &old);
	if (!try_wrmsr(msr, 1ull << 62))
		return 1;
	try_rdmsr(msr, &now);
	try_wrmsr(msr, old);
	if (!under_kvm() || now != 1ull << 62)
		return 0;
	guest_printf("registers: the CPU beneath KVM took a non-canonical %s (QEMU's TCG in the "
		     "lab does not check): not counted\n",
		     name);
	return 1;
}

static void attack_msrs(uint32_t span)
{
	uint32_t readable = 0, gp = 0;
	uint64_t efer;

	sweep_msr_range(0, span < 0x2000 ? span - 1 : 0x1fff, &readable, &gp);
	sweep_msr_range(0xc0000000u, 0xc0000000u + span - 1, &readable, &gp);
	sweep_msr_range(0xc0010000u, 0xc0010000u + (span < 0x2000 ? span - 1 : 0x1fff), &readable,
			&gp);
	guest_printf("msr sweep: %u readable, %u #GP on read\n", readable, gp);
	report(readable > 0 && gp > 0, "registers: MSR sweep, read and write back: values or #GP");
	try_rdmsr(MSR_EFER, &efer);
	report(!try_wrmsr(MSR_EFER, efer | 1ull << 63),
	       "registers: EFER with a reserved bit, or LME cleared in long mode: #GP");
	report(!try_wrmsr(MSR_APIC_BASE, 1ull << 60),
	       "registers: APIC base beyond MAXPHYADDR: #GP");
	/* Not SYSENTER_EIP/ESP: AMD CPUs (and KVM on them) take any value there. */
	report(noncanonical_refused(0xc0000100u, "FS base") &&
		       noncanonical_refused(0xc0000101u, "GS base") &&
		       noncanonical_refused(0xc0000102u, "kernel GS base") &&
		       noncanonical_refused(0xc0000082u, "LSTAR"),
	       "registers: non-canonical FS, GS, kernel GS bases, LSTAR: #GP");
	report(!try_wrmsr(0x277, 0x0202020202020202ull) && !try_wrmsr(0x277, 8ull << 56),
	       "registers: PAT with reserved memory types: #GP");
}

/*
 * CR0 writes do not exit: the CPU checks them; CR4 writes bivisor checks
 * against the guest's CPUID (kernel/exit.c). QEMU's TCG takes some of the CR0
 * values, and VMRUN then refuses the state: crash=6.
 */
static void attack_control_regs(void)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();

	report(gp_on_cr4(cr4 | 1ull << 31) && gp_on_cr4(cr4 | 1ull << 63),
	       "registers: CR4 with reserved bits: #GP");
	report(gp_on_cr0((cr0 & ~(1ull << 30)) | 1ull << 29) && gp_on_cr0(cr0 & ~1ull) &&
		       gp_on_cr0(cr0 | 1ull << 32) && gp_on_cr4(cr4 & ~(1ull << 5)),
	       "registers: CR0 with NW without CD, PG without PE, bit 32; CR4.PAE cleared: #GP");
}

static void attack_debug_regs(void)
{
	static volatile uint64_t target;
	uint64_t db = faults[VEC_DB], dr7;

	report(gp_on_dr7(1ull << 32) && gp_on_dr7(~0ull), "registers: DR7 with bits 63:32: #GP");
	/* A write watchpoint on target (DR0, 8 bytes, R/W=01): the write traps after it. */
	asm volatile("movq %0, %%dr0" : : "r"((uint64_t)&target));
	asm volatile("movq %0, %%dr7" : : "r"((uint64_t)(1u | 1u << 16 | 2u << 18)));
	GUARD("movq $1, %[t]", : [fx] "=m"(fixup_rip), [t] "=m"(target) : : "r11", "memory");
	asm volatile("movq %0, %%dr7" : : "r"(0ull));
	asm volatile("movq %%dr7, %0" : "=r"(dr7));
	report(faults[VEC_DB] == db + 1 && target == 1 && (dr7 & 0xff) == 0,
	       "registers: a data watchpoint traps once, DR7 clears");
}

/* XCR0 without x87 (bit 0) or with a reserved bit: #GP; #UD when XSAVE is not offered. */
static void attack_xsetbv(void)
{
	uint64_t gp = faults[VEC_GP], ud = faults[VEC_UD];

	if (cpuid(1, 0).ecx & 1u << 26)
		gp_on_cr4(read_cr4() | 1ull << 18);
	gp = faults[VEC_GP];
	GUARD("xsetbv", : [fx] "=m"(fixup_rip) : "c"(0), "a"(0), "d"(0) : "r11", "memory");
	GUARD("xsetbv", : [fx] "=m"(fixup_rip) : "c"(0), "a"(3), "d"(1u << 31) : "r11", "memory");
	guest_printf("xsetbv: %lu #GP, %lu #UD\n", (unsigned long)(faults[VEC_GP] - gp),
		     (unsigned long)(faults[VEC_UD] - ud));
	report(faults[VEC_GP] - gp + faults[VEC_UD] - ud == 2,
	       "registers: XSETBV with bad values: #GP or #UD");
}

/* ---- 3: ports ---- */

static uint16_t port_inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void port_outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static int port_skipped(uint32_t p)
{
	return (p >= 0x3f8 && p < 0x400) || p == 0xf4 || (p >= 0x600 && p < 0x610) ||
	       (p >= 0xcf8 && p < 0xd00);
}

static void sweep_ports(unsigned int width, uint32_t step, uint32_t *answered)
{
	for (uint32_t p = 0; p + width <= 0x10000; p += width * step) {
		uint32_t v;

		if (port_skipped(p) || port_skipped(p + width - 1))
			continue;
		if (width == 1)
			v = inb((uint16_t)p) | 0xffffff00u;
		else if (width == 2)
			v = port_inw((uint16_t)p) | 0xffff0000u;
		else
			v = inl((uint16_t)p);
		*answered += v != 0xffffffffu;
		if (width == 1)
			outb((uint16_t)p, (uint8_t)v);
		else if (width == 2)
			outw((uint16_t)p, (uint16_t)v);
		else
			port_outl((uint16_t)p, v);
	}
}

static void attack_ports(uint32_t step)
{
	uint32_t answered[3] = { 0, 0, 0 };

	for (unsigned int w = 0; w < 3; w++)
		sweep_ports(1u << w, step, &answered[w]);
	guest_printf("port sweep: %u, %u, %u ports answered at widths 1, 2, 4\n", answered[0],
		     answered[1], answered[2]);
	report(inl(0x1234) == 0xffffffffu && answered[0] < 0x100,
	       "ports: in and out on every port at every width; unclaimed ones read all ones");
}

/* ---- 4: the platform ---- */

static void attack_hlt_pause(void)
{
	uint64_t before = irqs;

	apic_timer_periodic(VEC_TIMER, timing_us_to_apic(500, 1), 1);
	irq_enable();
	for (int i = 0; i < 200; i++)
		asm volatile("hlt");
	apic_timer_stop();
	for (int i = 0; i < 200000; i++)
		asm volatile("pause");
	report(irqs - before >= 200,
	       "platform: a HLT storm (200, woken by the timer) and 200000 PAUSEs");
}

static void attack_ipis(void)
{
	uint64_t before = irqs;

	/* Each waits for the last to arrive: an IPI sent while the same vector is
	 * still in IRR merges with it (SDM vol. 3A 11.5.3), which on a busy host
	 * made a count of 2000 fail now and then. */
	for (int i = 0; i < 2000; i++) {
		uint64_t want = irqs + 1;

		apic_send_ipi(0, APIC_DEST_SELF | VEC_IPI);
		for (unsigned int spin = 0; irqs < want && spin < 1000000; spin++)
			cpu_relax();
	}
	timing_delay_us(1000);
	report(irqs - before == 2000, "platform: an IPI storm of 2000 self IPIs, each delivered");
	before = irqs;
	apic_send_ipi(0x55, VEC_IPI);
	apic_send_ipi(0xff, VEC_IPI); /* broadcast: reaches us */
	apic_send_ipi(0, APIC_DEST_OTHERS | VEC_IPI);
	apic_send_ipi(0x0f, APIC_DEST_LOGICAL | VEC_IPI);
	apic_send_ipi(0x55, 3); /* an illegal vector */
	apic_write(APIC_ID, 0x77u << 24);
	timing_delay_us(1000);
	report(irqs - before <= 2, "platform: IPIs to absent APIC IDs and bad vectors go nowhere");
	for (int i = 0; i < 50; i++) {
		apic_send_ipi(1 + i % 15, APIC_DM_INIT | APIC_LEVEL_ASSERT);
		apic_send_ipi(1 + i % 15, APIC_DM_STARTUP | (uint32_t)(i * 5 & 0xff));
		apic_send_ipi(0, APIC_DEST_OTHERS | APIC_DM_STARTUP | 0x9f);
	}
	report(1, "platform: INIT and SIPI to absent CPUs, SIPIs with odd vectors");
}

static void attack_nmis(void)
{
	for (int i = 0; i < 500; i++)
		apic_send_ipi(0, APIC_DEST_SELF | APIC_DM_NMI);
	timing_delay_us(1000);
	guest_printf("nmi storm: %lu of 500 delivered\n", (unsigned long)nmis);
	report(nmis > 0 && nmis <= 500, "platform: an NMI storm of 500 self NMIs");
}

/* Random values into every LAPIC register but the ICR, then the library's clean state. */
static void attack_lapic_fuzz(void)
{
	irq_disable();
	for (int round = 0; round < 20; round++)
		for (uint32_t reg = 0x20; reg < 0x400; reg += 0x10)
			if (reg != APIC_ICR && reg != APIC_ICR + 0x10)
				apic_write(reg, (uint32_t)guest_rand());
	apic_timer_stop();
	for (uint32_t lvt = 0x2f0; lvt <= 0x370; lvt += 0x10)
		apic_write(lvt, APIC_LVT_MASKED);
	apic_init();
	irq_enable();
	timing_delay_us(2000);
	report(apic_read(APIC_SVR) & APIC_SVR_ENABLE,
	       "platform: LAPIC register fuzzing (20 rounds)");
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)IOAPIC_BASE = reg;
	*(volatile uint32_t *)(IOAPIC_BASE + 0x10) = v;
}

static void attack_ioapic_fuzz(void)
{
	irq_disable();
	for (int i = 0; i < 2000; i++) {
		*(volatile uint32_t *)IOAPIC_BASE = (uint32_t)guest_rand();
		*(volatile uint32_t *)(IOAPIC_BASE + 0x10) = (uint32_t)guest_rand();
		*(volatile uint32_t *)(IOAPIC_BASE + (guest_rand() & 0xfc)) =
			(uint32_t)guest_rand();
	}
	for (uint32_t pin = 0; pin < 24; pin++)
		ioapic_write(0x10 + 2 * pin, 1u << 16);
	apic_init();
	irq_enable();
	timing_delay_us(2000);
	*(volatile uint32_t *)IOAPIC_BASE = 1;
	report(*(volatile uint32_t *)(IOAPIC_BASE + 0x10) == 0x170011u,
	       "platform: IOAPIC register fuzzing (6000 writes): its version register still "
	       "reads 0x170011");
}

/* Interrupts off, a pending timer interrupt and a second of busy work: the victim runs on. */
static void attack_no_interrupts(void)
{
	uint64_t end;

	irq_disable();
	apic_timer_periodic(VEC_TIMER, 1, 1);
	end = rdtsc() + timing_us_to_tsc(1000000);
	while (rdtsc() < end)
		cpu_relax();
	apic_timer_stop();
	apic_init();
	report(1, "platform: a second with interrupts off and a timer storm pending");
}

/* ---- 5: memory ---- */

/* Maps guest-physical gpa at 4 GiB through a page directory of our own and reads it. */
static uint64_t read_gpa(uint64_t gpa)
{
	static uint64_t pd[512] __attribute__((aligned(4096)));
	uint64_t *pdpt = (uint64_t *)(*(uint64_t *)(read_cr3() & ~0xfffull) & ~0xfffull);

	pdpt[4] = (uint64_t)pd | 3;
	pd[0] = (gpa & ~(SZ_2M - 1)) | 0x83;
	asm volatile("invlpg (%0)" : : "r"(4ull << 30) : "memory");
	return guarded_read64((4ull << 30) + (gpa & (SZ_2M - 1)));
}

static void attack_gpa_scan(void)
{
	unsigned int maxphy = cpuid(0x80000008u, 0).eax & 0xff;
	uint64_t top = guest_ram_top(), other = 0, reads = 0, pf = faults[VEC_PF];

	for (uint64_t a = 4ull << 30; a < 1ull << maxphy; a = a < 64ull << 30 ? a + SZ_1G : a * 2) {
		other += read_gpa(a) != ~0ull;
		other += read_gpa(a * 2 - SZ_2M + 4096) != ~0ull;
		reads += 2;
	}
	for (uint64_t a = top; a < 4ull << 30; a += SZ_2M)
		reads++, other += read_gpa(a) != ~0ull && a != 0xfec00000ull && a != 0xfee00000ull;
	guest_printf("gpa scan: MAXPHYADDR %u, %lu reads, %lu answered, %lu #PF\n", maxphy,
		     (unsigned long)reads, (unsigned long)other,
		     (unsigned long)(faults[VEC_PF] - pf));
	/* every 2 MiB to 4 GiB, each GiB to 64 GiB, then each power of two to MAXPHYADDR */
	report(other == 0 && faults[VEC_PF] == pf,
	       "memory: a scan of guest-physical space to MAXPHYADDR: all ones");
}

/* The BIOS area, the EBDA and the ACPI tables are our own RAM: writes stay ours. */
static void attack_firmware_area(void)
{
	volatile uint64_t *p = (volatile uint64_t *)0x80000ull;
	int same = 1;

	for (uint64_t i = 0; i < (0x100000 - 0x80000) / 8; i++)
		p[i] = 0xdeadbeefcafef00dull;
	for (uint64_t i = 0; i < (0x100000 - 0x80000) / 8; i += 512)
		same &= p[i] == 0xdeadbeefcafef00dull || p[i] == ~0ull;
	report(same, "memory: writes over its own ACPI tables, EBDA and firmware area");
}

/* ---- 6: hypercalls ---- */

static long hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	long rc;

	if (cpuid(BV_CPUID_HYPERCALL, 0).ebx & BV_CPUID_HC_VMMCALL)
		asm volatile("vmmcall" : "=a"(rc) : "a"(nr), "D"(a0), "S"(a1), "d"(a2) : "memory");
	else
		asm volatile("vmcall" : "=a"(rc) : "a"(nr), "D"(a0), "S"(a1), "d"(a2) : "memory");
	return rc;
}

static void attack_hypercalls(void)
{
	int right = 1;

	for (int i = 0; i < 3000; i++) {
		uint64_t nr = i < 2000 ? (uint64_t)(i % 40) : guest_rand();
		long rc = hypercall(nr, guest_rand(), guest_rand(), guest_rand());

		if (nr == BV_HC_VERSION)
			right &= rc == BV_ABI_VERSION;
		else
			right &= rc == (nr == BV_HC_SHARE_INFO ? -EINVAL
					: nr < BV_HC_COUNT     ? -EPERM
							       : -ENOSYS);
	}
	report(right, "hypercalls: 3000 random numbers and arguments from a plain domain: "
		      "-EPERM or -ENOSYS");
}

/* ---- crash=N: what the hypervisor must answer by crashing this domain ---- */

static void attack_crash(uint32_t n)
{
	static uint8_t buf[64];

	guest_printf("hostile: crash attack %u; expect this domain to be crashed\n", n);
	if (n == 1)
		asm volatile("rep movsb" : : "S"(buf), "D"(OPEN_BUS), "c"(64) : "memory");
	else if (n == 2)
		asm volatile("rep movsb" : : "S"(OPEN_BUS), "D"(buf), "c"(64) : "memory");
	else if (n == 3)
		asm volatile("jmp *%0" : : "r"(OPEN_BUS));
	else if (n == 4)
		asm volatile("movq %0, %%cr3\n\tmovl (%1), %%eax"
			     :
			     : "r"(OPEN_BUS), "r"(buf)
			     : "rax", "memory");
	else if (n == 5) /* SSE on (CR4.OSFXSR), then movdqu (%rax), %xmm0 */
		asm volatile("movq %%cr4, %%rcx\n\tbtsq $9, %%rcx\n\tmovq %%rcx, %%cr4\n\t"
			     ".byte 0xf3, 0x0f, 0x6f, 0x00"
			     :
			     : "a"(OPEN_BUS)
			     : "rcx");
	else if (n == 6)
		attack_control_regs();
	guest_printf("hostile: crash attack %u came back\n", n);
}

static void set_handlers(void)
{
	idt_init();
	guest_set_handler(VEC_DB, guarded_fault);
	guest_set_handler(VEC_UD, guarded_fault);
	guest_set_handler(VEC_GP, guarded_fault);
	guest_set_handler(VEC_PF, guarded_fault);
	guest_set_handler(VEC_NMI, count_nmi);
	for (unsigned int v = 0x20; v < 0xff; v++)
		guest_set_handler((uint8_t)v, count_irq);
}

int guest_main(void)
{
	uint32_t area = guest_cmdline_number("area", 0, 6);
	uint32_t crash = guest_cmdline_number("crash", 0, 6);

	set_handlers();
	apic_init();
	timing_init();
	if (crash)
		attack_crash(crash);
	if (area == 1)
		attack_emulator();
	if (area == 2) {
		attack_msrs(guest_cmdline_number("msrs", 0x2000, 0x12000));
		attack_debug_regs();
		attack_xsetbv();
	}
	if (area == 3)
		attack_ports(guest_cmdline_number("portstep", 1, 0x1000));
	if (area == 4) {
		attack_hlt_pause();
		attack_ipis();
		attack_nmis();
		attack_lapic_fuzz();
		attack_ioapic_fuzz();
		attack_no_interrupts();
	}
	if (area == 5) {
		attack_gpa_scan();
		attack_firmware_area();
	}
	if (area == 6)
		attack_hypercalls();
	return report_summary();
}
