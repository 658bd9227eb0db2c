/*
 * vmx/ept.c: the VMX domain's extended page tables (Intel SDM vol. 3C 29.3):
 * the shared walker of kernel/gpt.c (d->gpt) in the format of vmx/ept.h. The
 * EPT pointer says WB paging-structure accesses and a 4-level walk (25.6.11);
 * after a change every vCPU of the domain runs INVEPT single-context (29.4.3.1,
 * 31 "INVEPT") before its next entry (vmx_vcpu_run). The tables' frames are
 * counted to their domain and all freed with it.
 */
#include "kernel/domain.h"
#include "vmx/ept.h"
#include "vmx/vmx.h"

int vmx_domain_init(struct domain *d)
{
	return domain_gpt_init(d, &ept_format);
}

void vmx_domain_destroy(struct domain *d)
{
	gpt_destroy(&d->gpt);
}

uint64_t vmx_eptp(struct domain *d)
{
	return d->gpt.root | EPTP_WALK4 | EPTP_WB;
}
