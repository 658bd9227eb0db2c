/*
 * svm/svm.h: the SVM backend's private state (per vCPU: the VMCB and the
 * registers it does not hold; per domain: the nested page table root).
 * Only svm/ includes it; kernel/ sees svm_ops through kernel/virt.h.
 */
#ifndef SVM_SVM_H
#define SVM_SVM_H

#include "kernel/virt.h"
#include "svm/vmcb.h"

struct svm_vcpu {
	struct vmcb *vmcb;
	hpa_t vmcb_pa;
	uint64_t gprs[16]; /* indexed by enum vm_reg; RAX and RSP live in the VMCB */
	uint32_t asid;
	unsigned int last_cpu; /* the CPU it last ran on, ~0 before the first run */
	int launched;
};

struct svm_domain {
	hpa_t npt_root;
};

extern const struct virt_ops svm_ops;

void svm_vmrun(uint64_t vmcb_pa, uint64_t *gprs, uint64_t host_area_pa);
int svm_domain_init(struct domain *d);
void svm_domain_destroy(struct domain *d);
int svm_npt_map(struct domain *d, gpa_t gpa, hpa_t hpa, uint64_t len, unsigned int prot);
void svm_decode_exit(struct vcpu *v, struct vm_exit *e);

#endif
