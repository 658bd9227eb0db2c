/*
 * arch/x86/cpu.h: what the boot CPU is and which hardware virtualization it
 * offers (the banner and the choice of backend read this).
 */
#ifndef ARCH_X86_CPU_H
#define ARCH_X86_CPU_H

enum virt_kind {
	VIRT_NONE,
	VIRT_VMX,
	VIRT_SVM,
};

struct cpu_info {
	char vendor[13];
	char model[49];
	unsigned int family, model_num, stepping;
	enum virt_kind virt;
	int nested_paging;	  /* EPT (VMX) or NPT (SVM) */
	const char *virt_problem; /* why virtualization is unusable, or NULL */
};

void cpu_identify(struct cpu_info *ci);
/* One line: "AMD SVM with NPT", "Intel VMX without EPT", "none". */
const char *cpu_virt_name(const struct cpu_info *ci);

#endif
