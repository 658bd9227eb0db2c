/*
 * kernel/sched.h: the vCPU scheduler. Each host CPU has a run queue; a policy
 * (struct sched_policy: round-robin or credit) decides the order and the
 * length of a slice; the core (kernel/sched.c) picks the vCPU a CPU runs next,
 * moves vCPUs between states and CPUs, and charges the CPU time they use. The
 * run loop that calls it (sched_pick_next, sched_put) is kernel/run.c.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdint.h>

struct vcpu;
struct domain;

/*
 * A policy's own state of a vCPU and of a domain: only that policy's file reads or
 * writes it, and a policy switch clears a queued vCPU's (the round-robin policy has
 * none).
 */
struct credit_vcpu {
	int64_t credit; /* balance, in ns */
	int boost;	/* woken from a wait, runs before the others */
};

struct credit_domain {
	uint64_t period_ns; /* CPU time in this accounting period (for its cap) */
};

union sched_vcpu_priv {
	struct credit_vcpu credit;
};

union sched_domain_priv {
	struct credit_domain credit;
};

struct run_queue {
	struct vcpu *head, *tail;
	unsigned int len;
	struct vcpu *curr;	   /* running now, or NULL */
	volatile int idle;	   /* halted, waiting for work */
	volatile int need_resched; /* end the current slice at the next exit */
	uint64_t switches;	   /* vCPU switches on this CPU */
	uint64_t switch_ns;	   /* time spent choosing and switching */
	uint64_t idle_ns;
};

struct sched_policy {
	const char *name;
	/* Picks a vCPU that may run on cpu from rq and takes it off the queue, or NULL. */
	struct vcpu *(*pick)(struct run_queue *rq, unsigned int cpu);
	/* Puts a runnable vCPU on rq; woken: it comes back from a wait. */
	void (*enqueue)(struct run_queue *rq, struct vcpu *v, int woken);
	/* How long v may run now, in ns. */
	uint64_t (*slice)(const struct vcpu *v);
	/* v used ns of CPU time. */
	void (*charge)(struct vcpu *v, uint64_t ns);
	/* About every SCHED_PERIOD_NS, on CPU 0 with the scheduler lock held: period_ns of
	 * time passed since the last call. */
	void (*account)(uint64_t period_ns);
};

#define SCHED_PERIOD_NS 30000000ull /* accounting period (Xen's credit scheduler: 30 ms) */
#define SCHED_SLICE_NS 10000000ull  /* the longest slice */

extern const struct sched_policy sched_rr, sched_credit;

/* For the policies: a vCPU at the head or the tail of a queue; off a queue. */
void runq_add(struct run_queue *rq, struct vcpu *v, int at_head);
void runq_remove(struct run_queue *rq, struct vcpu *v);

/* Chooses the policy by name ("rr" or "credit"); -EINVAL for another name. */
int sched_set_policy(const char *name);
const char *sched_policy_name(void);

/* Adds a new domain's vCPUs (vCPU 0 runnable, the others waiting for a SIPI). */
void sched_add_domain(struct domain *d);
/* Something is pending for v (an interrupt, INIT, SIPI): wakes it if it waits, or makes
 * the CPU running it exit so that the next entry sees it. Any CPU, any context but NMI. */
void sched_kick(struct vcpu *v);
/* v, running on this CPU, gives it up at its next exit if another vCPU waits here. */
void sched_yield(struct vcpu *v);
/* The domain ended or crashed: its vCPUs stop (the running ones when their CPU puts
 * them). Returns 1 if none runs any more: the caller then destroys the domain. */
int sched_domain_stop(struct domain *d);
int sched_domain_pause(struct domain *d, int pause);
/* 0 once no CPU runs a vCPU of d, -EBUSY if one still does after 100 ms. */
int sched_domain_wait_off(struct domain *d);
/* Takes a domain that is being destroyed off the list. */
void sched_remove_domain(struct domain *d);
/* Starts the accounting clock, before the CPUs run vCPUs. */
void sched_start(void);

/* For the run loop (kernel/run.c). The vCPU this CPU runs next: kept (it keeps the
 * CPU) or the policy's pick. NULL: nothing to run, and interrupts are left off, so a
 * kick sent after the queue was found empty still ends the idle HLT. */
struct vcpu *sched_pick_next(unsigned int cpu, struct vcpu *kept);
/* How long v may run now, in ns. */
uint64_t sched_slice_ns(const struct vcpu *v);

enum sched_put {
	SCHED_PUT_OFF,	    /* v left the CPU (queued, blocked, paused or dead) */
	SCHED_PUT_KEEP,	    /* v keeps the CPU for another slice */
	SCHED_PUT_FINISHED, /* v was its domain's last vCPU to stop: destroy the domain */
};

/* After a slice of ran_ns: charges v and decides where it goes. */
enum sched_put sched_put(struct vcpu *v, unsigned int cpu, uint64_t ran_ns);
/* Lock held (sched_lock_all): a halted vCPU whose timer is due becomes runnable. */
void sched_wake_locked(struct vcpu *v);
/* Lock held, on CPU 0: the policy's accounting, when a period has passed since the last. */
void sched_account_locked(uint64_t now);

/* For the run loop's housekeeping and the debug console: call with the lock held. */
uint64_t sched_lock_all(void);
void sched_unlock_all(uint64_t flags);
struct run_queue *sched_queue(unsigned int cpu);
struct domain *sched_domain(unsigned int i); /* the i-th live domain, or NULL */
void sched_switch_policy(void);

/* The policies' view of all domains (credit accounting). */
unsigned int sched_ndomains(void);
/* The credit policy's balance of v in ns, for the debug console. */
int64_t sched_credit_balance(const struct vcpu *v);

#endif
