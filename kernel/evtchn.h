/*
 * kernel/evtchn.h: event channels from the hypervisor to the service domain
 * (include/public/evtchn.h; kernel/evtchn.c).
 */
#ifndef KERNEL_EVTCHN_H
#define KERNEL_EVTCHN_H

#include <stdint.h>

struct domain;

/* The hypercalls (under the control lock). */
long evtchn_setup(struct domain *s, uint64_t gpa, uint64_t how, uint64_t a2);
long evtchn_bind(struct domain *s, uint64_t domid, uint64_t a1, uint64_t a2);
long evtchn_notify(struct domain *s, uint64_t port, uint64_t a1, uint64_t a2);
/* Client c has news for its service (an ioreq is READY, it ended): sets its port's bit,
 * and if it was clear, raises the vector on the service's vCPU 0 or pulses its GSI. Any CPU. */
void evtchn_raise(struct domain *c);
/* c's port is free again (under the control lock). */
void evtchn_unbind(struct domain *c);
/* The service ended: no page, no vector or GSI, no ports. */
void evtchn_reset(void);

#endif
