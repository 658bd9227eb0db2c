/*
 * arch/x86/cpu.c: CPU identification and detection of hardware
 * virtualization. VMX: CPUID.1:ECX[5], IA32_FEATURE_CONTROL lock/enable
 * bits, EPT in the secondary processor-based controls (Intel SDM vol. 3C
 * 23.6-23.7, appendix A.3.3). SVM: CPUID 8000_0001h ECX[2], VM_CR.SVMDIS,
 * NPT in CPUID 8000_000Ah EDX[0] (AMD APM vol. 2 15.4, 15.25).
 */
#include "arch/x86/cpu.h"
#include "arch/x86/x86.h"
#include "lib/string.h"

#define MSR_FEATURE_CONTROL 0x3a
#define MSR_VMX_PROCBASED 0x482
#define MSR_VMX_PROCBASED2 0x48b
#define MSR_VM_CR 0xc0010114

static void copy_regs(char *dst, const struct cpuid_regs *r)
{
	memcpy(dst, &r->eax, 4);
	memcpy(dst + 4, &r->ebx, 4);
	memcpy(dst + 8, &r->ecx, 4);
	memcpy(dst + 12, &r->edx, 4);
}

static void identify_model(struct cpu_info *ci)
{
	struct cpuid_regs r = cpuid(0x80000000, 0);
	char *p = ci->model;

	if (r.eax >= 0x80000004) {
		for (uint32_t leaf = 0x80000002; leaf <= 0x80000004; leaf++) {
			r = cpuid(leaf, 0);
			copy_regs(ci->model + (leaf - 0x80000002) * 16, &r);
		}
	} else {
		memcpy(ci->model, "unknown model", 14);
	}
	ci->model[48] = '\0';
	while (*p == ' ')
		p++;
	memmove(ci->model, p, strlen(p) + 1);
}

static void detect_vmx(struct cpu_info *ci)
{
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);

	ci->virt = VIRT_VMX;
	if ((fc & 1) && !(fc & 4)) {
		ci->virt_problem = "VMX is disabled by the firmware (IA32_FEATURE_CONTROL locked)";
		return;
	}
	if ((rdmsr(MSR_VMX_PROCBASED) >> 63) & 1) /* secondary controls allowed */
		ci->nested_paging = (rdmsr(MSR_VMX_PROCBASED2) >> 33) & 1;
}

static void detect_svm(struct cpu_info *ci)
{
	ci->virt = VIRT_SVM;
	if (rdmsr(MSR_VM_CR) & (1u << 4)) {
		ci->virt_problem = "SVM is disabled by the firmware (VM_CR.SVMDIS)";
		return;
	}
	if (cpuid(0x80000000, 0).eax >= 0x8000000a)
		ci->nested_paging = cpuid(0x8000000a, 0).edx & 1;
}

void cpu_identify(struct cpu_info *ci)
{
	struct cpuid_regs r = cpuid(0, 0);
	uint32_t sig;

	memset(ci, 0, sizeof(*ci));
	memcpy(ci->vendor, &r.ebx, 4);
	memcpy(ci->vendor + 4, &r.edx, 4);
	memcpy(ci->vendor + 8, &r.ecx, 4);
	sig = cpuid(1, 0).eax;
	ci->family = (sig >> 8 & 0xf) + ((sig >> 8 & 0xf) == 0xf ? (sig >> 20 & 0xff) : 0);
	ci->model_num = (sig >> 4 & 0xf) | ((sig >> 8 & 0xf) >= 6 ? (sig >> 12 & 0xf0) : 0);
	ci->stepping = sig & 0xf;
	identify_model(ci);
	if (cpuid(1, 0).ecx & (1u << 5))
		detect_vmx(ci);
	else if (cpuid(0x80000001, 0).ecx & (1u << 2))
		detect_svm(ci);
}

const char *cpu_virt_name(const struct cpu_info *ci)
{
	if (ci->virt == VIRT_VMX)
		return ci->nested_paging ? "Intel VMX with EPT" : "Intel VMX without EPT";
	if (ci->virt == VIRT_SVM)
		return ci->nested_paging ? "AMD SVM with NPT" : "AMD SVM without NPT";
	return "none";
}
