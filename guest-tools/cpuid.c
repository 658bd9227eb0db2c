/*
 * guest-tools/cpuid.c: what CPUID tells a guest of bivisor: the hypervisor
 * bit (leaf 1 ECX[31]), the leaf 0x40000000 signature "bivisor", and no
 * VMX or SVM (nested virtualization is not offered).
 */
#include "guest-tools/lib/guest.h"

static int signature_is_bivisor(const struct cpuid_regs *r)
{
	char sig[13];

	for (int i = 0; i < 4; i++) {
		sig[i] = (char)(r->ebx >> (8 * i));
		sig[4 + i] = (char)(r->ecx >> (8 * i));
		sig[8 + i] = (char)(r->edx >> (8 * i));
	}
	sig[12] = '\0';
	guest_printf("hypervisor signature: '%s'\n", sig);
	return sig[0] == 'b' && sig[1] == 'i' && sig[2] == 'v' && sig[3] == 'i' && sig[4] == 's' &&
	       sig[5] == 'o' && sig[6] == 'r' && sig[7] == '\0';
}

int guest_main(void)
{
	struct cpuid_regs hv = cpuid(0x40000000, 0);

	report(cpuid(1, 0).ecx & (1u << 31), "leaf 1 sets the hypervisor bit");
	report(signature_is_bivisor(&hv), "leaf 0x40000000 says bivisor");
	report(hv.eax >= 0x40000000, "leaf 0x40000000 gives the highest hypervisor leaf");
	report(!(cpuid(1, 0).ecx & (1u << 5)), "VMX is hidden");
	report(!(cpuid(0x80000001, 0).ecx & (1u << 2)), "SVM is hidden");
	report(cpuid(0, 0).eax >= 1, "basic leaves are passed through");
	report(hv.eax < 0x40000010 || cpuid(0x40000010, 0).eax > 1000,
	       "leaf 0x40000010 gives the TSC frequency in kHz");
	return report_summary();
}
