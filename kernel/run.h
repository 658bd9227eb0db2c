/*
 * kernel/run.h: the per-CPU loop that runs vCPUs.
 */
#ifndef KERNEL_RUN_H
#define KERNEL_RUN_H

struct vcpu;

void run_add_vcpu(struct vcpu *v);
/* Every CPU enters here once guests exist; it never returns. */
void run_loop(void) __attribute__((noreturn));
/* Lets the CPUs start running their vCPUs. */
void run_start(void);
/* Enables the backend on this CPU; a negative errno when the CPU cannot run guests. */
int run_enable_cpu(void);
/* Waits until every CPU enabled the backend; notes the free frames then. */
void run_wait_enabled(void);

#endif
