/*
 * kernel/sched_rr.c: round-robin. Each run queue is a FIFO; a vCPU runs for
 * one slice (SCHED_SLICE_NS) and goes to the back. Weights and caps are
 * ignored: every runnable vCPU gets the same share of its CPU.
 */
#include "kernel/domain.h"
#include "kernel/sched.h"

static struct vcpu *rr_pick(struct run_queue *rq, unsigned int cpu)
{
	for (struct vcpu *v = rq->head; v; v = v->next) {
		if ((v->dom->affinity >> cpu) & 1) {
			runq_remove(rq, v);
			return v;
		}
	}
	return NULL;
}

static void rr_enqueue(struct run_queue *rq, struct vcpu *v, int woken)
{
	(void)woken;
	runq_add(rq, v, 0);
}

static uint64_t rr_slice(const struct vcpu *v)
{
	(void)v;
	return SCHED_SLICE_NS;
}

static void rr_charge(struct vcpu *v, uint64_t ns)
{
	(void)v, (void)ns;
}

const struct sched_policy sched_rr = {
	.name = "rr",
	.pick = rr_pick,
	.enqueue = rr_enqueue,
	.slice = rr_slice,
	.charge = rr_charge,
};
