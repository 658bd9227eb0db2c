/*
 * kernel/ioreq.h: forwarding a client domain's port and MMIO accesses to the
 * service domain through the ioreq page of include/public/ioreq.h, and the
 * completions that resume the client's vCPU (kernel/ioreq.c).
 */
#ifndef KERNEL_IOREQ_H
#define KERNEL_IOREQ_H

#include <stdint.h>

#include "kernel/ioreq_check.h"
#include "kernel/virt.h"

struct vcpu;
struct domain;

#define IOREQ_LOG 2 /* forwarded accesses of one instruction (a read-modify-write has two) */

enum ioreq_wait_state {
	IOREQ_IDLE,
	IOREQ_WAITING, /* its slot is READY or INPROCESS: the service has it */
	IOREQ_DONE,    /* answered: log[nlog - 1] holds it; the vCPU replays its exit */
};

/* A vCPU's side: the exit it replays and the accesses its instruction already made. */
struct vcpu_ioreq {
	int state; /* enum ioreq_wait_state */
	uint64_t since_ns;
	struct ioreq_access log[IOREQ_LOG];
	unsigned int nlog, pos; /* answered accesses; the next to replay */
	int replayed;		/* the last access came from the log */
	struct vm_exit exit;	/* the exit to handle again once answered */
	const struct vm_exit *cur;
};

/* BV_HC_IOREQ_SERVER (under the control lock). */
long ioreq_server_register(struct domain *s, uint64_t args_gpa);
/* A client is freed: its ranges and server go. */
void ioreq_server_free(struct domain *c);
/* BV_HC_EVTCHN_NOTIFY: the slots of client c; 0, or -EINVAL for a slot moved unasked. */
long ioreq_complete(struct domain *c);
/* Before the vCPU's next entry (kernel/run.c): 1 to enter, 0 while it still waits. */
int ioreq_resume(struct vcpu *v);
/* The exit in hand is over: the accesses it logged are forgotten. */
static inline void ioreq_exit_done(struct vcpu_ioreq *io)
{
	io->nlog = io->pos = 0;
	io->replayed = 0;
}
/* CPU 0's housekeeping: crashes clients whose service did not answer in time. */
void ioreq_check_timeouts(uint64_t now_ns);

#endif
