/*
 * vmx/vmx_caps.h: what the VMX capability MSRs say a CPU offers (Intel SDM
 * vol. 3D appendix A.3 controls, A.10 EPT and VPID), named for the boot banner,
 * and the INVEPT and INVVPID types bivisor can use there. Pure code: the MSRs
 * are read by vmx/vmx.c, and a host unit test feeds Bochs's values.
 */
#ifndef VMX_VMX_CAPS_H
#define VMX_VMX_CAPS_H

#include <stddef.h>
#include <stdint.h>

/* The allowed-1 settings of each control word, and IA32_VMX_EPT_VPID_CAP. */
struct vmx_offer {
	uint32_t pin, proc, proc2; /* bits 63:32 of IA32_VMX_(TRUE_)PINBASED/PROCBASED(2)_CTLS */
	uint64_t proc3;		   /* IA32_VMX_PROCBASED_CTLS3, 0 without tertiary controls */
	uint64_t ept_vpid;	   /* IA32_VMX_EPT_VPID_CAP, 0 without EPT and VPID */
};

/* The names of what o offers, one line each: controls, then EPT/VPID (SDM 25.6, A.10). */
void vmx_offer_controls(const struct vmx_offer *o, char *buf, size_t size);
void vmx_offer_ept_vpid(const struct vmx_offer *o, char *buf, size_t size);

/* INVEPT/INVVPID types (SDM vol. 2B "INVEPT", "INVVPID"): 1 single-context,
 * 2 all-context, 0 none offered. The narrower one where both are offered. */
#define VMX_INV_SINGLE 1
#define VMX_INV_ALL 2
unsigned int vmx_invept_type(uint64_t ept_vpid);
unsigned int vmx_invvpid_type(uint64_t ept_vpid);

#endif
