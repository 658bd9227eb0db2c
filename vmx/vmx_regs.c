/*
 * vmx/vmx_regs.c: the vCPU's registers and segments as the VMCS guest-state
 * area holds them (Intel SDM vol. 3C 25.4), CR0/CR4 through guest/host masks
 * and read shadows (25.6.6: the bits VMX forces, NE and VMXE, stay hidden from
 * the guest), the syscall MSRs in the VM-entry MSR-load area, event injection
 * (27.6) and the crash dump.
 */
#include "arch/x86/x86.h"
#include "kernel/domain.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "vmx/vmx.h"

#define CR0_NE (1ull << 5)
#define CR0_PG (1ull << 31)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

static int64_t vmcs_field_of(enum vm_reg r)
{
	static const int64_t fields[VM_NR_REGS] = {
		[VM_REG_RSP] = VMCS_GUEST_RSP,
		[VM_REG_RIP] = VMCS_GUEST_RIP,
		[VM_REG_RFLAGS] = VMCS_GUEST_RFLAGS,
		[VM_REG_CR3] = VMCS_GUEST_CR3,
		[VM_REG_EFER] = VMCS_GUEST_EFER,
		[VM_REG_PAT] = VMCS_GUEST_PAT,
		[VM_REG_SYSENTER_CS] = VMCS_GUEST_SYSENTER_CS,
		[VM_REG_SYSENTER_ESP] = VMCS_GUEST_SYSENTER_ESP,
		[VM_REG_SYSENTER_EIP] = VMCS_GUEST_SYSENTER_EIP,
		[VM_REG_FS_BASE] = VMCS_GUEST_ES_BASE + 2 * VM_SEG_FS,
		[VM_REG_GS_BASE] = VMCS_GUEST_ES_BASE + 2 * VM_SEG_GS,
		[VM_REG_TSC_OFFSET] = VMCS_TSC_OFFSET,
	};

	return r < VM_NR_REGS && fields[r] ? fields[r] : -1;
}

static int msr_slot(enum vm_reg r)
{
	switch (r) {
	case VM_REG_STAR:
		return 0;
	case VM_REG_LSTAR:
		return 1;
	case VM_REG_CSTAR:
		return 2;
	case VM_REG_SFMASK:
		return 3;
	case VM_REG_KERNEL_GS_BASE:
		return 4;
	default:
		return -1;
	}
}

uint64_t vmx_get_reg(struct vcpu *v, enum vm_reg r)
{
	struct vmx_vcpu *xv = v->arch;
	int64_t field = vmcs_field_of(r);
	uint64_t val = 0;

	if (r < 16 && r != VM_REG_RSP)
		return xv->gprs[r];
	if (msr_slot(r) >= 0)
		return xv->msrs[msr_slot(r)].value;
	if (r == VM_REG_CR2)
		return xv->cr2; /* VMX leaves CR2 alone: vmx_vcpu_run saves and restores it */
	vmx_access_begin(xv);
	if (field >= 0)
		val = vmread(field);
	else if (r == VM_REG_CR0)
		val = (vmread(VMCS_GUEST_CR0) & ~CR0_NE) | (vmread(VMCS_CR0_SHADOW) & CR0_NE);
	else if (r == VM_REG_CR4)
		val = (vmread(VMCS_GUEST_CR4) & ~CR4_VMXE) | (vmread(VMCS_CR4_SHADOW) & CR4_VMXE);
	vmx_access_end(xv);
	return val;
}

void vmx_set_reg(struct vcpu *v, enum vm_reg r, uint64_t value)
{
	struct vmx_vcpu *xv = v->arch;
	int64_t field = vmcs_field_of(r);

	if (r < 16 && r != VM_REG_RSP) {
		xv->gprs[r] = value;
		return;
	}
	if (msr_slot(r) >= 0) {
		xv->msrs[msr_slot(r)].value = value;
		return;
	}
	if (r == VM_REG_CR2) {
		xv->cr2 = value;
		return;
	}
	vmx_access_begin(xv);
	if (field >= 0) {
		vmwrite(field, value);
		if (r == VM_REG_RIP) /* an emulated instruction ends an STI or MOV SS shadow */
			vmwrite(VMCS_GUEST_INTERRUPTIBILITY,
				vmread(VMCS_GUEST_INTERRUPTIBILITY) & ~3ull);
	} else if (r == VM_REG_CR0) {
		vmwrite(VMCS_CR0_SHADOW, value);
		vmwrite(VMCS_GUEST_CR0, value | CR0_NE);
	} else if (r == VM_REG_CR4) {
		if ((vmread(VMCS_CR4_SHADOW) ^ value) & VM_CR4_TLB_BITS)
			xv->tlb_flush = 1;
		vmwrite(VMCS_CR4_SHADOW, value);
		vmwrite(VMCS_GUEST_CR4, value | CR4_VMXE);
	}
	vmx_access_end(xv);
}

/*
 * A MOV to CR0 that changes the bit the guest/host mask owns (CR0.NE) exits (SDM
 * 26.1.3, qualification in table 28-3). bivisor does the write itself: the guest's
 * value goes to the read shadow, the forced bit stays set in the real register, and
 * turning paging on or off with EFER.LME set switches EFER.LMA as the CPU would (SDM
 * 10.8.5). Returns 1 if it was such a write. A MOV to CR4 is a VM_EXIT_CR_WRITE
 * (vmx_exit.c), checked against the guest's CPUID by kernel/exit.c.
 */
int vmx_emulate_cr_write(struct vcpu *v, uint64_t qual, unsigned int insn_len)
{
	unsigned int cr = qual & 15, type = (qual >> 4) & 3, gpr = (qual >> 8) & 15;
	uint64_t value, efer;

	if (type != 0 || cr != 0)
		return 0;
	value = vmx_get_reg(v, gpr);
	efer = vmx_get_reg(v, VM_REG_EFER);
	if ((efer & EFER_LME) && (value & CR0_PG))
		efer |= EFER_LMA;
	else if (!(value & CR0_PG))
		efer &= ~EFER_LMA;
	vmx_set_reg(v, VM_REG_CR0, value);
	vmx_set_reg(v, VM_REG_EFER, efer);
	vmx_set_reg(v, VM_REG_RIP, vmx_get_reg(v, VM_REG_RIP) + insn_len);
	return 1;
}

void vmx_get_seg(struct vcpu *v, enum vm_seg s, struct vm_segment *seg)
{
	struct vmx_vcpu *xv = v->arch;

	vmx_access_begin(xv);
	if (s == VM_SEG_GDTR || s == VM_SEG_IDTR) {
		int i = s == VM_SEG_IDTR;

		*seg = (struct vm_segment){ 0, 0, vmread(VMCS_GUEST_GDTR_LIMIT + 2 * i),
					    vmread(VMCS_GUEST_GDTR_BASE + 2 * i) };
	} else {
		*seg = (struct vm_segment){ vmread(VMCS_GUEST_ES_SEL + 2 * s),
					    vmread(VMCS_GUEST_ES_AR + 2 * s),
					    vmread(VMCS_GUEST_ES_LIMIT + 2 * s),
					    vmread(VMCS_GUEST_ES_BASE + 2 * s) };
	}
	vmx_access_end(xv);
}

void vmx_set_seg(struct vcpu *v, enum vm_seg s, const struct vm_segment *seg)
{
	struct vmx_vcpu *xv = v->arch;

	vmx_access_begin(xv);
	if (s == VM_SEG_GDTR || s == VM_SEG_IDTR) {
		int i = s == VM_SEG_IDTR;

		vmwrite(VMCS_GUEST_GDTR_LIMIT + 2 * i, seg->limit);
		vmwrite(VMCS_GUEST_GDTR_BASE + 2 * i, seg->base);
	} else {
		vmwrite(VMCS_GUEST_ES_SEL + 2 * s, seg->selector);
		vmwrite(VMCS_GUEST_ES_AR + 2 * s,
			seg->attr ? seg->attr : 0x10000); /* 0: unusable */
		vmwrite(VMCS_GUEST_ES_LIMIT + 2 * s, seg->limit);
		vmwrite(VMCS_GUEST_ES_BASE + 2 * s, seg->base);
	}
	vmx_access_end(xv);
}

int vmx_inject(struct vcpu *v, const struct vm_event *ev)
{
	struct vmx_vcpu *xv = v->arch;
	uint32_t info = INTR_INFO_VALID | ev->vector;

	if (ev->type == VM_EVENT_EXCEPTION)
		info |= INTR_TYPE_HW_EXCEPTION | (ev->has_error ? INTR_INFO_ERROR_VALID : 0);
	else if (ev->type == VM_EVENT_NMI)
		info = INTR_INFO_VALID | INTR_TYPE_NMI | 2;
	vmx_access_begin(xv);
	if ((vmread(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID) ||
	    (ev->type == VM_EVENT_NMI && (vmread(VMCS_GUEST_INTERRUPTIBILITY) & 8))) {
		vmx_access_end(xv);
		return -EBUSY; /* one event per entry; an NMI waits for the guest's IRET */
	}
	vmwrite(VMCS_ENTRY_INTR_INFO, info);
	if (info & INTR_INFO_ERROR_VALID)
		vmwrite(VMCS_ENTRY_EXC_ERROR, ev->error);
	vmx_access_end(xv);
	return 0;
}

static void dump_seg(const char *name, unsigned int s)
{
	printk("  %s sel %04lx ar %05lx limit %08lx base %016lx\n", name,
	       vmread(VMCS_GUEST_ES_SEL + 2 * s), vmread(VMCS_GUEST_ES_AR + 2 * s),
	       vmread(VMCS_GUEST_ES_LIMIT + 2 * s), vmread(VMCS_GUEST_ES_BASE + 2 * s));
}

/* The fields VM entry checks first (SDM 26.3.1), for an invalid-guest-state crash. */
void vmx_dump(struct vcpu *v)
{
	struct vmx_vcpu *xv = v->arch;
	static const char *const names[] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR" };

	uint64_t reason;

	vmx_access_begin(xv);
	reason = vmread(VMCS_EXIT_REASON);
	printk("  VMCS %#lx: exit reason %#lx%s qualification %#lx VM-instruction error %lu (%s)\n",
	       xv->vmcs_pa, reason,
	       (reason & 0xffff) == EXIT_REASON_INVALID_STATE ? " (VM entry: invalid guest state)"
	       : (reason & 0xffff) == EXIT_REASON_MSR_LOADING ? " (VM entry: MSR loading failed)"
							      : "",
	       vmread(VMCS_EXIT_QUALIFICATION), vmread(VMCS_INSN_ERROR),
	       vmx_insn_error_name(vmread(VMCS_INSN_ERROR)));
	printk("  guest CR0 %#lx CR4 %#lx EFER %#lx RFLAGS %#lx entry controls %#lx\n",
	       vmread(VMCS_GUEST_CR0), vmread(VMCS_GUEST_CR4), vmread(VMCS_GUEST_EFER),
	       vmread(VMCS_GUEST_RFLAGS), vmread(VMCS_ENTRY_CTLS));
	for (unsigned int s = 0; s < 8; s++)
		dump_seg(names[s], s);
	printk("  GDTR %#lx/%#lx IDTR %#lx/%#lx activity %lu interruptibility %#lx\n",
	       vmread(VMCS_GUEST_GDTR_BASE), vmread(VMCS_GUEST_GDTR_LIMIT),
	       vmread(VMCS_GUEST_IDTR_BASE), vmread(VMCS_GUEST_IDTR_LIMIT),
	       vmread(VMCS_GUEST_ACTIVITY), vmread(VMCS_GUEST_INTERRUPTIBILITY));
	vmx_access_end(xv);
}

static const char *const insn_errors[] = {
	[1] = "VMCALL in VMX root operation",
	[2] = "VMCLEAR with an invalid physical address",
	[3] = "VMCLEAR with the VMXON pointer",
	[4] = "VMLAUNCH with a non-clear VMCS",
	[5] = "VMRESUME with a non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control fields",
	[8] = "VM entry with invalid host-state fields",
	[9] = "VMPTRLD with an invalid physical address",
	[10] = "VMPTRLD with the VMXON pointer",
	[11] = "VMPTRLD with an incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE of an unsupported VMCS component",
	[13] = "VMWRITE to a read-only VMCS component",
	[15] = "VMXON in VMX root operation",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(uint64_t err)
{
	if (err < sizeof(insn_errors) / sizeof(insn_errors[0]) && insn_errors[err])
		return insn_errors[err];
	return "unknown VM-instruction error";
}

void vmx_fail(const char *insn, uint64_t operand)
{
	uint64_t err = 0;

	asm volatile("vmread %1, %0" : "=r"(err) : "r"((uint64_t)VMCS_INSN_ERROR) : "cc");
	panic("vmx: %s %#lx failed: VM-instruction error %lu (%s)", insn, operand, err,
	      vmx_insn_error_name(err));
}
