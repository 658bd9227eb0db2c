/*
 * kernel/run.h: getting CPUs ready to run guests, and the end of the run.
 */
#ifndef KERNEL_RUN_H
#define KERNEL_RUN_H

/* Enables the backend on this CPU; a negative errno when the CPU cannot run guests. */
int run_enable_cpu(void);
/* Waits until every CPU enabled the backend; notes the free frames then. */
void run_wait_enabled(void);
/* The last domain is gone: checks that every frame came back and ends a test run. */
void run_all_ended(void);

#endif
