/*
 * svm/svm_exit.c: turns a #VMEXIT (EXITCODE, EXITINFO1/2 in the VMCB; AMD
 * APM vol. 2 appendix C and 15.10 IOIO, 15.11 MSR, 15.25.6 nested page
 * faults) into the neutral struct vm_exit. Instruction lengths: for IOIO,
 * EXITINFO2 holds the next RIP; for CPUID, RDMSR/WRMSR, HLT and VMMCALL the
 * VMCB's nRIP does where the CPU has NRIP save (APM 15.7.1; KVM's nested SVM
 * and real CPUs). QEMU TCG's SVM has none: the length is left 0 and
 * kernel/exit.c:exit_insn_len reads it from the guest's code, prefixes included.
 * A MOV to CR4 (15.9) names its source register in EXITINFO1 where the CPU has
 * decode assists (15.33.1); else exit_insn_len decodes that too. With decode
 * assists a nested page fault also carries the instruction's bytes (15.33.4),
 * which kernel/exit.c decodes the MMIO access from when they are all there.
 */
#include "kernel/domain.h"
#include "svm/svm.h"

uint32_t svm_features; /* SVM_FEAT_* in use, set by svm/svm.c */

static void decode_ioio(struct svm_vcpu *sv, struct vm_exit *e)
{
	uint64_t info = sv->vmcb->ctl.exit_info1;

	e->kind = VM_EXIT_IO;
	e->io.port = info >> 16;
	e->io.is_write = !(info & 1);
	e->io.is_string = (info >> 2) & 1;
	e->io.rep = (info >> 3) & 1;
	e->io.size = info & (1u << 4) ? 1 : info & (1u << 5) ? 2 : 4;
	e->insn_len = sv->vmcb->ctl.exit_info2 - sv->vmcb->save.rip;
}

static void decode_npf(struct svm_vcpu *sv, struct vm_exit *e)
{
	uint64_t err = sv->vmcb->ctl.exit_info1;

	e->kind = VM_EXIT_MMIO;
	e->mmio.gpa = sv->vmcb->ctl.exit_info2;
	e->mmio.is_write = (err >> 1) & 1;
	e->mmio.is_fetch = (err >> 4) & 1;
	e->mmio.is_walk = (err >> 33) & 1; /* APM 15.25.6: while walking the guest's tables */
	/* set either way: the union's raw.info2 (EXITINFO2) lies under these bytes */
	e->mmio.saved_len = 0;
	if (svm_features & SVM_FEAT_DECODE)
		e->mmio.saved_len = (uint8_t)vmcb_saved_insn(&sv->vmcb->ctl, e->mmio.saved);
}

static void decode_exception(struct svm_vcpu *sv, struct vm_exit *e, unsigned int vector)
{
	static const uint32_t has_error = 0x60227d00; /* #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX */

	e->kind = VM_EXIT_EXCEPTION;
	e->exc.vector = vector;
	e->exc.has_error = (has_error >> vector) & 1;
	e->exc.error = (uint32_t)sv->vmcb->ctl.exit_info1;
	e->exc.cr2 = vector == 14 ? sv->vmcb->ctl.exit_info2 : 0;
}

/* The length of an intercepted instruction from nRIP, or 0: unknown here. */
static unsigned int nrip_len(const struct svm_vcpu *sv)
{
	return (svm_features & SVM_FEAT_NRIP)
		       ? (unsigned int)(sv->vmcb->ctl.next_rip - sv->vmcb->save.rip)
		       : 0;
}

/* EXITINFO1 bit 63: a MOV (not LMSW or CLTS), bits 3:0 its register (APM 15.33.1). */
static void decode_cr_write(struct svm_vcpu *sv, struct vm_exit *e, unsigned int cr)
{
	uint64_t info = sv->vmcb->ctl.exit_info1;

	e->kind = VM_EXIT_CR_WRITE;
	e->cr.cr = cr;
	e->cr.gpr = VM_CR_GPR_UNKNOWN;
	if ((svm_features & SVM_FEAT_DECODE) && (info >> 63))
		e->cr.gpr = info & 15;
	e->insn_len = nrip_len(sv);
}

void svm_decode_exit(struct vcpu *v, struct vm_exit *e)
{
	struct svm_vcpu *sv = v->arch;
	uint64_t code = sv->vmcb->ctl.exit_code;

	*e = (struct vm_exit){ .kind = VM_EXIT_UNKNOWN, .hw_reason = code };
	e->raw.info1 = sv->vmcb->ctl.exit_info1;
	e->raw.info2 = sv->vmcb->ctl.exit_info2;
	if ((uint32_t)code == (uint32_t)SVM_EXIT_INVALID) { /* QEMU stores -1 in 32 bits */
		e->kind = VM_EXIT_INVALID;
		return;
	}
	if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32) {
		decode_exception(sv, e, code - SVM_EXIT_EXCP_BASE);
		return;
	}
	switch (code) {
	case SVM_EXIT_IOIO:
		decode_ioio(sv, e);
		break;
	case SVM_EXIT_NPF:
		decode_npf(sv, e);
		break;
	case SVM_EXIT_CR4_WRITE:
		decode_cr_write(sv, e, 4);
		break;
	case SVM_EXIT_CPUID:
		e->kind = VM_EXIT_CPUID, e->insn_len = nrip_len(sv);
		break;
	case SVM_EXIT_MSR:
		e->kind = e->raw.info1 ? VM_EXIT_MSR_WRITE : VM_EXIT_MSR_READ;
		e->msr.index = (uint32_t)sv->gprs[VM_REG_RCX];
		e->insn_len = nrip_len(sv);
		break;
	case SVM_EXIT_HLT:
		e->kind = VM_EXIT_HLT, e->insn_len = nrip_len(sv);
		break;
	case SVM_EXIT_VMMCALL:
		e->kind = VM_EXIT_HYPERCALL, e->insn_len = nrip_len(sv);
		break;
	case SVM_EXIT_INTR:
	case SVM_EXIT_SMI:
		e->kind = VM_EXIT_EXTINT;
		break;
	case SVM_EXIT_PAUSE:
		e->kind = VM_EXIT_PAUSE;
		break;
	case SVM_EXIT_VINTR:
		e->kind = VM_EXIT_INTR_WINDOW;
		break;
	case SVM_EXIT_NMI:
		e->kind = VM_EXIT_NMI;
		break;
	case SVM_EXIT_SHUTDOWN:
		e->kind = VM_EXIT_SHUTDOWN;
		break;
	case SVM_EXIT_INVALID:
		e->kind = VM_EXIT_INVALID;
		break;
	default:
		break; /* VMRUN, VMLOAD, STGI ... by a guest: unknown, the domain is crashed */
	}
}
