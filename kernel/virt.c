/*
 * kernel/virt.c: choosing the virtualization backend once at boot, from
 * what the CPU offers (arch/x86/cpu.c). The rest of kernel/ only calls the
 * chosen table through the wrappers of kernel/virt.h.
 */
#include "arch/x86/cpu.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/virt.h"

extern const struct virt_ops svm_ops, vmx_ops;

const struct virt_ops *virt;

int virt_select(void)
{
	struct cpu_info ci;

	cpu_identify(&ci);
	if (ci.virt == VIRT_SVM && ci.nested_paging && !ci.virt_problem)
		virt = &svm_ops;
	if (ci.virt == VIRT_VMX && ci.nested_paging && !ci.virt_problem)
		virt = &vmx_ops;
	if (!virt) {
		printk("virt: no backend for %s in this build; guests cannot run\n",
		       cpu_virt_name(&ci));
		return -ENOSYS;
	}
	pr_info("virt: backend %s\n", virt->name);
	return 0;
}
