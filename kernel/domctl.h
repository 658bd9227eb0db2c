/*
 * kernel/domctl.h: the service domain and its clients (kernel/domctl.c): the
 * control hypercalls on a client, the control lock they run under, and a
 * client's lifetime (zombie until destroyed, reaped when its service ends).
 */
#ifndef KERNEL_DOMCTL_H
#define KERNEL_DOMCTL_H

#include <stdint.h>

struct domain;

#define DOMCTL_MAX_CLIENTS 8

enum domctl_life {
	DOMCTL_LIVE,   /* made by the service; running, or not yet started */
	DOMCTL_ZOMBIE, /* ended or crashed: kept until BV_HC_DOMAIN_DESTROY */
	DOMCTL_REAP,   /* destroyed (or its service ended): freed when its vCPUs stop */
};

/* The control lock: every service hypercall runs under it. */
uint64_t domctl_lock(void);
void domctl_unlock(uint64_t flags);
/* Tries the lock once (CPU 0's housekeeping); 1 if taken. */
int domctl_trylock(uint64_t *flags);

/* role=service: d becomes the service domain; -EEXIST if there is one. */
int domctl_set_service(struct domain *d);
/* The service domain, or NULL. */
struct domain *domctl_service(void);
/* The i-th client of the service (under the control lock), or NULL. */
struct domain *domctl_client(unsigned int i);
/* A client of the service by id (under the control lock), or NULL. */
struct domain *domctl_find(struct domain *s, uint64_t domid);

/* d's last vCPU stopped (kernel/run.c:run_domain_finished): 1 if domctl takes it (a
 * client, a service with clients), 0 if the caller destroys it. */
int domctl_finished(struct domain *d);

long domctl_create(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2);
long domctl_populate(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2);
long domctl_set_regs(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2);
long domctl_start(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2);
long domctl_pause(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2);
long domctl_unpause(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2);
long domctl_destroy(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2);
long domctl_info(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2);
long domctl_ioreq_server(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2);
long domctl_set_irq(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2);
long domctl_memory_read(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2);
long domctl_memory_write(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2);
long domctl_memory_map(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2);

#endif
