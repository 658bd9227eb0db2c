/*
 * drivers/cpu_policy.c: the CPUID a guest of bivisor sees and the MSRs that
 * read as constants (Intel SDM vol. 2A "CPUID", vol. 4; AMD APM vol. 3
 * appendix E). The host's leaf minus what guests are not given, plus the
 * guest's topology, the hypervisor leaves (0x40000001: the hypercall ABI of
 * include/public/hypercall.h) and the timing leaves. Both modes call
 * it: kernel/cpuid.c with the host CPU's leaf, hosted/kvm.c with the entries of
 * KVM_GET_SUPPORTED_CPUID, so a guest sees one CPU under either.
 */
#include <stddef.h>

#include "drivers/cpu_policy.h"
#include "include/public/hypercall.h"

enum { EAX, EBX, ECX, EDX };

struct cpuid_bits {
	uint32_t leaf;
	int reg;
	uint32_t clear, set;
};

#define B(n) (1u << (n))

/*
 * Features guests do not get. XSAVE is hidden with everything that needs it
 * (AVX, AVX2, AVX-512, PKU, leaf 0xD): XSETBV is not handled. MONITOR and
 * MONITORX: MWAIT is not handled. RDTSCP and RDPID: SVM does not swap
 * TSC_AUX. VMX and SVM: no nested virtualization. Thermal and power
 * management (ACPI, TM, TM2, EST, PDCM): no such MSRs.
 */
static const struct cpuid_bits bits[] = {
	/* -MONITOR(3) VMX(5) EST(7) TM2(8) FMA(12) PDCM(15) XSAVE(26) OSXSAVE(27) AVX(28)
	 * F16C(29); +x2APIC(21) TSC-deadline(24) hypervisor(31) */
	{ 1, ECX, B(3) | B(5) | B(7) | B(8) | B(12) | B(15) | B(26) | B(27) | B(28) | B(29),
	  B(21) | B(24) | B(31) },
	{ 1, EDX, B(22) | B(29), B(9) | B(28) }, /* -ACPI TM; +APIC HTT */
	/* leaf 7.0, an allowlist: EBX FSGSBASE(0) BMI1(3) SMEP(7) BMI2(8) ERMS(9) INVPCID(10)
	 * RDSEED(18) ADX(19) SMAP(20) CLFLUSHOPT(23) CLWB(24) SHA(29); ECX UMIP(2) GFNI(8)
	 * LA57(16); EDX FSRM(4). Left out: what needs XSAVE (AVX2, AVX-512, MPX, PKU,
	 * AMX...), RDPID, and what names an MSR guests lack (TSC_ADJUST, SPEC_CTRL, PKS,
	 * ARCH_CAPABILITIES...) */
	{ 7, EBX,
	  ~(B(0) | B(3) | B(7) | B(8) | B(9) | B(10) | B(18) | B(19) | B(20) | B(23) | B(24) |
	    B(29)),
	  0 },
	{ 7, ECX, ~(B(2) | B(8) | B(16)), 0 },
	{ 7, EDX, ~B(4), 0 },
	/* -SVM(2) XOP(11) FMA4(16) TBM(21) MONITORX(29); -RDTSCP(27) */
	{ 0x80000001, ECX, B(2) | B(11) | B(16) | B(21) | B(29), 0 },
	{ 0x80000001, EDX, B(27), 0 },
	{ 0x80000007, EDX, 0, B(8) }, /* invariant TSC: guests read the host's */
	/* CLZERO, IRPERF, WBNOINVD, IBPB, IBRS, STIBP, SSBD...: MSRs and insns not given */
	{ 0x80000008, EBX, ~0u, 0 },
};

/*
 * Leaves given as zeros: MONITOR/MWAIT (5), thermal and power (6), the
 * performance counters (0xA: no PMU MSRs), XSAVE state (0xD), the AMD L1 cache
 * and TLB (0x80000005: KVM offers none, so neither mode does), SVM (0x8000000A).
 */
int cpu_policy_leaf_is_hidden(uint32_t leaf)
{
	return leaf == 5 || leaf == 6 || leaf == 0xa || leaf == 0xd || leaf == 0x80000005 ||
	       leaf == 0x8000000a;
}

static struct cpu_policy_regs hv_leaf(uint32_t leaf, const struct cpu_policy_vcpu *v)
{
	struct cpu_policy_regs r = { 0, 0, 0, 0 };

	if (leaf == CPU_POLICY_HV_TIMING) {
		r.eax = v->tsc_khz;
		r.ebx = v->lapic_timer_khz;
	} else if (leaf == BV_CPUID_HYPERCALL) {
		r = (struct cpu_policy_regs){ BV_ABI_VERSION, v->hypercall, v->domid, v->role };
	} else if (leaf == CPU_POLICY_HV_LEAF) {
		r.eax = CPU_POLICY_HV_TIMING;
		r.ebx = 'b' | 'i' << 8 | 'v' << 16 | 'i' << 24; /* "bivisor", zero padded */
		r.ecx = 's' | 'o' << 8 | 'r' << 16;
	}
	return r;
}

/* Leaves 0xB and 0x1F: one thread per core, nvcpus cores in one package. */
static struct cpu_policy_regs topology_leaf(uint32_t sub, const struct cpu_policy_vcpu *v)
{
	struct cpu_policy_regs r = { 0, 0, sub & 0xff, v->apic_id };
	unsigned int shift = 0;

	while ((1u << shift) < v->nvcpus)
		shift++;
	if (sub == 0) {
		r.eax = 0, r.ebx = 1;
		r.ecx |= 1u << 8; /* SMT level */
	} else if (sub == 1) {
		r.eax = shift, r.ebx = v->nvcpus;
		r.ecx |= 2u << 8; /* core level */
	}
	return r;
}

/* Leaves 1, 4, 0x80000008: the same package of nvcpus single-thread cores. */
static void topology_fields(uint32_t leaf, const struct cpu_policy_vcpu *v,
			    struct cpu_policy_regs *r)
{
	uint32_t n = v->nvcpus ? v->nvcpus : 1;

	if (leaf == 1) /* initial APIC id, logical processors in the package */
		r->ebx = (r->ebx & 0x0000ffff) | (v->apic_id << 24) | ((n & 0xff) << 16);
	else if (leaf == 4 && (r->eax & 0x1f)) /* cores - 1; threads sharing the cache - 1 */
		r->eax = (r->eax & 0x3fff) | (((n - 1) & 0x3f) << 26);
	else if (leaf == 0x80000008) /* NC: cores - 1; ApicIdSize from NC */
		r->ecx = (r->ecx & ~0xf0ffu) | ((n - 1) & 0xff);
}

/* Leaves 0x15 and 0x16: the TSC and bus clocks, when the host has the leaf. */
static void timing_fields(uint32_t leaf, const struct cpu_policy_vcpu *v, struct cpu_policy_regs *r)
{
	if (leaf == 0x15 && r->ebx) {
		/* TSC = crystal (the LAPIC timer's clock) * EBX / EAX. Linux multiplies the
		 * crystal's kHz by EBX in 32 bits, so EBX is the TSC in MHz and EAX 1000. */
		r->eax = 1000, r->ebx = (v->tsc_khz + 500) / 1000;
		r->ecx = v->lapic_timer_khz * 1000u, r->edx = 0;
	}
	if (leaf == 0x16 && r->eax) { /* base and maximum MHz, bus (reference) MHz */
		r->eax = r->ebx = v->tsc_khz / 1000;
		r->ecx = v->lapic_timer_khz / 1000, r->edx = 0;
	}
}

struct cpu_policy_regs cpu_policy_cpuid(uint32_t leaf, uint32_t sub, struct cpu_policy_regs host,
					const struct cpu_policy_vcpu *v)
{
	struct cpu_policy_regs r = host;
	uint32_t *reg[4] = { &r.eax, &r.ebx, &r.ecx, &r.edx };

	if ((leaf & 0xffffff00) == CPU_POLICY_HV_LEAF)
		return hv_leaf(leaf, v);
	if (cpu_policy_leaf_is_hidden(leaf))
		return (struct cpu_policy_regs){ 0, 0, 0, 0 };
	if (leaf == 0xb || leaf == 0x1f)
		return topology_leaf(sub, v);
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (bits[i].leaf != leaf || (leaf == 7 && sub != 0))
			continue;
		*reg[bits[i].reg] &= ~bits[i].clear;
		*reg[bits[i].reg] |= bits[i].set;
	}
	if (leaf == 7 && sub != 0)
		r = (struct cpu_policy_regs){ 0, 0, 0, 0 }; /* AVX-VNNI, AMX...: none */
	if (leaf == 7)
		r.eax = 0; /* the highest subleaf: 0 */
	topology_fields(leaf, v, &r);
	timing_fields(leaf, v, &r);
	return r;
}

/*
 * MSRs that read as constants in the Type-1 kernel (kernel/msr.c). bvm on KVM
 * cannot intercept these (KVM answers them itself), see docs/design.md.
 */
static const struct cpu_policy_msr msrs[] = {
	{ 0x17, 0, 0 },	      /* IA32_PLATFORM_ID */
	{ 0x8b, 0, 1 },	      /* IA32_BIOS_SIGN_ID */
	{ 0xfe, 0, 0 },	      /* IA32_MTRRCAP: no MTRRs */
	{ 0x2ff, 0, 1 },      /* IA32_MTRR_DEF_TYPE */
	{ 0x3b, 0, 1 },	      /* IA32_TSC_ADJUST: the TSC is the host's, never adjusted */
	{ 0x1a0, 1, 0 },      /* IA32_MISC_ENABLE: fast strings */
	{ 0xc0010055, 0, 1 }, /* AMD interrupt pending message: no C1E (Linux reads it) */
};

const struct cpu_policy_msr *cpu_policy_msr_find(uint32_t index)
{
	for (size_t i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
		if (msrs[i].index == index)
			return &msrs[i];
	return NULL;
}
