/*
 * kernel/vcpu_irq.c: a vCPU's interrupts, between its vLAPIC (kernel/vlapic.c)
 * and the backend (virt_ops). Before each entry, on the vCPU's own CPU with
 * interrupts off: a pending INIT resets the vCPU to wait for a SIPI, a SIPI
 * starts it in real mode (Intel SDM vol. 3A 8.4.4, 10.1.1), the vLAPIC timer
 * is brought up to date, and the highest deliverable vector is injected if the
 * guest can take it now, else an interrupt-window exit is asked for (SDM 3C
 * 27.2 / AMD APM 15.21.4); with nothing from the vLAPIC, vCPU 0 takes the
 * 8259 pair's interrupt as an ExtINT through LINT0 (virtual wire, SDM 3A
 * 11.5.1). An NMI waits while the guest's NMI handler runs (SDM 3A 6.7.1):
 * the backend asks for an exit after its IRET. A vCPU that halted stays off
 * the CPU until one of these would wake it (SDM 3A 11.8.3).
 */
#include "arch/x86/tsc.h"
#include "arch/x86/x86.h"
#include "kernel/domain.h"
#include "kernel/platform.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/vcpu_irq.h"

static int take_init_sipi(struct vcpu *v)
{
	struct vlapic *l = &v->lapic;
	int vec;

	if (vlapic_take_init(l)) {
		vcpu_reset_state(v);
		vlapic_reset_init(l);
		v->wait = WAIT_SIPI;
	}
	vec = vlapic_take_sipi(l);
	if (v->wait != WAIT_SIPI) /* a SIPI only starts a CPU that waits for one (SDM 8.4.2):
				     Linux sends two, the second finds the AP running */
		return 1;
	if (vec < 0)
		return 0;
	vcpu_sipi_state(v, (uint8_t)vec);
	v->wait = WAIT_NONE;
	return 1;
}

/* Nothing pending and no timer due: the common case of an exit, checked without the
 * vLAPIC's priority computation. */
static int lapic_quiet(struct vlapic *l, uint64_t now)
{
	uint64_t due = vlapic_timer_next(l);

	if (l->pending_init | l->pending_sipi | l->pending_nmi || (due && due <= now))
		return 0;
	for (int i = 0; i < 8; i++)
		if (l->irr[i])
			return 0;
	return 1;
}

/* An interrupt already on its way into the guest (kernel/virt.h: intr_posted) ends a
 * HLT as a pending one does: its vector left the IRR, and it may mask the others. */
static int intr_posted(struct vcpu *v)
{
	return virt->intr_posted && virt->intr_posted(v);
}

/* vCPU 0 with the 8259 pair's INT asserted and LINT0 in virtual-wire mode. */
static int pic_wants(struct vcpu *v)
{
	return v->id == 0 && platform_pic_pending(v->dom) && vlapic_accepts_extint(&v->lapic);
}

/* The 8259's interrupt, acknowledged only when it can be injected now (its INTA
 * cycle takes it out of IRR); returns its vector or, when it must wait, 0. */
static int inject_extint(struct vcpu *v)
{
	struct vm_event irq = { VM_EVENT_EXTINT, 0, 0, 0 };

	if (!virt->intr_ready(v)) {
		virt->intr_window(v, 1);
		return 0;
	}
	irq.vector = platform_pic_ack(v->dom);
	vcpu_inject(v, &irq);
	return irq.vector;
}

/*
 * The NMI could not go in: an event is queued already, or the guest is still in
 * its NMI handler (NMIs stay blocked until its IRET, SDM 3A 6.7.1). The vLAPIC
 * keeps it pending, one at most (a second one merges, as the CPU's single NMI
 * latch does), and the backend makes the guest exit right after that IRET.
 */
static void nmi_wait(struct vcpu *v)
{
	__atomic_store_n(&v->lapic.pending_nmi, 1, __ATOMIC_RELEASE);
	virt->nmi_window(v);
}

int vcpu_prepare_entry(struct vcpu *v)
{
	struct vlapic *l = &v->lapic;
	struct vm_event nmi = { VM_EVENT_NMI, 2, 0, 0 };
	uint64_t now = rdtsc();
	int vec;

	if (v->id == 0)
		platform_update(v->dom);
	if (v->wait == WAIT_NONE && lapic_quiet(l, now) && !pic_wants(v))
		return 1;
	if (!take_init_sipi(v))
		return 0;
	vlapic_timer_update(l, now);
	if (vlapic_take_nmi(l)) {
		if (vcpu_inject(v, &nmi))
			nmi_wait(v);
		v->wait = WAIT_NONE;
	}
	if (v->wait == WAIT_HLT_NOIRQ)
		return 0;
	vec = vlapic_pending_irq(l);
	if (vec >= 0) {
		struct vm_event irq = { VM_EVENT_EXTINT, (uint8_t)vec, 0, 0 };

		if (virt->intr_ready(v) && !vcpu_inject(v, &irq)) {
			vlapic_ack_irq(l, (uint8_t)vec);
			v->posted_vec = vec;
		} else
			virt->intr_window(v, 1);
	} else if (pic_wants(v)) {
		vec = inject_extint(v);
	}
	if (v->wait == WAIT_HLT && vec < 0 && !intr_posted(v))
		return 0;
	v->wait = WAIT_NONE;
	return 1;
}

/*
 * A posted V_IRQ is acknowledged in the vLAPIC before the guest takes it, and an
 * exit can come first: a host interrupt, or even an MMIO access, since QEMU's TCG
 * may run guest code before it takes the V_IRQ (seen in Linux domains; a CI run's
 * apic-hostile read PPR as 0x40, its storm vector's class, in its main loop). A
 * guest reading PPR or ISR, or writing EOI, must not find in service a vector it
 * has not taken (Intel SDM vol. 3A 11.8.4: ISR is set when the CPU accepts it):
 * the vector goes back to the IRR and the next entry injects the highest again.
 */
void vcpu_irq_after_exit(struct vcpu *v)
{
	int vec = v->posted_vec;

	v->posted_vec = -1;
	if (vec >= 0 && virt->intr_cancel && virt->intr_cancel(v, (uint8_t)vec))
		vlapic_unack_irq(&v->lapic, (uint8_t)vec);
}

int vcpu_has_wake_event(struct vcpu *v)
{
	struct vlapic *l = &v->lapic;

	switch (v->wait) {
	case WAIT_HLT:
		return vlapic_pending_irq(l) >= 0 || l->pending_nmi || l->pending_init ||
		       intr_posted(v) || pic_wants(v);
	case WAIT_HLT_NOIRQ:
		return l->pending_nmi || l->pending_init;
	case WAIT_SIPI:
		return l->pending_sipi || l->pending_init;
	case WAIT_IOREQ:
		return __atomic_load_n(&v->io.state, __ATOMIC_ACQUIRE) == IOREQ_DONE;
	default:
		return 1;
	}
}

static int vcpu_stuck(struct vcpu *v)
{
	if (v->state == VCPU_DEAD)
		return 1;
	if (v->wait == WAIT_HLT_NOIRQ || v->wait == WAIT_SIPI)
		return !vcpu_has_wake_event(v);
	return 0;
}

void vcpu_halt(struct vcpu *v, int interrupts_on)
{
	struct domain *d = v->dom;

	v->wait = interrupts_on ? WAIT_HLT : WAIT_HLT_NOIRQ;
	if (interrupts_on)
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* a peer halting now sees this wait */
	for (unsigned int i = 0; i < d->nvcpus; i++)
		if (!vcpu_stuck(d->vcpus[i]))
			return;
	printk("domain %s: every vcpu halted with interrupts off; the domain ends\n", d->name);
	domain_end(d, 0);
}

/* The vLAPIC's view of its domain. */
static unsigned int env_count(void *ctx)
{
	return ((struct domain *)ctx)->nvcpus;
}

static struct vlapic *env_get(void *ctx, unsigned int i)
{
	return &((struct domain *)ctx)->vcpus[i]->lapic;
}

static void env_kick(struct vlapic *target)
{
	sched_kick(target->owner);
}

static uint64_t env_tsc(void *ctx)
{
	(void)ctx;
	return rdtsc();
}

void vcpu_irq_domain_init(struct domain *d)
{
	d->lapic_env = (struct vlapic_env){
		.ctx = d,
		.count = env_count,
		.get = env_get,
		.kick = env_kick,
		.tsc = env_tsc,
		.tsc_khz = tsc_khz(),
	};
	for (unsigned int i = 0; i < d->nvcpus; i++) {
		struct vcpu *v = d->vcpus[i];

		vlapic_init(&v->lapic, &d->lapic_env, v, v->id, v->id == 0);
		v->posted_vec = -1;
		v->wait = v->id ? WAIT_SIPI : WAIT_NONE;
	}
}
