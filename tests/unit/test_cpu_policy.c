/*
 * tests/unit/test_cpu_policy.c: drivers/cpu_policy.c, the CPUID and MSR
 * policy both modes share, fed host leaves with every bit set (what a host
 * could offer at most) and with none, as kernel/cpuid.c and hosted/kvm.c do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "drivers/cpu_policy.h"

#define ALL ((struct cpu_policy_regs){ ~0u, ~0u, ~0u, ~0u })
#define NONE ((struct cpu_policy_regs){ 0, 0, 0, 0 })

static const struct cpu_policy_vcpu vcpu2of4 = {
	.apic_id = 2, .nvcpus = 4, .tsc_khz = 2500000, .lapic_timer_khz = 1000000
};

static struct cpu_policy_regs leaf(uint32_t l, uint32_t sub, struct cpu_policy_regs host)
{
	return cpu_policy_cpuid(l, sub, host, &vcpu2of4);
}

static void hides_xsave_avx_monitor_vmx(void **state)
{
	struct cpu_policy_regs r = leaf(1, 0, ALL);

	(void)state;
	assert_int_equal(r.ecx & (1u << 26), 0);	       /* XSAVE */
	assert_int_equal(r.ecx & (1u << 27), 0);	       /* OSXSAVE */
	assert_int_equal(r.ecx & (1u << 28), 0);	       /* AVX */
	assert_int_equal(r.ecx & (1u << 3), 0);		       /* MONITOR */
	assert_int_equal(r.ecx & (1u << 5), 0);		       /* VMX */
	assert_int_equal(r.ecx & (1u << 12), 0);	       /* FMA */
	assert_int_equal(r.ecx & (1u << 29), 0);	       /* F16C */
	assert_int_equal(leaf(7, 0, ALL).ebx & (1u << 5), 0);  /* AVX2 */
	assert_int_equal(leaf(7, 0, ALL).ebx & (1u << 16), 0); /* AVX-512F */
	assert_int_equal(leaf(7, 0, ALL).eax, 0);	       /* no subleaves */
	assert_int_equal(leaf(7, 1, ALL).eax, 0);	       /* AVX-VNNI, AMX... */
}

static void hides_whole_leaves(void **state)
{
	static const uint32_t hidden[] = { 5, 6, 0xa, 0xd, 0x80000005, 0x8000000a };

	(void)state;
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		struct cpu_policy_regs r = leaf(hidden[i], 0, ALL);

		assert_true(cpu_policy_leaf_is_hidden(hidden[i]));
		assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
	assert_false(cpu_policy_leaf_is_hidden(1));
	assert_int_equal(leaf(0xd, 1, ALL).eax, 0); /* every subleaf of 0xD */
}

static void hides_rdtscp_svm_and_speculation_msrs(void **state)
{
	struct cpu_policy_regs r = leaf(0x80000001, 0, ALL);

	(void)state;
	assert_int_equal(r.edx & (1u << 27), 0);	       /* RDTSCP */
	assert_int_equal(r.ecx & (1u << 2), 0);		       /* SVM */
	assert_int_equal(r.ecx & (1u << 29), 0);	       /* MONITORX */
	assert_int_equal(leaf(7, 0, ALL).ecx & (1u << 22), 0); /* RDPID */
	assert_int_equal(leaf(7, 0, ALL).edx & (1u << 26), 0); /* IBRS/IBPB: SPEC_CTRL */
	assert_int_equal(leaf(7, 0, ALL).edx & (1u << 29), 0); /* ARCH_CAPABILITIES */
	assert_int_equal(leaf(7, 0, ALL).ebx & (1u << 1), 0);  /* TSC_ADJUST */
	assert_int_equal(leaf(0x80000008, 0, ALL).ebx, 0);     /* IBPB, SSBD... */
	assert_int_equal(leaf(0x80000008, 0, ALL).eax, ~0u);   /* address sizes pass */
}

static void sets_hypervisor_apic_and_invariant_tsc(void **state)
{
	struct cpu_policy_regs r = leaf(1, 0, NONE);

	(void)state;
	assert_int_equal(r.ecx, (1u << 31) | (1u << 24) | (1u << 21)); /* HV TSC-deadline x2APIC */
	assert_int_equal(r.edx, (1u << 9) | (1u << 28));	       /* APIC HTT */
	assert_int_equal(r.ebx, (2u << 24) | (4u << 16)); /* APIC id 2, 4 logical CPUs */
	assert_int_equal(leaf(0x80000007, 0, NONE).edx, 1u << 8);
}

static void hypervisor_leaves_ignore_the_host(void **state)
{
	struct cpu_policy_regs r = leaf(0x40000000, 0, ALL);

	(void)state;
	assert_int_equal(r.eax, 0x40000010);
	assert_int_equal(r.ebx, 0x69766962); /* "bivi" */
	assert_int_equal(r.ecx, 0x00726f73); /* "sor\0" */
	assert_int_equal(r.edx, 0);
	r = leaf(0x40000010, 0, ALL);
	assert_int_equal(r.eax, 2500000); /* TSC kHz */
	assert_int_equal(r.ebx, 1000000); /* LAPIC timer kHz: 1 GHz in both modes */
	assert_int_equal(r.ecx | r.edx, 0);
	r = leaf(0x40000002, 0, ALL);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void hypercall_leaf_names_the_abi_instruction_domain_and_role(void **state)
{
	const struct cpu_policy_vcpu svc = {
		.apic_id = 0, .nvcpus = 1, .hypercall = 2, .domid = 5, .role = 1
	};
	struct cpu_policy_regs r = cpu_policy_cpuid(0x40000001, 0, ALL, &svc);

	(void)state;
	assert_int_equal(r.eax, 1); /* BV_ABI_VERSION */
	assert_int_equal(r.ebx, 2); /* BV_CPUID_HC_VMMCALL */
	assert_int_equal(r.ecx, 5);
	assert_int_equal(r.edx, 1);   /* BV_CPUID_ROLE_SERVICE */
	r = leaf(0x40000001, 0, ALL); /* as under bvm: nothing traps, no domain id */
	assert_int_equal(r.eax, 1);
	assert_int_equal(r.ebx | r.ecx | r.edx, 0);
}

static void topology_is_one_package_of_single_thread_cores(void **state)
{
	struct cpu_policy_regs r;

	(void)state;
	r = leaf(0xb, 0, ALL);
	assert_int_equal(r.eax, 0);
	assert_int_equal(r.ebx, 1);
	assert_int_equal(r.ecx, 0x100); /* SMT level */
	assert_int_equal(r.edx, 2);	/* x2APIC id */
	r = leaf(0xb, 1, NONE);
	assert_int_equal(r.eax, 2); /* 4 cores: 2 bits */
	assert_int_equal(r.ebx, 4);
	assert_int_equal(r.ecx, 0x201);
	r = leaf(0x1f, 2, ALL);
	assert_int_equal(r.ecx, 2); /* the invalid level ends the list */
	assert_int_equal(r.edx, 2);
	r = leaf(4, 0, (struct cpu_policy_regs){ 0xffffc121, 0, 0, 0 });
	assert_int_equal(r.eax, (3u << 26) | 0x0121); /* 4 cores, caches per core */
	assert_int_equal(leaf(4, 1, NONE).eax, 0);    /* a null cache type stays null */
	assert_int_equal(leaf(0x80000008, 0, ALL).ecx, ~0xf0ffu | 3u);
}

static void timing_leaves_follow_the_tsc_and_the_timer(void **state)
{
	struct cpu_policy_regs r = leaf(0x15, 0, ALL);

	(void)state;
	assert_int_equal(r.eax, 1000);
	assert_int_equal(r.ebx, 2500);	     /* TSC MHz */
	assert_int_equal(r.ecx, 1000000000); /* crystal Hz: the LAPIC timer's */
	r = leaf(0x16, 0, ALL);
	assert_int_equal(r.eax, 2500);
	assert_int_equal(r.ecx, 1000);
	r = leaf(0x15, 0, NONE); /* the host has no such leaf: neither has the guest */
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void constant_msrs(void **state)
{
	(void)state;
	assert_int_equal(cpu_policy_msr_find(0x1a0)->value, 1); /* MISC_ENABLE: fast strings */
	assert_int_equal(cpu_policy_msr_find(0xfe)->value, 0);	/* MTRRCAP: none */
	assert_false(cpu_policy_msr_find(0xfe)->writable);
	assert_true(cpu_policy_msr_find(0x8b)->writable);
	assert_null(cpu_policy_msr_find(0x10)); /* the TSC is not a constant */
	assert_null(cpu_policy_msr_find(0x48)); /* SPEC_CTRL: none */
}

/* PERF_CTL0-3 and PERF_CTR0-3 (0xc0010000-7): present, 0, writes ignored; 0xc0010008 is not. */
static void amd_legacy_pmu_counts_nothing(void **state)
{
	(void)state;
	for (uint32_t msr = 0xc0010000; msr <= 0xc0010007; msr++) {
		assert_non_null(cpu_policy_msr_find(msr));
		assert_int_equal(cpu_policy_msr_find(msr)->value, 0);
		assert_true(cpu_policy_msr_find(msr)->writable);
	}
	assert_null(cpu_policy_msr_find(0xc0010008));
}

/* PKRS and Intel's PMU MSRs are no constants: kernel/msr.c gives them #GP. */
static void pkrs_and_intel_pmu_msrs_are_absent(void **state)
{
	static const uint32_t absent[] = { 0x6e1, 0xc1, 0xc2, 0x186, 0x187, 0x309, 0x38d, 0x38f };

	(void)state;
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		assert_null(cpu_policy_msr_find(absent[i]));
	assert_int_equal(leaf(0xa, 0, ALL).eax, 0);	       /* PMU version 0 */
	assert_int_equal(leaf(7, 0, ALL).ecx & (1u << 31), 0); /* PKS */
}

#define B(n) (1ull << (n))
#define CR4_BASE (B(5) | B(9) | B(10)) /* PAE, OSFXSR, OSXMMEXCPT: a 64-bit guest's */
#define EFER_LMA B(10)
#define CR0_WP B(16)

static uint64_t cr4_allowed_all(void)
{
	return cpu_policy_cr4_allowed(leaf(1, 0, ALL), leaf(7, 0, ALL));
}

static int cr4_valid_pcide(uint64_t cr3, uint64_t efer)
{
	struct cpu_policy_cr_state s = { CR0_WP, cr3, CR4_BASE, efer };

	return cpu_policy_cr4_valid(&s, CR4_BASE | B(17), cr4_allowed_all());
}

static int cr4_ok(uint64_t old, uint64_t value)
{
	struct cpu_policy_cr_state s = { CR0_WP, 0x1000, old, EFER_LMA };

	return cpu_policy_cr4_valid(&s, value, cr4_allowed_all());
}

/* From everything a host could offer, the guest keeps what its CPUID shows. */
static void cr4_bits_follow_the_guest_cpuid(void **state)
{
	uint64_t a = cr4_allowed_all();

	(void)state;
	for (int b = 0; b <= 12; b++) /* VME ... LA57 */
		assert_true(a & B(b));
	assert_true(a & B(16) && a & B(17) && a & B(20) &&
		    a & B(21));				    /* FSGSBASE PCIDE SMEP SMAP */
	assert_false(a & B(18));			    /* OSXSAVE: XSAVE hidden */
	assert_false(a & B(22));			    /* PKE: PKU hidden */
	assert_false(a & B(23));			    /* CET: hidden */
	assert_false(a & B(24));			    /* PKS: hidden */
	assert_false(a & B(13) || a & B(14));		    /* VMXE, SMXE: never */
	assert_false(a & (B(15) | B(19) | ~0xffffffffull)); /* reserved (KL is not offered) */
	assert_int_equal(cpu_policy_cr4_allowed(leaf(1, 0, NONE), leaf(7, 0, NONE)),
			 B(8)); /* PCE */
}

/* With the raw leaves, before the policy: each feature bit opens its CR4 bit. */
static void cr4_bits_of_a_host_with_everything(void **state)
{
	uint64_t a = cpu_policy_cr4_allowed(ALL, ALL);

	(void)state;
	assert_true(a & B(18) && a & B(22) && a & B(23) && a & B(24));
	assert_false(a & (B(13) | B(14) | B(15) | B(19) | ~0xffffffffull));
}

static void cr4_writes_checked_by_mode(void **state)
{
	struct cpu_policy_cr_state prot = { CR0_WP, 0x1000, B(5), 0 };

	(void)state;
	assert_true(cr4_ok(CR4_BASE, CR4_BASE | B(7)));	  /* PGE on */
	assert_true(cr4_ok(CR4_BASE | B(7), CR4_BASE));	  /* PGE off */
	assert_false(cr4_ok(CR4_BASE, CR4_BASE | B(18))); /* OSXSAVE */
	assert_false(cr4_ok(CR4_BASE, CR4_BASE | B(13))); /* VMXE */
	assert_false(cr4_ok(CR4_BASE, CR4_BASE | B(63))); /* reserved */
	assert_false(cr4_ok(CR4_BASE, CR4_BASE & ~B(5))); /* PAE off in long mode */
	assert_false(cr4_ok(CR4_BASE, CR4_BASE | B(12))); /* LA57 on in long mode */
	assert_false(cr4_ok(CR4_BASE | B(12), CR4_BASE)); /* LA57 off in long mode */
	assert_true(cr4_ok(CR4_BASE | B(12), CR4_BASE | B(12) | B(7)));
	assert_true(cr4_valid_pcide(0x1000, EFER_LMA));
	assert_false(cr4_valid_pcide(0x1008, EFER_LMA));		/* CR3[11:0] = 8 */
	assert_false(cr4_valid_pcide(0x1000, 0));			/* outside long mode */
	assert_true(cpu_policy_cr4_valid(&prot, 0, cr4_allowed_all())); /* PAE off, no LMA */
	assert_true(cpu_policy_cr4_valid(&prot, B(5) | B(12), cr4_allowed_all()));
}

/* CET needs CR0.WP (a host that offers it). */
static void cr4_cet_needs_wp(void **state)
{
	struct cpu_policy_cr_state s = { 0, 0, CR4_BASE, EFER_LMA };
	uint64_t a = cpu_policy_cr4_allowed(ALL, ALL);

	(void)state;
	assert_false(cpu_policy_cr4_valid(&s, CR4_BASE | B(23), a));
	s.cr0 = CR0_WP;
	assert_true(cpu_policy_cr4_valid(&s, CR4_BASE | B(23), a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hides_xsave_avx_monitor_vmx),
		cmocka_unit_test(hides_whole_leaves),
		cmocka_unit_test(hides_rdtscp_svm_and_speculation_msrs),
		cmocka_unit_test(sets_hypervisor_apic_and_invariant_tsc),
		cmocka_unit_test(hypervisor_leaves_ignore_the_host),
		cmocka_unit_test(hypercall_leaf_names_the_abi_instruction_domain_and_role),
		cmocka_unit_test(topology_is_one_package_of_single_thread_cores),
		cmocka_unit_test(timing_leaves_follow_the_tsc_and_the_timer),
		cmocka_unit_test(constant_msrs),
		cmocka_unit_test(amd_legacy_pmu_counts_nothing),
		cmocka_unit_test(pkrs_and_intel_pmu_msrs_are_absent),
		cmocka_unit_test(cr4_bits_follow_the_guest_cpuid),
		cmocka_unit_test(cr4_bits_of_a_host_with_everything),
		cmocka_unit_test(cr4_writes_checked_by_mode),
		cmocka_unit_test(cr4_cet_needs_wp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
