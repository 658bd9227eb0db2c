/*
 * kernel/sched.c: the scheduler's core. Every host CPU runs sched_loop():
 * pick a vCPU from its run queue (or take one from another CPU's queue when
 * its own is empty), run it until its slice ends, it waits, or its domain
 * stops, then put it back. The policy (sched_rr.c, sched_credit.c) only
 * orders the queue and sizes slices.
 *
 * Rules that keep this small:
 * - one lock (sched_lock) guards every run queue and every vCPU state change;
 * - a vCPU on a queue, waiting or paused holds nothing on any CPU (the backend's
 *   vcpu_unload ran), so any CPU its domain's affinity allows may run it next;
 * - only the CPU running a vCPU touches its registers and its vLAPIC's state;
 *   others set pending bits in the vLAPIC and call sched_kick().
 * The host LAPIC timer ticks at 1 kHz on every CPU; a tick makes a running
 * guest exit, so slices end and vLAPIC timers fire within a millisecond. CPU 0
 * also wakes waiting vCPUs whose vLAPIC timer (or their domain's PIT) is due.
 */
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "arch/x86/x86.h"
#include "kernel/debug_keys.h"
#include "kernel/domain.h"
#include "kernel/exit.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/platform.h"
#include "kernel/printk.h"
#include "kernel/run.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "kernel/string.h"
#include "kernel/vcpu_irq.h"

static spinlock_t sched_lock;
static struct run_queue queues[MAX_CPUS];
static const struct sched_policy *policy = &sched_credit;
static struct domain *domains[MAX_DOMAINS];
static unsigned int ndomains, domains_live;
static volatile int started;
static uint64_t next_account, last_account, next_housekeeping;

#define HOUSEKEEPING_NS 1000000ull /* CPU 0 looks for due vLAPIC timers every 1 ms */

int sched_set_policy(const char *name)
{
	if (!strcmp(name, "rr"))
		policy = &sched_rr;
	else if (!strcmp(name, "credit"))
		policy = &sched_credit;
	else
		return -EINVAL;
	return 0;
}

const char *sched_policy_name(void)
{
	return policy->name;
}

uint64_t sched_lock_all(void)
{
	return spin_lock_irqsave(&sched_lock);
}

void sched_unlock_all(uint64_t flags)
{
	spin_unlock_irqrestore(&sched_lock, flags);
}

struct run_queue *sched_queue(unsigned int cpu)
{
	return &queues[cpu];
}

struct domain *sched_domain(unsigned int i)
{
	return i < ndomains ? domains[i] : NULL;
}

unsigned int sched_ndomains(void)
{
	return ndomains;
}

/* Switching the policy: every queued vCPU is queued again under the new one. */
void sched_switch_policy(void)
{
	uint64_t flags = spin_lock_irqsave(&sched_lock);

	policy = policy == &sched_rr ? &sched_credit : &sched_rr;
	for (unsigned int c = 0; c < ncpus_online; c++) {
		struct run_queue *rq = &queues[c];
		struct vcpu *list = rq->head;

		rq->head = rq->tail = NULL;
		rq->len = 0;
		while (list) {
			struct vcpu *v = list;

			list = v->next;
			v->credit = 0;
			policy->enqueue(rq, v, 0);
		}
	}
	spin_unlock_irqrestore(&sched_lock, flags);
	printk("sched: policy is now %s\n", policy->name);
}

static void send_kick(unsigned int cpu)
{
	if (cpu != this_cpu()->id)
		lapic_send_ipi(cpus[cpu]->apic_id, VEC_IPI);
}

static int allowed(const struct vcpu *v, unsigned int cpu)
{
	return (v->dom->affinity >> cpu) & 1;
}

/* Where a vCPU that becomes runnable goes: an idle CPU it may use, else its own. */
static unsigned int place(struct vcpu *v)
{
	unsigned int best = v->cpu;

	if (!allowed(v, best) || !queues[best].idle) {
		for (unsigned int c = 0; c < ncpus_online; c++) {
			if (allowed(v, c) && queues[c].idle) {
				best = c;
				break;
			}
		}
	}
	if (!allowed(v, best)) /* its CPU is not in the mask: the first that is */
		best = (unsigned int)__builtin_ctzll(v->dom->affinity);
	return best;
}

/* Lock held. */
static void make_runnable(struct vcpu *v, int woken)
{
	unsigned int cpu = place(v);

	if (cpu != v->cpu)
		v->migrations++;
	v->cpu = cpu;
	v->state = VCPU_RUNNABLE;
	policy->enqueue(&queues[cpu], v, woken);
	if (queues[cpu].idle || woken)
		send_kick(cpu);
}

void runq_add(struct run_queue *rq, struct vcpu *v, int at_head)
{
	v->next = at_head ? rq->head : NULL;
	if (at_head)
		rq->head = v;
	else if (rq->tail)
		rq->tail->next = v;
	else
		rq->head = v;
	if (!at_head || !rq->tail)
		rq->tail = v;
	rq->len++;
}

void runq_remove(struct run_queue *rq, struct vcpu *v)
{
	struct vcpu **pp = &rq->head, *prev = NULL;

	while (*pp && *pp != v) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (!*pp)
		return;
	*pp = v->next;
	if (rq->tail == v)
		rq->tail = prev;
	v->next = NULL;
	rq->len--;
}

void sched_kick(struct vcpu *v)
{
	uint64_t flags = spin_lock_irqsave(&sched_lock);

	if (v->state == VCPU_BLOCKED && vcpu_has_wake_event(v))
		make_runnable(v, 1);
	else if (v->state == VCPU_RUNNING)
		send_kick(v->cpu);
	spin_unlock_irqrestore(&sched_lock, flags);
}

void sched_add_domain(struct domain *d)
{
	uint64_t flags = spin_lock_irqsave(&sched_lock);

	domains[ndomains++] = d;
	__atomic_add_fetch(&domains_live, 1, __ATOMIC_ACQ_REL);
	for (unsigned int i = 0; i < d->nvcpus; i++) {
		struct vcpu *v = d->vcpus[i];

		v->cpu = (d->id + i) % ncpus_online;
		if (v->wait == WAIT_SIPI)
			v->state = VCPU_BLOCKED;
		else
			make_runnable(v, 0);
	}
	spin_unlock_irqrestore(&sched_lock, flags);
}

static int all_stopped(struct domain *d)
{
	for (unsigned int i = 0; i < d->nvcpus; i++)
		if (d->vcpus[i]->state != VCPU_DEAD)
			return 0;
	return 1;
}

/* Lock held: the vCPUs not on a CPU die now; the running ones when their CPU puts them. */
static void stop_vcpus(struct domain *d)
{
	for (unsigned int i = 0; i < d->nvcpus; i++) {
		struct vcpu *v = d->vcpus[i];

		if (v->state == VCPU_RUNNING) {
			send_kick(v->cpu);
			continue;
		}
		if (v->state == VCPU_RUNNABLE)
			runq_remove(&queues[v->cpu], v);
		v->state = VCPU_DEAD;
	}
}

/* Takes a stopped domain off the list and destroys it; the CPU that destroys the last
 * one (counted after its frames are back) checks the whole pool. */
static void domain_gone(struct domain *d)
{
	uint64_t flags = spin_lock_irqsave(&sched_lock);

	for (unsigned int i = 0; i < ndomains; i++) {
		if (domains[i] == d) {
			domains[i] = domains[--ndomains];
			break;
		}
	}
	spin_unlock_irqrestore(&sched_lock, flags);
	domain_destroy(d);
	if (!__atomic_sub_fetch(&domains_live, 1, __ATOMIC_ACQ_REL))
		run_all_ended();
}

void sched_domain_stop(struct domain *d)
{
	uint64_t flags = spin_lock_irqsave(&sched_lock);
	int gone;

	stop_vcpus(d);
	gone = all_stopped(d) && d->state != DOMAIN_RUNNING && !d->destroying;
	if (gone)
		d->destroying = 1;
	spin_unlock_irqrestore(&sched_lock, flags);
	if (gone)
		domain_gone(d);
}

/* Lock held: 1 if a vCPU of d is on a CPU now. */
static int domain_on_cpu(const struct domain *d)
{
	for (unsigned int i = 0; i < d->nvcpus; i++)
		if (d->vcpus[i]->state == VCPU_RUNNING)
			return 1;
	return 0;
}

/* Waits (at most 100 ms) until no other CPU runs a vCPU of d: after a pause, the
 * vCPUs still in the guest leave it at their CPU's next exit. */
static void wait_off_cpus(struct domain *d)
{
	uint64_t end = rdtsc() + tsc_from_ns(100000000ull);
	unsigned int me = this_cpu()->id;
	int busy = 1;

	while (busy && rdtsc() < end) {
		busy = 0;
		for (unsigned int i = 0; i < d->nvcpus; i++) {
			struct vcpu *v = d->vcpus[i];

			busy |= __atomic_load_n(&v->state, __ATOMIC_ACQUIRE) == VCPU_RUNNING &&
				v->cpu != me;
		}
		cpu_relax();
	}
}

int sched_domain_pause(struct domain *d, int pause)
{
	uint64_t flags = spin_lock_irqsave(&sched_lock);
	int err = 0;

	if (d->state != DOMAIN_RUNNING || d->paused == pause) {
		err = -EINVAL;
	} else {
		d->paused = pause;
		for (unsigned int i = 0; i < d->nvcpus; i++) {
			struct vcpu *v = d->vcpus[i];

			if (pause && v->state == VCPU_RUNNING) {
				send_kick(v->cpu); /* paused when its CPU puts it */
			} else if (pause && v->state != VCPU_DEAD) {
				if (v->state == VCPU_RUNNABLE)
					runq_remove(&queues[v->cpu], v);
				v->state = VCPU_PAUSED;
			} else if (!pause && v->state == VCPU_PAUSED) {
				if (v->wait != WAIT_NONE && !vcpu_has_wake_event(v))
					v->state = VCPU_BLOCKED;
				else
					make_runnable(v, 0);
			}
		}
	}
	if (!err && pause && !domain_on_cpu(d))
		d->progress_at_pause = d->progress;
	spin_unlock_irqrestore(&sched_lock, flags);
	if (!err && pause)
		wait_off_cpus(d);
	return err;
}

/* Lock held: a vCPU for this CPU, from its own queue or, if that has none, another's. */
static struct vcpu *pick(unsigned int cpu)
{
	struct vcpu *v = policy->pick(&queues[cpu], cpu);

	for (unsigned int i = 1; !v && i < ncpus_online; i++) {
		unsigned int other = (cpu + i) % ncpus_online;

		v = policy->pick(&queues[other], cpu);
		if (v) {
			v->migrations++;
			v->cpu = cpu;
		}
	}
	return v;
}

/* Lock held: a vCPU that used up its slice moves to a shorter queue if one it may use is. */
static unsigned int balance(struct vcpu *v, unsigned int cpu)
{
	unsigned int best = cpu;

	for (unsigned int c = 0; c < ncpus_online; c++)
		if (allowed(v, c) && queues[c].len + 1 < queues[best].len)
			best = c;
	return best;
}

/* Lock held, on the CPU that ran v. Returns 1 if v keeps this CPU for another slice. */
static int put(struct vcpu *v, unsigned int cpu)
{
	struct domain *d = v->dom;
	unsigned int target;

	queues[cpu].curr = NULL;
	if (d->state != DOMAIN_RUNNING) {
		v->state = VCPU_DEAD;
	} else if (d->paused) {
		v->state = VCPU_PAUSED;
		if (!domain_on_cpu(d))
			d->progress_at_pause = d->progress; /* the last one is off its CPU */
	} else if (v->wait != WAIT_NONE && !vcpu_has_wake_event(v)) {
		v->state = VCPU_BLOCKED;
	} else {
		target = balance(v, cpu);
		if (target == cpu && !queues[cpu].len && !queues[cpu].need_resched) {
			v->state = VCPU_RUNNING;
			queues[cpu].curr = v;
			return 1;
		}
		if (target != cpu)
			v->migrations++;
		virt->vcpu_unload(v);
		v->cpu = target;
		v->state = VCPU_RUNNABLE;
		policy->enqueue(&queues[target], v, 0);
		return 0;
	}
	virt->vcpu_unload(v);
	return 0;
}

/* CPU 0: waiting vCPUs whose vLAPIC timer is due become runnable; the policy's accounting. */
static void housekeeping(uint64_t now)
{
	uint64_t flags, now_ns;

	if (now < next_housekeeping) /* the exit path: one compare */
		return;
	next_housekeeping = now + tsc_from_ns(HOUSEKEEPING_NS);
	debug_keys_poll();
	now_ns = tsc_ns();
	flags = spin_lock_irqsave(&sched_lock);

	for (unsigned int i = 0; i < ndomains; i++) {
		struct domain *d = domains[i];
		uint64_t pit = platform_next_event_ns(d);
		struct vcpu *bsp = d->vcpus[0];

		if (pit && pit <= now_ns && bsp->state == VCPU_BLOCKED && bsp->wait == WAIT_HLT)
			make_runnable(bsp, 1); /* it raises the PIT's interrupt before its entry */
		for (unsigned int j = 0; j < d->nvcpus; j++) {
			struct vcpu *v = d->vcpus[j];
			uint64_t due = vlapic_timer_next(&v->lapic);

			if (v->state == VCPU_BLOCKED && v->wait == WAIT_HLT && due && due <= now)
				make_runnable(v, 1);
		}
	}
	if (now >= next_account) {
		uint64_t period = tsc_to_ns(now - last_account);

		last_account = now;
		next_account = now + tsc_from_ns(SCHED_PERIOD_NS);
		if (policy->account)
			policy->account(period);
	}
	spin_unlock_irqrestore(&sched_lock, flags);
}

/* Runs v until its slice ends, it waits, or its domain stops or pauses. */
static void run_slice(struct vcpu *v, struct run_queue *rq, uint64_t end)
{
	struct vm_exit e;

	for (;;) {
		irq_disable();
		if (!vcpu_prepare_entry(v)) {
			irq_enable();
			return;
		}
		virt->vcpu_run(v, &e); /* returns with interrupts on */
		exit_dispatch(v, &e);
		if (this_cpu()->id == 0)
			housekeeping(rdtsc());
		if (v->dom->state != DOMAIN_RUNNING || v->dom->paused || rq->need_resched ||
		    rdtsc() >= end)
			return;
	}
}

/* Entered with interrupts off, so a kick sent after the queue was found empty still
 * ends the HLT (STI's shadow covers it). */
static void idle(struct run_queue *rq)
{
	uint64_t t0 = rdtsc();

	asm volatile("sti; hlt" ::: "memory"); /* a tick or a kick ends it */
	rq->idle_ns += tsc_to_ns(rdtsc() - t0);
	rq->idle = 0;
}

static void ipi_kick(struct trap_frame *f)
{
	(void)f; /* the interrupt itself made the guest exit or the idle CPU wake */
	lapic_eoi();
}

void sched_loop(void)
{
	unsigned int cpu = this_cpu()->id;
	struct run_queue *rq = &queues[cpu];
	struct vcpu *v = NULL;
	uint64_t flags, t0, t1;
	int keep = 0;

	if (run_enable_cpu()) /* the BSP enabled it first, so this is a broken CPU */
		panic("%s: cannot enable it on cpu%u", virt->name, cpu);
	while (!started)
		cpu_relax();
	for (;;) {
		t0 = rdtsc();
		if (cpu == 0)
			housekeeping(t0);
		flags = spin_lock_irqsave(&sched_lock);
		if (!keep) {
			v = pick(cpu);
			if (v) {
				v->state = VCPU_RUNNING;
				v->switches++;
				rq->curr = v;
				rq->switches++;
			} else {
				rq->idle = 1;
			}
		}
		rq->need_resched = 0;
		if (!v) {
			spin_unlock(&sched_lock);
			idle(rq);
			continue;
		}
		spin_unlock_irqrestore(&sched_lock, flags);
		t1 = rdtsc();
		rq->switch_ns += tsc_to_ns(t1 - t0);
		run_slice(v, rq, t1 + tsc_from_ns(policy->slice(v)));
		t0 = rdtsc();
		flags = spin_lock_irqsave(&sched_lock);
		v->run_ns += tsc_to_ns(t0 - t1);
		policy->charge(v, tsc_to_ns(t0 - t1));
		keep = put(v, cpu);
		if (!keep && v->state == VCPU_DEAD && all_stopped(v->dom) && !v->dom->destroying) {
			struct domain *d = v->dom;

			d->destroying = 1;
			spin_unlock_irqrestore(&sched_lock, flags);
			domain_gone(d);
		} else {
			spin_unlock_irqrestore(&sched_lock, flags);
		}
		rq->switch_ns += tsc_to_ns(rdtsc() - t0);
		if (!keep)
			v = NULL;
	}
}

void sched_start(void)
{
	trap_register(VEC_IPI, ipi_kick);
	next_account = last_account = rdtsc();
	__atomic_store_n(&started, 1, __ATOMIC_RELEASE);
}
