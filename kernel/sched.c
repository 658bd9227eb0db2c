/*
 * kernel/sched.c: the scheduler's core. It only decides: which vCPU a CPU runs
 * next (from its own run queue, or from another CPU's when its own is empty),
 * where a vCPU goes after its slice (kept, queued, blocked, paused or dead),
 * which CPU a woken vCPU is queued on, and the CPU time each one used. The run
 * loop that enters the guest and takes its exits is kernel/run.c; the policy
 * (sched_rr.c, sched_credit.c) orders a queue, sizes slices and keeps its own
 * per-vCPU and per-domain state (union sched_vcpu_priv, sched_domain_priv).
 *
 * Rules that keep this small:
 * - one lock (sched_lock) guards every run queue and every vCPU state change;
 * - a vCPU on a queue, waiting or paused holds nothing on any CPU (the backend's
 *   vcpu_unload ran), so any CPU its domain's affinity allows may run it next;
 * - only the CPU running a vCPU touches its registers and its vLAPIC's state;
 *   others set pending bits in the vLAPIC and call sched_kick().
 */
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "arch/x86/x86.h"
#include "kernel/domain.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "lib/string.h"
#include "kernel/vcpu_irq.h"

static spinlock_t sched_lock;
static struct run_queue queues[MAX_CPUS];
static const struct sched_policy *policy = &sched_credit;
static struct domain *domains[MAX_DOMAINS];
static unsigned int ndomains;
static uint64_t next_account, last_account;

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

/* Switching the policy: every queued vCPU forgets the old policy's state and is queued
 * again under the new one. */
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
			memset(&v->sched, 0, sizeof(v->sched)); /* the old policy's state */
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

/* Lock held: 1 if d just became finished (stopped, every vCPU dead) and the caller, the
 * one CPU to see it, must destroy it (run_domain_finished). */
static int claim_finished(struct domain *d)
{
	if (!all_stopped(d) || d->state == DOMAIN_RUNNING || d->destroying)
		return 0;
	d->destroying = 1;
	return 1;
}

void sched_remove_domain(struct domain *d)
{
	uint64_t flags = spin_lock_irqsave(&sched_lock);

	for (unsigned int i = 0; i < ndomains; i++) {
		if (domains[i] == d) {
			domains[i] = domains[--ndomains];
			break;
		}
	}
	spin_unlock_irqrestore(&sched_lock, flags);
}

int sched_domain_stop(struct domain *d)
{
	uint64_t flags = spin_lock_irqsave(&sched_lock);
	int finished;

	stop_vcpus(d);
	finished = claim_finished(d);
	spin_unlock_irqrestore(&sched_lock, flags);
	return finished;
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
 * vCPUs still in the guest leave it at their CPU's next exit. 0 when none is left
 * on a CPU, -EBUSY when one still is (an emulated CPU the host did not run for
 * 100 ms): the caller must not free what that vCPU may still touch. */
int sched_domain_wait_off(struct domain *d)
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
	return busy ? -EBUSY : 0;
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
		sched_domain_wait_off(d);
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

void sched_yield(struct vcpu *v)
{
	struct run_queue *rq = &queues[v->cpu];

	if (__atomic_load_n(&rq->len, __ATOMIC_RELAXED))
		__atomic_store_n(&rq->need_resched, 1, __ATOMIC_RELAXED);
}

void sched_wake_locked(struct vcpu *v)
{
	make_runnable(v, 1);
}

void sched_account_locked(uint64_t now)
{
	uint64_t period;

	if (now < next_account)
		return;
	period = tsc_to_ns(now - last_account);
	last_account = now;
	next_account = now + tsc_from_ns(SCHED_PERIOD_NS);
	if (policy->account)
		policy->account(period);
}

/* Lock held: kept keeps the CPU, or the policy picks; NULL marks the CPU idle. */
static struct vcpu *choose(struct run_queue *rq, unsigned int cpu, struct vcpu *kept)
{
	struct vcpu *v = kept ? kept : pick(cpu);

	if (v && !kept) {
		v->state = VCPU_RUNNING;
		v->switches++;
		rq->curr = v;
		rq->switches++;
	} else if (!v) {
		rq->idle = 1;
	}
	rq->need_resched = 0;
	return v;
}

struct vcpu *sched_pick_next(unsigned int cpu, struct vcpu *kept)
{
	uint64_t flags = spin_lock_irqsave(&sched_lock);
	struct vcpu *v = choose(&queues[cpu], cpu, kept);

	if (!v) {
		spin_unlock(&sched_lock); /* interrupts stay off until the idle HLT */
		return NULL;
	}
	spin_unlock_irqrestore(&sched_lock, flags);
	return v;
}

uint64_t sched_slice_ns(const struct vcpu *v)
{
	return policy->slice(v);
}

enum sched_put sched_put(struct vcpu *v, unsigned int cpu, uint64_t ran_ns)
{
	uint64_t flags = spin_lock_irqsave(&sched_lock);
	enum sched_put r = SCHED_PUT_OFF;

	v->run_ns += ran_ns;
	policy->charge(v, ran_ns);
	if (put(v, cpu))
		r = SCHED_PUT_KEEP;
	else if (v->state == VCPU_DEAD && claim_finished(v->dom))
		r = SCHED_PUT_FINISHED;
	spin_unlock_irqrestore(&sched_lock, flags);
	return r;
}

void sched_start(void)
{
	next_account = last_account = rdtsc();
}
