/*
 * vmx/vmx_caps.c: names what a CPU's VMX capability MSRs offer (Intel SDM
 * vol. 3C 25.6.1-25.6.2 tables 25-5 to 25-8: pin-based, primary, secondary and
 * tertiary controls; vol. 3D A.3 their allowed-1 bits, A.10 IA32_VMX_EPT_VPID_CAP)
 * for the boot banner, and chooses the INVEPT and INVVPID types (vol. 2B).
 * Only features a reader may care to compare between CPUs are named.
 */
#include "lib/format.h"
#include "vmx/vmx_caps.h"

struct cap_name {
	uint8_t bit;
	const char *name;
};

static const struct cap_name pin_names[] = {
	{ 5, "virtual-NMIs" },
	{ 6, "preemption-timer" },
	{ 7, "posted-interrupts" },
};

static const struct cap_name proc_names[] = {
	{ 3, "TSC-offsetting" },
	{ 21, "TPR-shadow" },
	{ 27, "monitor-trap-flag" },
};

static const struct cap_name proc2_names[] = {
	{ 0, "APIC-access" },
	{ 1, "EPT" },
	{ 3, "RDTSCP" },
	{ 4, "x2APIC-virt" },
	{ 5, "VPID" },
	{ 7, "unrestricted-guest" },
	{ 8, "APIC-register-virt" },
	{ 9, "virtual-interrupt-delivery" },
	{ 10, "PAUSE-loop-exiting" },
	{ 12, "INVPCID" },
	{ 13, "VM-functions" },
	{ 14, "VMCS-shadowing" },
	{ 17, "PML" },
	{ 18, "EPT-#VE" },
	{ 20, "XSAVES" },
	{ 22, "mode-based-execute" },
	{ 25, "TSC-scaling" },
	{ 26, "user-wait-pause" },
};

static const struct cap_name proc3_names[] = {
	{ 0, "LOADIWKEY-exiting" },
	{ 1, "HLAT" },
	{ 4, "IPI-virt" },
};

static const struct cap_name ept_vpid_names[] = {
	{ 0, "execute-only" },	  { 6, "4-level" },
	{ 7, "5-level" },	  { 14, "WB" },
	{ 16, "2M-pages" },	  { 17, "1G-pages" },
	{ 21, "accessed-dirty" }, { 25, "INVEPT-single" },
	{ 26, "INVEPT-all" },	  { 41, "INVVPID-single" },
	{ 42, "INVVPID-all" },
};

/* Appends the names of the bits set in v to buf (at *n), each after a space. */
static void add_names(const struct cap_name *t, size_t count, uint64_t v, char *buf, size_t size,
		      size_t *n)
{
	for (size_t i = 0; i < count; i++)
		if (((v >> t[i].bit) & 1) && *n < size)
			*n += (size_t)fmt_snprintf(buf + *n, size - *n, " %s", t[i].name);
}

#define NAMES(t) t, sizeof(t) / sizeof((t)[0])

void vmx_offer_controls(const struct vmx_offer *o, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	add_names(NAMES(pin_names), o->pin, buf, size, &n);
	add_names(NAMES(proc_names), o->proc, buf, size, &n);
	if (o->proc & (1u << 31))
		add_names(NAMES(proc2_names), o->proc2, buf, size, &n);
	if (o->proc & (1u << 17))
		add_names(NAMES(proc3_names), o->proc3, buf, size, &n);
}

void vmx_offer_ept_vpid(const struct vmx_offer *o, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	add_names(NAMES(ept_vpid_names), o->ept_vpid, buf, size, &n);
}

unsigned int vmx_invept_type(uint64_t ept_vpid)
{
	if (!((ept_vpid >> 20) & 1)) /* INVEPT itself */
		return 0;
	if ((ept_vpid >> 25) & 1)
		return VMX_INV_SINGLE;
	return (ept_vpid >> 26) & 1 ? VMX_INV_ALL : 0;
}

unsigned int vmx_invvpid_type(uint64_t ept_vpid)
{
	if (!((ept_vpid >> 32) & 1)) /* INVVPID itself */
		return 0;
	if ((ept_vpid >> 41) & 1)
		return VMX_INV_SINGLE;
	return (ept_vpid >> 42) & 1 ? VMX_INV_ALL : 0;
}
