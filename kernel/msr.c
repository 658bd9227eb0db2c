/*
 * kernel/msr.c: the MSRs a guest may touch (an allowlist; Intel SDM vol. 4,
 * AMD APM vol. 2 appendix A). Architectural state MSRs read and write the
 * vCPU's own copy through virt_ops; a few identification MSRs read as
 * the constants of drivers/cpu_policy.c (shared with bvm); the APIC's MSRs (IA32_APIC_BASE,
 * TSC_DEADLINE, x2APIC) go to the vCPU's vLAPIC; anything else raises #GP in the guest, as a CPU
 * does for an MSR it does not have. A write of IA32_TIME_STAMP_COUNTER sets the vCPU's TSC
 * offset (SDM vol. 3B 18.17; the backend adds it to RDTSC), and IA32_TSC_DEADLINE is kept in
 * the host's TSC, so it moves by that offset on its way in and out.
 */
#include "arch/x86/x86.h"
#include "drivers/cpu_policy.h"
#include "kernel/exit.h"

#define EFER_ALLOWED 0x0000000000000d01ull /* SCE, LME, LMA, NXE */
#define MSR_TSC 0x10
#define MSR_TSC_DEADLINE 0x6e0
#define EFER_LME (1ull << 8)
#define CR0_PG (1ull << 31)
#define CR4_LA57 (1ull << 12)

struct msr_rule {
	uint32_t index;
	int reg; /* enum vm_reg backing it */
};

static const struct msr_rule rules[] = {
	{ 0xc0000080, VM_REG_EFER },	{ 0xc0000081, VM_REG_STAR },
	{ 0xc0000082, VM_REG_LSTAR },	{ 0xc0000083, VM_REG_CSTAR },
	{ 0xc0000084, VM_REG_SFMASK },	{ 0xc0000100, VM_REG_FS_BASE },
	{ 0xc0000101, VM_REG_GS_BASE }, { 0xc0000102, VM_REG_KERNEL_GS_BASE },
	{ 0x174, VM_REG_SYSENTER_CS },	{ 0x175, VM_REG_SYSENTER_ESP },
	{ 0x176, VM_REG_SYSENTER_EIP }, { 0x277, VM_REG_PAT },
};

static const struct msr_rule *find_rule(uint32_t index)
{
	for (unsigned int i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].index == index)
			return &rules[i];
	return NULL;
}

/* A canonical base for WRMSR: 57 bits on a CPU that offers 5-level paging (the
 * guest's CPUID has LA57), whatever CR4.LA57 says, else 48 (SDM vol. 1 3.3.7.1,
 * vol. 4 IA32_FS_BASE: the check is against the CPU's linear-address width). */
static int msr_canonical(uint64_t a)
{
	unsigned int shift = cpuid_cr4_allowed() & CR4_LA57 ? 7 : 16;

	return (uint64_t)((int64_t)(a << shift) >> shift) == a;
}

/*
 * What a CPU refuses with #GP and would otherwise reach VM entry, whose checks
 * fail on it: EFER bits outside the allowlist or LME changed while paging is
 * on, a non-canonical base or entry point, a PAT entry of a reserved type
 * (SDM vol. 3A 2.2.1, 11.12.2; vol. 4 table 2-2; AMD APM vol. 2 15.5.1).
 */
static int msr_value_valid(struct vcpu *v, int reg, uint64_t value)
{
	switch (reg) {
	case VM_REG_EFER:
		return !(value & ~EFER_ALLOWED) &&
		       !((value ^ vcpu_get_reg(v, VM_REG_EFER)) & EFER_LME &&
			 vcpu_get_reg(v, VM_REG_CR0) & CR0_PG);
	case VM_REG_PAT:
		for (int i = 0; i < 64; i += 8)
			if (((value >> i) & 0xf8) || ((value >> i) & 0xff) == 2 ||
			    ((value >> i) & 0xff) == 3)
				return 0;
		return 1;
	case VM_REG_STAR:
	case VM_REG_SFMASK:
	case VM_REG_SYSENTER_CS:
		return 1;
	default: /* FS, GS and kernel GS bases, LSTAR, CSTAR, SYSENTER ESP and EIP */
		return msr_canonical(value);
	}
}

void handle_msr_read(struct vcpu *v, const struct vm_exit *e)
{
	const struct msr_rule *r = find_rule(e->msr.index);
	const struct cpu_policy_msr *c = cpu_policy_msr_find(e->msr.index);
	uint64_t value;

	uint64_t offset = vcpu_get_reg(v, VM_REG_TSC_OFFSET);
	int apic = vlapic_msr_read(&v->lapic, e->msr.index, &value);

	if (apic == -EINVAL) {
		vcpu_inject_gp(v);
		return;
	}
	if (!apic) {
		if (e->msr.index == MSR_TSC_DEADLINE && value)
			value += offset; /* to the guest's TSC */
	} else if (e->msr.index == MSR_TSC) {
		value = rdtsc() + offset;
	} else if (r) {
		value = vcpu_get_reg(v, r->reg);
	} else if (c) {
		value = c->value;
	} else {
		vcpu_inject_gp(v);
		return;
	}
	vcpu_set_reg(v, VM_REG_RAX, (uint32_t)value);
	vcpu_set_reg(v, VM_REG_RDX, value >> 32);
	vcpu_advance_rip(v, e->insn_len);
}

void handle_msr_write(struct vcpu *v, const struct vm_exit *e)
{
	const struct msr_rule *r = find_rule(e->msr.index);
	const struct cpu_policy_msr *c = cpu_policy_msr_find(e->msr.index);
	uint64_t value =
		(vcpu_get_reg(v, VM_REG_RDX) << 32) | (uint32_t)vcpu_get_reg(v, VM_REG_RAX);
	int apic;

	if (e->msr.index == MSR_TSC) {
		vcpu_set_reg(v, VM_REG_TSC_OFFSET, value - rdtsc());
		vcpu_advance_rip(v, e->insn_len);
		return;
	}
	if (e->msr.index == MSR_TSC_DEADLINE && value)
		value -= vcpu_get_reg(v, VM_REG_TSC_OFFSET); /* to the host's TSC */
	apic = vlapic_msr_write(&v->lapic, e->msr.index, value);
	if (apic != -ENOENT) {
		if (apic)
			vcpu_inject_gp(v);
		else
			vcpu_advance_rip(v, e->insn_len);
		return;
	}
	if (!r && c && c->writable) { /* a constant: the write is ignored */
		vcpu_advance_rip(v, e->insn_len);
		return;
	}
	if (!r || !msr_value_valid(v, r->reg, value)) {
		vcpu_inject_gp(v);
		return;
	}
	if (r->reg == VM_REG_EFER) /* LMA is the CPU's to set: keep the current one */
		value = (value & ~(1ull << 10)) | (vcpu_get_reg(v, VM_REG_EFER) & (1ull << 10));
	vcpu_set_reg(v, r->reg, value);
	vcpu_advance_rip(v, e->insn_len);
}
