/*
 * kernel/trace.h: the exit trace of the Type-1 kernel (docs/tracing.md). With
 * trace=N on the command line each vCPU keeps its last N exits as records of
 * include/public/trace.h, filled in the exit dispatcher (kernel/run.c:run_slice);
 * they are written to COM2 when the domain ends and on the debug key `t`.
 */
#ifndef KERNEL_TRACE_H
#define KERNEL_TRACE_H

#include <stdint.h>

#include "include/public/trace.h"

#define TRACE_MAX_RECORDS (1u << 20) /* per vCPU: 32 MiB */

struct vm_exit;
struct vcpu;
struct domain;

struct vcpu_trace {
	struct bv_trace_rec *ring; /* NULL: tracing is off */
	uint64_t written;	   /* records ever written; the ring holds the last ones */
	struct bv_trace_rec held;  /* a forwarded exit, until its answer */
	uint64_t held_since;	   /* its TSC when it went to the service; 0: none */
};

extern unsigned int trace_records; /* trace=N: records per vCPU, 0: off */

/* trace=N, 0 < N <= TRACE_MAX_RECORDS. */
int trace_set_option(const char *v);
/* A new vCPU's ring (when tracing is on); -ENOMEM if it cannot have one. */
int trace_vcpu_init(struct vcpu *v);
void trace_vcpu_destroy(struct vcpu *v);
/* Handles an exit through handle (may be NULL) and records it. */
void trace_exit(struct vcpu *v, struct vm_exit *e,
		void (*handle)(struct vcpu *v, const struct vm_exit *e));
/* After ioreq_resume: a held forwarded exit whose answer came is recorded. */
void trace_resumed(struct vcpu *v);
/* Writes d's records to COM2 (the domain ends; the debug key `t`). */
void trace_dump(struct domain *d);

#endif
