/*
 * kernel/sched_credit.c: a credit scheduler after Xen's (credit1; Xen's
 * "Credit Scheduler" wiki page and xl-sched-credit(1)). Every accounting
 * period (about 30 ms) the CPU time of that period, as measured, is handed to the active domains
 * as credit in proportion to their weight, never more than their cap (a
 * percentage of one CPU) or than their active vCPUs can use; a domain's share
 * is split among its active vCPUs. Running costs credit, by the nanosecond
 * (Xen samples at 10 ms ticks; bivisor measures the TSC). vCPUs with credit
 * left (UNDER) run before those without (OVER); a vCPU woken from a wait
 * with credit left is BOOSTed to the front of its queue. A capped domain that
 * used its cap waits for the next period even if a CPU is idle.
 */
#include "arch/x86/percpu.h"
#include "kernel/domain.h"
#include "kernel/sched.h"

#define CREDIT_MAX ((int64_t)SCHED_PERIOD_NS)	   /* a sleeper cannot hoard more */
#define CREDIT_MIN (-2 * (int64_t)SCHED_PERIOD_NS) /* nor owe more */
#define SLICE_MIN 1000000ull			   /* 1 ms */

/* This policy's state of a vCPU and of a domain (union sched_vcpu_priv, sched_domain_priv). */
static struct credit_vcpu *cv(struct vcpu *v)
{
	return &v->sched.credit;
}

static const struct credit_vcpu *cv_const(const struct vcpu *v)
{
	return &v->sched.credit;
}

/* Lock held. Runs this period? A capped domain that used its cap does not. */
static int capped(const struct domain *d)
{
	return d->cap && d->sched.credit.period_ns * 100 >= (uint64_t)d->cap * SCHED_PERIOD_NS;
}

/* The first eligible vCPU of the best class: boosted, then under, then over. */
static struct vcpu *credit_pick(struct run_queue *rq, unsigned int cpu)
{
	struct vcpu *best = NULL;
	int best_class = 3;

	for (struct vcpu *v = rq->head; v && best_class; v = v->next) {
		int class = cv(v)->boost ? 0 : cv(v)->credit > 0 ? 1 : 2;

		if (((v->dom->affinity >> cpu) & 1) && !capped(v->dom) && class < best_class)
			best = v, best_class = class;
	}
	if (best) {
		runq_remove(rq, best);
		cv(best)->boost = 0;
	}
	return best;
}

static void credit_enqueue(struct run_queue *rq, struct vcpu *v, int woken)
{
	struct credit_vcpu *c = cv(v);

	c->boost = woken && c->credit > 0;
	runq_add(rq, v, c->boost);
}

/* Runs its credit out (at least 1 ms), at most one slice. */
static uint64_t credit_slice(const struct vcpu *v)
{
	int64_t credit = cv_const(v)->credit;
	uint64_t left = credit > 0 ? (uint64_t)credit : SCHED_SLICE_NS;

	if (left > SCHED_SLICE_NS)
		left = SCHED_SLICE_NS;
	return left < SLICE_MIN ? SLICE_MIN : left;
}

static void credit_charge(struct vcpu *v, uint64_t ns)
{
	struct credit_vcpu *c = cv(v);

	c->credit -= (int64_t)ns;
	if (c->credit < CREDIT_MIN)
		c->credit = CREDIT_MIN;
	v->dom->sched.credit.period_ns += ns;
}

static unsigned int active_vcpus(const struct domain *d)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->nvcpus; i++) {
		enum vcpu_state s = d->vcpus[i]->state;

		n += s == VCPU_RUNNING || s == VCPU_RUNNABLE;
	}
	return n;
}

/* A domain's most this period: its cap, and no more than its active vCPUs can run. */
static uint64_t domain_limit(const struct domain *d, unsigned int active, uint64_t period)
{
	uint64_t limit = active * period;

	if (d->cap && (uint64_t)d->cap * period / 100 < limit)
		limit = (uint64_t)d->cap * period / 100;
	return limit;
}

/*
 * Shares by weight, water-filled: a domain whose share is above its limit gets its
 * limit and the rest goes again to the others by weight (Xen does the same with its
 * "fair share" loop in csched_acct).
 */
static void credit_account(uint64_t period)
{
	uint64_t total = ncpus_online * period, share[MAX_DOMAINS] = { 0 };
	unsigned int n = sched_ndomains(), active[MAX_DOMAINS], done[MAX_DOMAINS] = { 0 };

	for (unsigned int i = 0; i < n; i++) {
		active[i] = active_vcpus(sched_domain(i));
		done[i] = !active[i];
	}
	for (unsigned int round = 0; round < n; round++) {
		uint64_t weights = 0, spill = 0;

		for (unsigned int i = 0; i < n; i++)
			if (!done[i])
				weights += sched_domain(i)->weight;
		if (!weights || !total)
			break;
		for (unsigned int i = 0; i < n; i++) {
			struct domain *d = sched_domain(i);
			uint64_t limit = domain_limit(d, active[i], period);

			if (done[i])
				continue;
			share[i] = total * d->weight / weights;
			if (share[i] >= limit) {
				share[i] = limit;
				done[i] = 1;
				spill = 1;
			}
		}
		if (!spill)
			break;
		total = ncpus_online * period;
		for (unsigned int i = 0; i < n; i++)
			if (done[i])
				total -= share[i] < total ? share[i] : total;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct domain *d = sched_domain(i);

		d->sched.credit.period_ns = 0;
		for (unsigned int j = 0; active[i] && j < d->nvcpus; j++) {
			struct vcpu *v = d->vcpus[j];

			if (v->state != VCPU_RUNNING && v->state != VCPU_RUNNABLE)
				continue;
			cv(v)->credit += (int64_t)(share[i] / active[i]);
			if (cv(v)->credit > CREDIT_MAX)
				cv(v)->credit = CREDIT_MAX;
		}
	}
}

int64_t sched_credit_balance(const struct vcpu *v)
{
	return cv_const(v)->credit;
}

const struct sched_policy sched_credit = {
	.name = "credit",
	.pick = credit_pick,
	.enqueue = credit_enqueue,
	.slice = credit_slice,
	.charge = credit_charge,
	.account = credit_account,
};
