/*
 * kernel/sched.h: the vCPU scheduler. Each host CPU has a run queue; a policy
 * (struct sched_policy: round-robin or credit) decides the order and the
 * length of a slice; the core (kernel/sched.c) runs the chosen vCPU, moves
 * vCPUs between states and CPUs, and charges the CPU time they use.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdint.h>

struct vcpu;
struct domain;

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
/* The domain ended or crashed: its vCPUs stop, and the last CPU to drop one destroys it. */
void sched_domain_stop(struct domain *d);
int sched_domain_pause(struct domain *d, int pause);
/* Every CPU enters here once guests exist; it never returns. */
void sched_loop(void) __attribute__((noreturn));
/* Lets the CPUs start running their vCPUs. */
void sched_start(void);

/* For the debug console (kernel/debug_keys.c): call with the lock held. */
uint64_t sched_lock_all(void);
void sched_unlock_all(uint64_t flags);
struct run_queue *sched_queue(unsigned int cpu);
struct domain *sched_domain(unsigned int i); /* the i-th live domain, or NULL */
void sched_switch_policy(void);

/* The policies' view of all domains (credit accounting). */
unsigned int sched_ndomains(void);

#endif
