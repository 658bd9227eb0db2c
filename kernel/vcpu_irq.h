/*
 * kernel/vcpu_irq.h: what happens to a vCPU just before each entry: INIT and
 * SIPI, its vLAPIC timer, and the injection of pending interrupts.
 */
#ifndef KERNEL_VCPU_IRQ_H
#define KERNEL_VCPU_IRQ_H

struct vcpu;
struct domain;

/* On the vCPU's CPU with interrupts off: returns 1 to enter the guest, 0 if it waits. */
int vcpu_prepare_entry(struct vcpu *v);
/* Right after an exit: a vLAPIC vector injected at the entry that the guest has not
 * taken goes back to the IRR, so no exit handler sees it in service. */
void vcpu_irq_after_exit(struct vcpu *v);
/* 1 if something would end the vCPU's wait (HLT or wait-for-SIPI). */
int vcpu_has_wake_event(struct vcpu *v);
/* The HLT exit: waits for an interrupt; a domain whose vCPUs all halted with interrupts
 * off ends. */
void vcpu_halt(struct vcpu *v, int interrupts_on);
/* Sets up the domain's vLAPICs (vCPU 0 the BSP, the others wait for a SIPI). */
void vcpu_irq_domain_init(struct domain *d);

#endif
