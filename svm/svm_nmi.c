/*
 * svm/svm_nmi.c: NMI blocking for the SVM backend. A CPU takes no NMI from
 * the delivery of one until the next IRET (AMD APM vol. 2 8.2.4; Intel SDM
 * vol. 3A 6.7.1), but an NMI injected through EVENTINJ (APM 15.20) leaves no
 * such mask in the guest: the CPU keeps one only with vNMI (15.21.10, CPUID
 * 0x8000000A EDX[25]), which no platform here offers. So the backend keeps it:
 * blocked from the injection on (an injection an exit cut short is delivered
 * again from EXITINTINFO, 15.7.2, still blocked), the IRET intercept (15.9,
 * exit code 0x74) while blocked. That exit comes before the IRET runs: the
 * intercept is dropped, the IRET let run, and the blocking ends at the first
 * exit whose RIP has left the IRET.
 *
 * An NMI that waits for that must not wait for some unrelated exit. A virtual
 * interrupt window (V_IRQ with the VINTR intercept, 15.21.4) would fire only
 * once RFLAGS.IF is set, which the interrupted code need not have, and at once
 * in a handler that runs with IF set, before its IRET. So the IRET is
 * single-stepped instead: RFLAGS.TF set before it makes the CPU raise a #DB
 * trap after it (APM 13.1.4 single-step, debug traps come before any interrupt
 * at the boundary, 8.5 priorities), whatever flags the IRET loads, and the
 * #DB intercept (15.12) turns that trap into the exit that injects the NMI.
 * The IRET pops the flags, so TF leaves with it. Costs a guest: a code
 * breakpoint on that IRET, or its own single step over it, is not reported;
 * a handler that sets IF may take an interrupt at its IRET, and the exit in
 * that interrupt's handler ends the blocking a little early.
 */
#include "arch/x86/x86.h"
#include "kernel/domain.h"
#include "svm/svm.h"

#define RFLAGS_TF (1ull << 8)
#define DR6_BS (1ull << 14)

void svm_nmi_injected(struct svm_vcpu *sv)
{
	sv->nmi_blocked = 1;
	sv->iret_seen = 0;
	sv->vmcb->ctl.intercept_misc1 |= INTERCEPT_IRET;
}

/* The IRET exit: RIP is on the IRET, which has not run yet. */
static void iret_exit(struct svm_vcpu *sv, struct vm_exit *e)
{
	sv->vmcb->ctl.intercept_misc1 &= ~INTERCEPT_IRET;
	sv->iret_seen = 1;
	sv->iret_rip = sv->vmcb->save.rip;
	e->kind = VM_EXIT_NONE;
}

static void step_end(struct svm_vcpu *sv)
{
	sv->nmi_step = 0;
	sv->vmcb->ctl.intercept_exc &= ~(1u << 1);
}

/*
 * After every exit. A #DB while stepping is ours (DR6.BS, the trap's mark, is
 * taken back): after the IRET it is the window; still on the IRET (an
 * interrupt came first and its handler's IRET brought TF back) the step goes on.
 */
void svm_nmi_after_exit(struct svm_vcpu *sv, struct vm_exit *e)
{
	uint64_t code = sv->vmcb->ctl.exit_code;
	int left = sv->iret_seen && sv->vmcb->save.rip != sv->iret_rip;

	if (code == SVM_EXIT_IRET) {
		iret_exit(sv, e);
		return;
	}
	if (left)
		sv->nmi_blocked = sv->iret_seen = 0;
	if (!sv->nmi_step)
		return;
	if (code == SVM_EXIT_DB) {
		sv->vmcb->save.dr6 &= ~DR6_BS;
		e->kind = left ? VM_EXIT_NMI_WINDOW : VM_EXIT_NONE;
	}
	if (left)
		step_end(sv);
}

/* An NMI waits (kernel/vcpu_irq.c): before the IRET exit its intercept will come;
 * after it, step over the IRET. Not blocked, an event in EVENTINJ held it back:
 * it goes in at the next exit. */
void svm_nmi_window(struct vcpu *v)
{
	struct svm_vcpu *sv = v->arch;

	if (!sv->nmi_blocked || !sv->iret_seen || sv->nmi_step)
		return;
	sv->nmi_step = 1;
	sv->vmcb->save.rflags |= RFLAGS_TF;
	sv->vmcb->ctl.intercept_exc |= 1u << 1;
}
