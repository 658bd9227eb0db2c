/*
 * vmx/vmx_exit.c: turns a VM exit (exit reason, exit qualification and the
 * exit-information fields: Intel SDM vol. 3C 28.2, table 28-5 for I/O
 * instructions, table 28-7 for EPT violations) into the neutral struct
 * vm_exit (table 28-3 for a MOV to CR4). Instruction lengths come from the
 * VM-exit instruction-length field.
 */
#include "kernel/domain.h"
#include "vmx/vmx.h"

static void decode_io(struct vm_exit *e, uint64_t q)
{
	e->kind = VM_EXIT_IO;
	e->io.size = (q & 7) + 1;
	e->io.is_write = !((q >> 3) & 1);
	e->io.is_string = (q >> 4) & 1;
	e->io.rep = (q >> 5) & 1;
	e->io.port = q >> 16;
}

static void decode_exception(struct vm_exit *e)
{
	uint64_t info = vmread(VMCS_EXIT_INTR_INFO);

	if (((info >> 8) & 7) == 2) {
		e->kind = VM_EXIT_NMI;
		return;
	}
	e->kind = VM_EXIT_EXCEPTION;
	e->exc.vector = info & 0xff;
	e->exc.has_error = (info & INTR_INFO_ERROR_VALID) != 0;
	e->exc.error = e->exc.has_error ? vmread(VMCS_EXIT_INTR_ERROR) : 0;
	e->exc.cr2 = e->exc.vector == 14 ? vmread(VMCS_EXIT_QUALIFICATION) : 0;
}

void vmx_decode_exit(struct vcpu *v, struct vm_exit *e)
{
	uint64_t reason = vmread(VMCS_EXIT_REASON), q = vmread(VMCS_EXIT_QUALIFICATION);

	(void)v;
	*e = (struct vm_exit){ .kind = VM_EXIT_UNKNOWN, .hw_reason = reason };
	e->raw.info1 = q;
	e->insn_len = vmread(VMCS_EXIT_INSN_LEN);
	if (reason & EXIT_REASON_ENTRY_FAILED) {
		e->kind = VM_EXIT_INVALID;
		return;
	}
	switch (reason & 0xffff) {
	case EXIT_REASON_EXCEPTION_NMI:
		decode_exception(e);
		break;
	case EXIT_REASON_EXTINT:
	case EXIT_REASON_PREEMPTION_TIMER: /* the scheduler's own tick (vmx.c) */
		e->kind = VM_EXIT_EXTINT;
		break;
	case EXIT_REASON_INTR_WINDOW:
		e->kind = VM_EXIT_INTR_WINDOW;
		break;
	case EXIT_REASON_NMI_WINDOW:
		e->kind = VM_EXIT_NMI_WINDOW;
		break;
	case EXIT_REASON_TRIPLE_FAULT:
		e->kind = VM_EXIT_SHUTDOWN;
		break;
	case EXIT_REASON_CPUID:
		e->kind = VM_EXIT_CPUID;
		break;
	case EXIT_REASON_HLT:
		e->kind = VM_EXIT_HLT;
		break;
	case EXIT_REASON_VMCALL:
		e->kind = VM_EXIT_HYPERCALL;
		break;
	case EXIT_REASON_PAUSE: /* PAUSE-loop exiting (vmx.c); RIP stays on the PAUSE */
		e->kind = VM_EXIT_PAUSE;
		break;
	case EXIT_REASON_IO:
		decode_io(e, q);
		break;
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
		e->kind = (reason & 0xffff) == EXIT_REASON_RDMSR ? VM_EXIT_MSR_READ
								 : VM_EXIT_MSR_WRITE;
		e->msr.index = (uint32_t)((struct vmx_vcpu *)v->arch)->gprs[VM_REG_RCX];
		break;
	case EXIT_REASON_CR_ACCESS: /* MOV to CR4 (type 0); CR0 is vmx_regs.c's */
		if ((q & 15) == 4 && ((q >> 4) & 3) == 0) {
			e->kind = VM_EXIT_CR_WRITE;
			e->cr.cr = 4;
			e->cr.gpr = (q >> 8) & 15;
		}
		break;
	case EXIT_REASON_EPT_VIOLATION:
		e->kind = VM_EXIT_MMIO;
		e->mmio.gpa = vmread(VMCS_GUEST_PHYS_ADDR);
		e->mmio.is_write = (q >> 1) & 1;
		e->mmio.is_fetch = (q >> 2) & 1;
		/* bit 7 set and bit 8 clear: the access was to a guest paging structure */
		e->mmio.is_walk = ((q >> 7) & 1) && !((q >> 8) & 1);
		e->mmio.saved_len =
			0; /* VMX saves no instruction bytes: kernel/exit.c reads them */
		break;
	case EXIT_REASON_INVALID_STATE:
	case EXIT_REASON_MSR_LOADING:
		e->kind = VM_EXIT_INVALID;
		break;
	default:
		break; /* EPT misconfiguration, VMX instructions by the guest ...: crash */
	}
}
