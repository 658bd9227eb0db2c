/*
 * svm/npt.c: the SVM domain's nested page tables (AMD APM vol. 2 15.25 "Nested
 * Paging"): the shared walker of kernel/gpt.c (d->gpt) in the format of
 * svm/npt.h. The root goes to each VMCB's nCR3 (15.25.3, svm_vcpu_init); after
 * a change every vCPU of the domain flushes its TLB at its next VMRUN through
 * TLB_CONTROL (15.16.1, svm_vcpu_run). The tables' frames are counted to
 * their domain and all freed with it.
 */
#include "kernel/domain.h"
#include "svm/npt.h"
#include "svm/svm.h"

int svm_domain_init(struct domain *d)
{
	return domain_gpt_init(d, &npt_format);
}

void svm_domain_destroy(struct domain *d)
{
	gpt_destroy(&d->gpt);
}
