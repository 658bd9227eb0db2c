/*
 * vmx/vmx.h: the VMX backend's private state and its VMX instruction
 * wrappers (Intel SDM vol. 3C chapter 31 "VMX Instruction Reference"). Each
 * wrapper checks RFLAGS for VMfailInvalid (CF) and VMfailValid (ZF); a failure
 * is printed with the VM-instruction error by name (vmx_insn_error_name).
 * Only vmx/ includes this header.
 */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include "kernel/virt.h"
#include "vmx/vmcs.h"

#define VMX_GUEST_MSRS 5 /* STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE */

struct vmx_msr_entry {
	uint32_t index;
	uint32_t reserved;
	uint64_t value;
};
_Static_assert(sizeof(struct vmx_msr_entry) == 16, "SDM 25.7.2 table 25-15");

struct vmx_vcpu {
	hpa_t vmcs_pa;
	hpa_t msr_area_pa; /* guest syscall MSRs: loaded at entry, stored at exit */
	struct vmx_msr_entry *msrs;
	uint64_t gprs[16]; /* indexed by enum vm_reg; RSP lives in the VMCS */
	uint64_t cr2;	   /* the guest's CR2 while another vCPU or the host runs */
	uint16_t vpid;
	uint64_t ept_gen; /* the EPT tables' generation at its last INVEPT */
	int launched;
	int tlb_flush; /* a CR4 write asks for a TLB flush at the next entry */
};

extern const struct virt_ops vmx_ops;

/* Returns 0 on a VM exit, 1 for VMfailInvalid, 2 for VMfailValid. */
int vmx_enter(uint64_t *gprs, int launched);
void vmx_exit_point(void);

const char *vmx_insn_error_name(uint64_t err);
/* A failed VMX instruction is a hypervisor bug: names the error and panics. */
void vmx_fail(const char *insn, uint64_t operand) __attribute__((noreturn));

static inline uint64_t vmread(uint64_t field)
{
	uint64_t value;
	uint8_t fail;

	asm volatile("vmread %2, %0; setna %1" : "=rm"(value), "=qm"(fail) : "r"(field) : "cc");
	if (fail)
		vmx_fail("VMREAD", field);
	return value;
}

static inline void vmwrite(uint64_t field, uint64_t value)
{
	uint8_t fail;

	asm volatile("vmwrite %1, %2; setna %0" : "=qm"(fail) : "rm"(value), "r"(field) : "cc");
	if (fail)
		vmx_fail("VMWRITE", field);
}

void vmx_access_begin(struct vmx_vcpu *xv);
void vmx_access_end(struct vmx_vcpu *xv);
int vmx_domain_init(struct domain *d);
void vmx_domain_destroy(struct domain *d);
/* The EPT pointer of a domain's tables (SDM 25.6.11). */
uint64_t vmx_eptp(struct domain *d);
void vmx_decode_exit(struct vcpu *v, struct vm_exit *e);
uint64_t vmx_get_reg(struct vcpu *v, enum vm_reg r);
void vmx_set_reg(struct vcpu *v, enum vm_reg r, uint64_t value);
void vmx_get_seg(struct vcpu *v, enum vm_seg s, struct vm_segment *seg);
void vmx_set_seg(struct vcpu *v, enum vm_seg s, const struct vm_segment *seg);
int vmx_inject(struct vcpu *v, const struct vm_event *ev);
void vmx_dump(struct vcpu *v);
int vmx_emulate_cr_write(struct vcpu *v, uint64_t qual, unsigned int insn_len);

#endif
