/*
 * svm/svm.h: the SVM backend's private state (per vCPU: the VMCB and the
 * registers it does not hold; the nested tables live in the domain, d->gpt).
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
	uint64_t npt_gen;      /* the nested tables' generation at its last flush */
	unsigned int last_cpu; /* the CPU it last ran on, ~0 before the first run */
	int launched;
	uint64_t shadow_rip;	  /* where an exit last reported an STI/MOV SS shadow */
	unsigned int shadow_left; /* how many more exits there may find it lost */
};

extern const struct virt_ops svm_ops;

void svm_vmrun(uint64_t vmcb_pa, uint64_t *gprs, uint64_t host_area_pa);
int svm_domain_init(struct domain *d);
void svm_domain_destroy(struct domain *d);
void svm_decode_exit(struct vcpu *v, struct vm_exit *e);
extern int svm_nrip_save; /* the CPU stores the next RIP in the VMCB (APM 15.7.1) */

#endif
