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
	int tlb_flush;		  /* a CR4 write asks for a TLB flush at the next entry */
	uint64_t shadow_rip;	  /* where an exit last reported an STI/MOV SS shadow */
	unsigned int shadow_left; /* how many more exits there may find it lost */
	/* NMI blocking, which the CPU keeps for an injected NMI only with vNMI (svm_nmi.c) */
	uint8_t nmi_blocked; /* an injected NMI's handler has not returned */
	uint8_t iret_seen;   /* its IRET exited at iret_rip and was let run */
	uint8_t nmi_step;    /* single-stepping that IRET for a waiting NMI */
	uint64_t iret_rip;
	uint8_t clean_snap[248]; /* the clean groups' bytes after the last #VMEXIT (svm_clean.c) */
};

extern const struct virt_ops svm_ops;

void svm_vmrun(uint64_t vmcb_pa, uint64_t *gprs, uint64_t host_area_pa);
extern const char svm_window_start[], svm_window_end[]; /* svm_entry.asm */
int svm_domain_init(struct domain *d);
void svm_domain_destroy(struct domain *d);
void svm_decode_exit(struct vcpu *v, struct vm_exit *e);
/* NMI blocking (svm/svm_nmi.c): an NMI went into EVENTINJ; after each exit; the window. */
void svm_nmi_injected(struct svm_vcpu *sv);
void svm_nmi_after_exit(struct svm_vcpu *sv, struct vm_exit *e);
void svm_nmi_window(struct vcpu *v);
/*
 * CPUID 0x8000000a EDX bits bivisor uses where the CPU has them (AMD APM
 * vol. 2 15.7.1 NRIP save, 15.16.1 TLB_CONTROL's flush of one ASID, 15.33
 * decode assists: a MOV to CR4's source register in EXITINFO1, 15.14.4 pause
 * filter, 15.15.3 VMCB clean bits); svm_features holds those in use, set once
 * by svm/svm.c.
 */
#define SVM_FEAT_NRIP (1u << 3)
#define SVM_FEAT_VMCB_CLEAN (1u << 5)
#define SVM_FEAT_FLUSH_ASID (1u << 6)
#define SVM_FEAT_DECODE (1u << 7)
#define SVM_FEAT_PAUSE_FILTER (1u << 10)
#define PAUSE_FILTER_COUNT 3000 /* PAUSEs in a row before an exit, as KVM's default */
extern uint32_t svm_features;

/* The VMCB clean bits (svm/svm_clean.c): a copy after each #VMEXIT, the bits before VMRUN. */
void svm_clean_snap(struct svm_vcpu *sv);
uint32_t svm_clean_bits(const struct svm_vcpu *sv);

#endif
