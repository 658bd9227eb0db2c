/*
 * kernel/cpuid.c: the CPUID a guest sees (Intel SDM vol. 2A "CPUID", AMD
 * APM vol. 3 appendix E). The host's answer, minus what bivisor does not
 * give guests (VMX, SVM, MONITOR, XSAVE/AVX (XSETBV is not handled yet), x2APIC
 * and the APIC until the virtual LAPIC exists), plus the hypervisor bit, the leaf 0x40000000
 * "bivisor" and the timing leaf 0x40000010 (TSC frequency in kHz, so guests need not calibrate).
 */
#include "arch/x86/lapic.h"
#include "arch/x86/tsc.h"
#include "arch/x86/x86.h"
#include "kernel/exit.h"
#include "kernel/vlapic.h"

#define HV_LEAF 0x40000000u
#define HV_LEAF_MAX 0x40000010u
#define HV_LEAF_TIMING 0x40000010u /* EAX: TSC kHz; EBX: LAPIC timer kHz */

struct cpuid_mask {
	uint32_t leaf;
	int reg; /* 0 eax, 1 ebx, 2 ecx, 3 edx */
	uint32_t clear, set;
};

/* The policy as data: which bits of which leaf are cleared or set. */
static const struct cpuid_mask masks[] = {
	{ 1, 2, (1u << 5) | (1u << 3) | (1u << 26) | (1u << 27) | (1u << 28),
	  (1u << 31) | (1u << 21) | (1u << 24) }, /* -VMX MONITOR XSAVE OSXSAVE AVX; +HV x2APIC
						     TSC-deadline */
	{ 1, 3, (1u << 22) | (1u << 29), (1u << 9) | (1u << 28) }, /* -ACPI thermal, TM;
								     +APIC, HTT */
	{ 1, 2, (1u << 7) | (1u << 8) | (1u << 15), 0 },	   /* -EST, TM2, PDCM */
	{ 0x80000001, 2, 1u << 2, 0 },				   /* SVM */
	{ 0x80000001, 3, 1u << 27, 0 }, /* RDTSCP: SVM does not swap TSC_AUX */
	{ 7, 2, 1u << 22, 0 },		/* RDPID: the same */
	{ 0x80000007, 3, 0, 1u << 8 },	/* invariant TSC: guests read the host's */
};

static void hv_leaf(uint32_t leaf, uint32_t r[4])
{
	r[0] = r[1] = r[2] = r[3] = 0;
	if (leaf == HV_LEAF_TIMING) {
		r[0] = (uint32_t)tsc_khz();
		r[1] = VLAPIC_TIMER_KHZ;
		return;
	}
	if (leaf != HV_LEAF)
		return;
	r[0] = HV_LEAF_MAX;
	r[1] = 'b' | 'i' << 8 | 'v' << 16 | 'i' << 24; /* "bivisor", zero padded */
	r[2] = 's' | 'o' << 8 | 'r' << 16;
}

/* Leaf 0xB: one thread per core, nvcpus cores in one package; EDX the x2APIC ID. */
static void topology_leaf(struct vcpu *v, uint32_t sub, uint32_t r[4])
{
	unsigned int shift = 0;

	while ((1u << shift) < v->dom->nvcpus)
		shift++;
	r[0] = r[1] = 0;
	r[2] = sub & 0xff;
	if (sub == 0) {
		r[1] = 1;
		r[2] |= 1u << 8; /* SMT level */
	} else if (sub == 1) {
		r[0] = shift;
		r[1] = v->dom->nvcpus;
		r[2] |= 2u << 8; /* core level */
	}
	r[3] = v->id;
}

void handle_cpuid(struct vcpu *v, const struct vm_exit *e)
{
	uint32_t leaf = (uint32_t)vcpu_get_reg(v, VM_REG_RAX);
	uint32_t sub = (uint32_t)vcpu_get_reg(v, VM_REG_RCX);
	struct cpuid_regs h = cpuid(leaf, sub);
	uint32_t r[4] = { h.eax, h.ebx, h.ecx, h.edx };

	if ((leaf & 0xffffff00) == HV_LEAF)
		hv_leaf(leaf, r);
	else if (leaf == 0x8000000a || leaf == 6)
		r[0] = r[1] = r[2] = r[3] = 0; /* SVM features; thermal and power management */
	for (unsigned int i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		if (masks[i].leaf == leaf) {
			r[masks[i].reg] &= ~masks[i].clear;
			r[masks[i].reg] |= masks[i].set;
		}
	}
	if (leaf == 1) /* initial APIC id, logical processors in the package */
		r[1] = (r[1] & 0x0000ffff) | (v->id << 24) | ((v->dom->nvcpus & 0xff) << 16);
	if (leaf == 0xb)
		topology_leaf(v, sub, r);
	if (leaf == 0x15 && h.ebx) {
		/* TSC = crystal (1 GHz: the vLAPIC timer) * EBX / EAX. Linux multiplies the
		 * crystal's kHz by EBX in 32 bits, so EBX is the TSC in MHz and EAX 1000. */
		r[0] = 1000, r[1] = (uint32_t)((tsc_khz() + 500) / 1000);
		r[2] = VLAPIC_TIMER_KHZ * 1000u, r[3] = 0;
	}
	if (leaf == 0x16 && h.eax) { /* base and maximum MHz, bus (reference) MHz */
		r[0] = r[1] = (uint32_t)(tsc_khz() / 1000), r[2] = VLAPIC_TIMER_KHZ / 1000,
		r[3] = 0;
	}
	vcpu_set_reg(v, VM_REG_RAX, r[0]);
	vcpu_set_reg(v, VM_REG_RBX, r[1]);
	vcpu_set_reg(v, VM_REG_RCX, r[2]);
	vcpu_set_reg(v, VM_REG_RDX, r[3]);
	vcpu_advance_rip(v, e->insn_len);
}
