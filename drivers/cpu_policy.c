/*
 * drivers/cpu_policy.c: the CPUID a guest of bivisor sees and the MSRs that
 * read as constants (Intel SDM vol. 2A "CPUID", vol. 4; AMD APM vol. 3
 * appendix E). The host's leaf minus what guests are not given, plus the
 * guest's topology, the hypervisor leaves (0x40000001: the hypercall ABI of
 * include/public/hypercall.h) and the timing leaves. Both modes call
 * it: kernel/cpuid.c with the host CPU's leaf, hosted/kvm.c with the entries of
 * KVM_GET_SUPPORTED_CPUID, so a guest sees one CPU under either. The CR4 a
 * guest may write follows from that CPUID (cpu_policy_cr4_valid: SDM vol. 3A
 * 2.5, vol. 2B "MOV - Move to/from Control Registers"; APM vol. 2 3.1.3).
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
 * TSC_AUX. VMX, SMX and SVM: no nested virtualization, no GETSEC. Thermal and power
 * management (ACPI, TM, TM2, EST, PDCM): no such MSRs.
 */
static const struct cpuid_bits bits[] = {
	/* -MONITOR(3) VMX(5) SMX(6) EST(7) TM2(8) FMA(12) PDCM(15) XSAVE(26) OSXSAVE(27) AVX(28)
	 * F16C(29); +x2APIC(21) TSC-deadline(24) hypervisor(31) */
	{ 1, ECX, B(3) | B(5) | B(6) | B(7) | B(8) | B(12) | B(15) | B(26) | B(27) | B(28) | B(29),
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

	if (leaf == 1) { /* initial APIC id, logical processors in the package */
		r->ebx = (r->ebx & 0x0000ffff) | (v->apic_id << 24) | ((n & 0xff) << 16);
		if (v->apic_off) /* a disabled APIC is not reported (SDM vol. 3A 11.4.3) */
			r->edx &= ~B(9);
	} else if (leaf == 4 && (r->eax & 0x1f)) /* cores - 1; threads sharing the cache - 1 */
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
 *
 * The MSR rule: a guest may touch the architectural MSRs of kernel/msr.c's
 * allowlist (EFER, the syscall and SYSENTER MSRs, PAT, FS/GS bases, the TSC,
 * the APIC's) and these constants; every other MSR raises #GP, as on a CPU
 * without it. So, with the CPUID above: IA32_PKRS (0x6e1) #GPs, since PKS
 * (7.0:ECX[31]) is hidden; Intel's architectural PMU (IA32_PMCx 0xc1..,
 * IA32_PERFEVTSELx 0x186.., IA32_FIXED_CTRx 0x309.., IA32_PERF_GLOBAL_* 0x38d-
 * 0x390) #GPs, since leaf 0xA reports version 0 (SDM vol. 3B 20.2.1); XSS,
 * SPEC_CTRL, ARCH_CAPABILITIES, TSC_AUX likewise, their CPUID bits hidden.
 */
static const struct cpu_policy_msr msrs[] = {
	{ 0x17, 0, 0 },	      /* IA32_PLATFORM_ID */
	{ 0x8b, 0, 1 },	      /* IA32_BIOS_SIGN_ID */
	{ 0xfe, 0, 0 },	      /* IA32_MTRRCAP: no MTRRs */
	{ 0x2ff, 0, 1 },      /* IA32_MTRR_DEF_TYPE */
	{ 0x3b, 0, 1 },	      /* IA32_TSC_ADJUST: the TSC is the host's, never adjusted */
	{ 0x1a0, 1, 0 },      /* IA32_MISC_ENABLE: fast strings */
	{ 0xc0010055, 0, 1 }, /* AMD interrupt pending message: no C1E (Linux reads it) */
	/* AMD's legacy performance counters, which every AMD CPU has (APM vol. 2 13.2.1):
	 * PERF_CTL0-3, then PERF_CTR0-3, as counters that count nothing (each reads 0,
	 * a write is ignored), as QEMU's TCG and KVM without a host PMU give them. */
	{ 0xc0010000, 0, 1 },
	{ 0xc0010001, 0, 1 },
	{ 0xc0010002, 0, 1 },
	{ 0xc0010003, 0, 1 },
	{ 0xc0010004, 0, 1 },
	{ 0xc0010005, 0, 1 },
	{ 0xc0010006, 0, 1 },
	{ 0xc0010007, 0, 1 },
};

const struct cpu_policy_msr *cpu_policy_msr_find(uint32_t index)
{
	for (size_t i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
		if (msrs[i].index == index)
			return &msrs[i];
	return NULL;
}

/* CR4's bits (Intel SDM vol. 3A 2.5, AMD APM vol. 2 3.1.3). */
#define CR4_VME (1ull << 0)
#define CR4_PVI (1ull << 1)
#define CR4_TSD (1ull << 2)
#define CR4_DE (1ull << 3)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_MCE (1ull << 6)
#define CR4_PGE (1ull << 7)
#define CR4_PCE (1ull << 8)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_UMIP (1ull << 11)
#define CR4_LA57 (1ull << 12)
#define CR4_VMXE (1ull << 13)
#define CR4_SMXE (1ull << 14)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_PCIDE (1ull << 17)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define CR4_PKE (1ull << 22)
#define CR4_CET (1ull << 23)
#define CR4_PKS (1ull << 24)

/* A CR4 bit and the CPUID feature that makes it settable: leaf 1 or 7.0, register, bit. */
struct cr4_feature {
	uint64_t cr4;
	uint32_t leaf;
	int reg, bit;
};

static const struct cr4_feature cr4_features[] = {
	{ CR4_VME, 1, EDX, 1 },	     { CR4_PVI, 1, EDX, 1 },	     /* VME */
	{ CR4_TSD, 1, EDX, 4 },	     { CR4_DE, 1, EDX, 2 },	     /* TSC, DE */
	{ CR4_PSE, 1, EDX, 3 },	     { CR4_PAE, 1, EDX, 6 },	     /* PSE, PAE */
	{ CR4_MCE, 1, EDX, 7 },	     { CR4_PGE, 1, EDX, 13 },	     /* MCE, PGE */
	{ CR4_OSFXSR, 1, EDX, 24 },  { CR4_OSXMMEXCPT, 1, EDX, 25 }, /* FXSR, SSE */
	{ CR4_PCIDE, 1, ECX, 17 },   { CR4_OSXSAVE, 1, ECX, 26 },    /* PCID, XSAVE */
	{ CR4_FSGSBASE, 7, EBX, 0 }, { CR4_SMEP, 7, EBX, 7 },	     /* FSGSBASE, SMEP */
	{ CR4_SMAP, 7, EBX, 20 },    { CR4_UMIP, 7, ECX, 2 },	     /* SMAP, UMIP */
	{ CR4_PKE, 7, ECX, 3 },	     { CR4_LA57, 7, ECX, 16 },	     /* PKU, LA57 */
	{ CR4_CET, 7, ECX, 7 },	     { CR4_CET, 7, EDX, 20 },	     /* CET_SS, CET_IBT */
	{ CR4_PKS, 7, ECX, 31 },				     /* PKS */
};

/*
 * PCE has no CPUID bit (every CPU since the P6 has it). VMXE and SMXE are never
 * allowed (no nested virtualization, no SMX), nor is any reserved bit.
 */
uint64_t cpu_policy_cr4_allowed(struct cpu_policy_regs leaf1, struct cpu_policy_regs leaf7)
{
	const uint32_t *r1[4] = { &leaf1.eax, &leaf1.ebx, &leaf1.ecx, &leaf1.edx };
	const uint32_t *r7[4] = { &leaf7.eax, &leaf7.ebx, &leaf7.ecx, &leaf7.edx };
	uint64_t allowed = CR4_PCE;

	for (size_t i = 0; i < sizeof(cr4_features) / sizeof(cr4_features[0]); i++) {
		const struct cr4_feature *f = &cr4_features[i];
		uint32_t reg = f->leaf == 1 ? *r1[f->reg] : *r7[f->reg];

		if (reg & B(f->bit))
			allowed |= f->cr4;
	}
	return allowed;
}

#define CR0_WP (1ull << 16)
#define EFER_LMA (1ull << 10)

/*
 * MOV to CR4's #GP(0) conditions (SDM vol. 2B "MOV - Move to/from Control
 * Registers", vol. 3A 4.1.1, 4.10.1; APM vol. 2 3.1.3): a bit the CPU lacks
 * or reserved; in long mode, PAE cleared or LA57 changed; PCIDE set outside
 * long mode or while CR3[11:0] is not 0; CET set while CR0.WP is clear.
 */
int cpu_policy_cr4_valid(const struct cpu_policy_cr_state *s, uint64_t value, uint64_t allowed)
{
	int long_mode = (s->efer & EFER_LMA) != 0;

	if (value & ~allowed)
		return 0;
	if (long_mode && (!(value & CR4_PAE) || ((value ^ s->cr4) & CR4_LA57)))
		return 0;
	if ((value & CR4_PCIDE) && !(s->cr4 & CR4_PCIDE) && (!long_mode || (s->cr3 & 0xfff)))
		return 0;
	return !((value & CR4_CET) && !(s->cr0 & CR0_WP));
}
