/*
 * guest-tools/cpurules.c: CR4 and MSRs held to the CPUID the guest sees
 * (Intel SDM vol. 3A 2.5 "Control registers", vol. 2B "MOV - Move to/from
 * Control Registers", vol. 3B 20.2 and vol. 4 for the PMU and IA32_PKRS;
 * AMD APM vol. 2 3.1.3). Each CR4 bit is set, and cleared again, exactly
 * when the guest's CPUID has its feature, and raises #GP when it does not;
 * reserved bits and the long-mode rules (PAE, LA57, PCIDE) raise #GP; so do
 * IA32_PKRS without PKS and Intel's PMU MSRs while leaf 0xA has no PMU.
 * Lines read the same whatever the CPU offers. `faults=off` tries only the
 * writes that must succeed: plain QEMU 7.2's TCG never finishes a MOV that
 * sets a CR4 bit it holds reserved (its helper_write_crN leaves through an SVM
 * exit that, outside a guest, returns to the same MOV), so no #GP is seen there.
 * `under=kvm` leaves out what KVM answers itself, whatever the CPUID (Linux
 * arch/x86/kvm/x86.c): CR4.VME and PVI are never reserved there, and the P6
 * PMU MSRs IA32_PMC0-1 and IA32_PERFEVTSEL0-1 read 0 without a PMU.
 */
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/idt.h"
#include "lib/format.h"
#include "lib/string.h"

enum { EAX, EBX, ECX, EDX };

#define B(n) (1ull << (n))
#define CR0_WP B(16)
#define CR3_PWT B(3)
#define CR4_PAE B(5)
#define CR4_LA57 B(12)
#define CR4_PCIDE B(17)

/* Where a guarded instruction resumes when it faults, and the #GPs seen. */
static volatile uint64_t fixup_rip;
static volatile unsigned int gp_faults;
static int faults_off; /* faults=off: writes that should raise #GP are not tried */
static int under_kvm;  /* under=kvm: nor those KVM takes (VME, PVI, the P6 PMU MSRs) */

static void gp_skip(struct guest_frame *f)
{
	if (!fixup_rip)
		idt_unexpected(f);
	gp_faults++;
	f->rip = fixup_rip;
	fixup_rip = 0;
}

#define GUARD(insn, ...)                                                                           \
	asm volatile("leaq 1f(%%rip), %%r11\n\tmovq %%r11, %[fx]\n\t" insn "\n1:\n\t"              \
		     "movq $0, %[fx]" __VA_ARGS__)

/* 1 if the MOV to CR4 took the value, 0 if it raised #GP. */
static int cr4_takes(uint64_t v)
{
	unsigned int gp = gp_faults;

	GUARD("movq %[v], %%cr4", : [fx] "=m"(fixup_rip) : [v] "r"(v) : "r11", "memory");
	return gp_faults == gp && read_cr4() == v;
}

static int msr_exists(uint32_t msr)
{
	unsigned int gp = gp_faults;
	uint32_t lo, hi;

	GUARD("rdmsr", : [fx] "=m"(fixup_rip), "=a"(lo), "=d"(hi) : "c"(msr) : "r11", "memory");
	(void)lo, (void)hi;
	return gp_faults == gp;
}

static int cpuid_bit(uint32_t leaf, int reg, int bit)
{
	struct cpuid_regs r = cpuid(leaf, 0);
	uint32_t regs[4] = { r.eax, r.ebx, r.ecx, r.edx };

	if (cpuid(leaf & 0x80000000u, 0).eax < leaf)
		return 0;
	return (regs[reg] >> bit) & 1;
}

/* A CR4 bit and the CPUID feature that lets a guest set it. */
static const struct {
	int cr4;
	uint32_t leaf;
	int reg, bit;
	const char *name, *feature;
} bits[] = {
	{ 0, 1, EDX, 1, "VME", "1:EDX.VME" },
	{ 1, 1, EDX, 1, "PVI", "1:EDX.VME" },
	{ 2, 1, EDX, 4, "TSD", "1:EDX.TSC" },
	{ 3, 1, EDX, 2, "DE", "1:EDX.DE" },
	{ 4, 1, EDX, 3, "PSE", "1:EDX.PSE" },
	{ 6, 1, EDX, 7, "MCE", "1:EDX.MCE" },
	{ 7, 1, EDX, 13, "PGE", "1:EDX.PGE" },
	{ 9, 1, EDX, 24, "OSFXSR", "1:EDX.FXSR" },
	{ 10, 1, EDX, 25, "OSXMMEXCPT", "1:EDX.SSE" },
	{ 11, 7, ECX, 2, "UMIP", "7:ECX.UMIP" },
	{ 13, 1, ECX, 5, "VMXE", "1:ECX.VMX" },
	{ 14, 1, ECX, 6, "SMXE", "1:ECX.SMX" },
	{ 16, 7, EBX, 0, "FSGSBASE", "7:EBX.FSGSBASE" },
	{ 17, 1, ECX, 17, "PCIDE", "1:ECX.PCID" },
	{ 18, 1, ECX, 26, "OSXSAVE", "1:ECX.XSAVE" },
	{ 20, 7, EBX, 7, "SMEP", "7:EBX.SMEP" },
	{ 21, 7, EBX, 20, "SMAP", "7:EBX.SMAP" },
	{ 22, 7, ECX, 3, "PKE", "7:ECX.PKU" },
	{ 24, 7, ECX, 31, "PKS", "7:ECX.PKS" },
};

/* CET: shadow stacks (7:ECX bit 7) or indirect-branch tracking (7:EDX bit 20). */
static int has_cet(void)
{
	return cpuid_bit(7, ECX, 7) || cpuid_bit(7, EDX, 20);
}

/* Set (then cleared again) when the feature is there, #GP when it is not. */
static int cr4_bit_follows(uint64_t cr4, int bit, int present)
{
	int took;

	if (cr4 & B(bit)) /* already on: clearing and setting it again must work */
		return present && cr4_takes(cr4 & ~B(bit)) && cr4_takes(cr4);
	took = cr4_takes(cr4 | B(bit));
	if (took && !cr4_takes(cr4))
		return 0;
	return took == present;
}

static void cr4_feature_bits(void)
{
	uint64_t cr4 = read_cr4();
	char line[96];

	for (unsigned int i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		int present = cpuid_bit(bits[i].leaf, bits[i].reg, bits[i].bit);

		if (!present && (faults_off || (under_kvm && bits[i].cr4 <= 1)))
			continue;
		fmt_snprintf(line, sizeof(line), "cr4: %s follows CPUID.%s", bits[i].name,
			     bits[i].feature);
		report(cr4_bit_follows(cr4, bits[i].cr4, present), line);
	}
	if (has_cet() || !faults_off)
		report(cr4_bit_follows(cr4, 23, has_cet()),
		       "cr4: CET follows CPUID.7:ECX.CET_SS/EDX.CET_IBT");
	report(cr4_bit_follows(cr4, 8, 1), "cr4: PCE can be set and cleared");
}

static void cr4_reserved_and_mode_rules(void)
{
	static const int reserved[] = { 15, 26, 31, 48, 63 };
	uint64_t cr4 = read_cr4(), cr3 = read_cr3();
	int gp = 1;

	for (unsigned int i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		gp &= !cr4_takes(cr4 | B(reserved[i]));
	report(gp, "cr4: reserved bits 15, 26, 31, 48, 63: #GP");
	report(!cr4_takes(cr4 & ~CR4_PAE), "cr4: clearing PAE in long mode: #GP");
	report(!cr4_takes(cr4 ^ CR4_LA57), "cr4: changing LA57 in long mode: #GP");
	asm volatile("movq %0, %%cr3" : : "r"(cr3 | CR3_PWT) : "memory");
	gp = !cr4_takes(cr4 | CR4_PCIDE);
	asm volatile("movq %0, %%cr3" : : "r"(cr3) : "memory");
	report(gp, "cr4: setting PCIDE while CR3[11:0] is not 0: #GP");
	report(read_cr4() == cr4, "cr4: unchanged after the faulting writes");
}

/* Leaf 0xA's PMU version (EAX[7:0]), 0 without the leaf. */
static unsigned int pmu_version(void)
{
	return cpuid(0, 0).eax >= 0xa ? cpuid(0xa, 0).eax & 0xff : 0;
}

static void msr_rules(void)
{
	static const uint32_t p6[] = { 0xc1, 0xc2, 0x186, 0x187 };
	static const uint32_t arch[] = { 0x309, 0x38d, 0x38f };
	int gp = 1;

	if (faults_off)
		return;
	report(msr_exists(0x6e1) == cpuid_bit(7, ECX, 31),
	       "msr: IA32_PKRS follows CPUID.7:ECX.PKS");
	for (unsigned int i = 0; i < sizeof(arch) / sizeof(arch[0]); i++)
		gp &= !msr_exists(arch[i]);
	report(pmu_version() != 0 || gp, "msr: IA32_FIXED_CTR0, FIXED_CTR_CTRL, PERF_GLOBAL_CTRL: "
					 "#GP while CPUID.0xA has no PMU");
	if (under_kvm)
		return;
	gp = 1;
	for (unsigned int i = 0; i < sizeof(p6) / sizeof(p6[0]); i++)
		gp &= !msr_exists(p6[i]);
	report(pmu_version() != 0 || gp,
	       "msr: IA32_PMC0-1, PERFEVTSEL0-1: #GP while CPUID.0xA has no PMU");
}

int guest_main(void)
{
	char word[8];

	faults_off = !guest_cmdline_word("faults", word, sizeof(word)) && !strcmp(word, "off");
	under_kvm = !guest_cmdline_word("under", word, sizeof(word)) && !strcmp(word, "kvm");
	if (faults_off)
		guest_printf("faults=off: only the writes that must succeed are tried\n");
	if (under_kvm)
		guest_printf(
			"under=kvm: VME and PVI without CPUID.VME, the P6 PMU MSRs: not tried\n");
	idt_init();
	guest_set_handler(13, gp_skip);
	/* CR4.CET needs CR0.WP; every page of the guest is writable, so WP changes nothing */
	asm volatile("movq %0, %%cr0" : : "r"(read_cr0() | CR0_WP) : "memory");
	cr4_feature_bits();
	if (!faults_off)
		cr4_reserved_and_mode_rules();
	msr_rules();
	guest_set_handler(13, 0);
	return report_summary();
}
