/*
 * kernel/cpuid.c: the CPUID exit (Intel SDM vol. 2A "CPUID", AMD APM vol. 3
 * appendix E). The host CPU's answer goes through the policy both modes share,
 * drivers/cpu_policy.c:cpu_policy_cpuid, with this vCPU's APIC id, the
 * domain's vCPU count, the TSC rate and the vLAPIC timer's 1 GHz. The CR4
 * bits guests may set follow from the same leaves (cpuid_cr4_allowed).
 */
#include "arch/x86/tsc.h"
#include "arch/x86/x86.h"
#include "drivers/cpu_policy.h"
#include "kernel/exit.h"
#include "kernel/vlapic.h"

/* The host CPU's leaf.sub through the policy, as a guest of pv sees it. */
static struct cpu_policy_regs guest_leaf(uint32_t leaf, uint32_t sub,
					 const struct cpu_policy_vcpu *pv)
{
	struct cpuid_regs h = cpuid(leaf, sub);

	return cpu_policy_cpuid(leaf, sub, (struct cpu_policy_regs){ h.eax, h.ebx, h.ecx, h.edx },
				pv);
}

void handle_cpuid(struct vcpu *v, const struct vm_exit *e)
{
	uint32_t leaf = (uint32_t)vcpu_get_reg(v, VM_REG_RAX);
	uint32_t sub = (uint32_t)vcpu_get_reg(v, VM_REG_RCX);
	struct cpu_policy_vcpu pv = { .apic_id = v->id,
				      .nvcpus = v->dom->nvcpus,
				      .tsc_khz = (uint32_t)tsc_khz(),
				      .lapic_timer_khz = VLAPIC_TIMER_KHZ,
				      .hypercall = virt->hypercall,
				      .domid = v->dom->id,
				      .role = v->dom->role,
				      .apic_off = !(v->lapic.apic_base & (1ull << 11)) };
	struct cpu_policy_regs r = guest_leaf(leaf, sub, &pv);

	vcpu_set_reg(v, VM_REG_RAX, r.eax);
	vcpu_set_reg(v, VM_REG_RBX, r.ebx);
	vcpu_set_reg(v, VM_REG_RCX, r.ecx);
	vcpu_set_reg(v, VM_REG_RDX, r.edx);
	vcpu_advance_rip(v, e->insn_len);
}

/* Every CPU of the host is the same: the answer is computed once. */
uint64_t cpuid_cr4_allowed(void)
{
	static const struct cpu_policy_vcpu pv = { .nvcpus = 1 }; /* topology: not read */
	static uint64_t allowed;

	if (!allowed)
		allowed = cpu_policy_cr4_allowed(guest_leaf(1, 0, &pv), guest_leaf(7, 0, &pv));
	return allowed;
}
