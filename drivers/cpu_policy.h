/*
 * drivers/cpu_policy.h: the CPUID and MSR policy of bivisor's guests, one for
 * both modes. The Type-1 kernel (kernel/cpuid.c, kernel/msr.c) and bvm on KVM
 * (hosted/kvm.c) are thin adapters around it. Plain C types only.
 */
#ifndef DRIVERS_CPU_POLICY_H
#define DRIVERS_CPU_POLICY_H

#include <stdint.h>

#define CPU_POLICY_HV_LEAF 0x40000000u	 /* "bivisor", highest hypervisor leaf */
#define CPU_POLICY_HV_TIMING 0x40000010u /* EAX: TSC kHz; EBX: LAPIC timer kHz */
/* 0x40000001 is include/public/hypercall.h's BV_CPUID_HYPERCALL. */
#define CPU_POLICY_LAPIC_TIMER_KHZ 1000000u /* both vLAPICs count at 1 GHz (see .c) */

struct cpu_policy_regs {
	uint32_t eax, ebx, ecx, edx;
};

/* What the policy needs to know of the vCPU and of its machine. */
struct cpu_policy_vcpu {
	uint32_t apic_id;	  /* this vCPU's (x2)APIC id */
	uint32_t nvcpus;	  /* vCPUs of the guest, 1..255 */
	uint32_t tsc_khz;	  /* the guest's TSC rate, 0 if unknown */
	uint32_t lapic_timer_khz; /* the LAPIC timer's input clock, before its divider */
	uint32_t hypercall;	  /* BV_CPUID_HC_*: what traps to bivisor; 0 under bvm */
	uint32_t domid;		  /* the guest's domain id (0 under bvm) */
	uint32_t role;		  /* BV_CPUID_ROLE_* of the guest's domain */
	uint32_t apic_off;	  /* IA32_APIC_BASE.EN is clear: CPUID.1:EDX.APIC reads 0 */
};

/*
 * The guest's CPUID leaf.sub, given the host's answer to it (in bvm: the
 * entry KVM_GET_SUPPORTED_CPUID offers, zeros if it offers none).
 */
struct cpu_policy_regs cpu_policy_cpuid(uint32_t leaf, uint32_t sub, struct cpu_policy_regs host,
					const struct cpu_policy_vcpu *v);

/* Leaves the policy gives as zeros whatever the host has (bvm leaves them out). */
int cpu_policy_leaf_is_hidden(uint32_t leaf);

/* The subleaves of the topology leaves 0xB and 0x1F the policy defines: the
 * levels SMT and core, then the invalid level that ends the list. */
#define CPU_POLICY_TOPOLOGY_SUBLEAVES 3

/* An MSR that reads as a constant (identification and "not present" MSRs). */
struct cpu_policy_msr {
	uint32_t index;
	uint64_t value;
	int writable; /* 1: a write is accepted and ignored; 0: #GP */
};

/* The constant MSR with this index, or NULL. */
const struct cpu_policy_msr *cpu_policy_msr_find(uint32_t index);

/* The CR4 bits a guest may set, from the CPUID leaves 1 and 7.0 it is given. */
uint64_t cpu_policy_cr4_allowed(struct cpu_policy_regs leaf1, struct cpu_policy_regs leaf7);

/* The vCPU's state a MOV to CR4 is checked against. */
struct cpu_policy_cr_state {
	uint64_t cr0, cr3, cr4, efer;
};

/* 1 if a MOV of value to CR4 is allowed, 0 if it raises #GP(0). */
int cpu_policy_cr4_valid(const struct cpu_policy_cr_state *s, uint64_t value, uint64_t allowed);

#endif
