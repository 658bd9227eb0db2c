/*
 * kernel/run.h: the run loop (kernel/run.c): getting CPUs ready to run
 * guests, running the vCPUs the scheduler picks, and the end of the run.
 */
#ifndef KERNEL_RUN_H
#define KERNEL_RUN_H

struct domain;

/* Enables the backend on this CPU; a negative errno when the CPU cannot run guests. */
int run_enable_cpu(void);
/* Waits until every CPU enabled the backend; notes the free frames then. */
void run_wait_enabled(void);
/* A new domain: counted, and its vCPUs handed to the scheduler. */
void run_add_domain(struct domain *d);
/* Every vCPU of a stopped domain is dead: destroys it; after the last one, checks that
 * every frame came back and ends a test run. */
void run_domain_finished(struct domain *d);
/* Destroys a finished domain and counts it gone (kernel/domctl.c calls it for a service
 * domain after its last client). */
void run_domain_gone(struct domain *d);
/* Lets the CPUs start running their vCPUs. */
void run_start(void);
/* Every CPU enters here once guests exist; it never returns. */
void run_loop(void) __attribute__((noreturn));

#endif
