/*
 * kernel/balloon.h: the virtio memory balloon of a Type-1 domain (issue 18,
 * virtio 1.2 §5.5). The device model is drivers/virtio_balloon.c; here the
 * hypervisor is its backend: a page the guest gives is unmapped from the
 * nested tables (AMD APM vol. 2 15.25, Intel SDM vol. 3C 29.3) and its frame
 * goes back to the pool; a touch or a deflate maps a fresh zeroed frame.
 */
#ifndef KERNEL_BALLOON_H
#define KERNEL_BALLOON_H

#include <stdint.h>

#include "drivers/dm_env.h"
#include "kernel/errno.h"

struct domain;
struct vcpu;
struct fw_virtio_mmio;

/* balloon=SIZE: the domain gets a balloon with that memory target. -EINVAL for a
 * domain of more than one vCPU or without RAM of its own; -ENOMEM. */
int __must_check balloon_domain_init(struct domain *d, uint64_t target);
/* Puts the device's window on the domain's bus (platform_create): 0 or -ENOSPC. */
int balloon_attach(struct domain *d);
/* The window and interrupt a loader announces to the guest (an SSDT for Linux). */
struct fw_virtio_mmio balloon_window(void);
/* A nested page fault at gpa: 1 if gpa was a released page, now backed again (the
 * guest retries), 0 if it is not the balloon's. */
int balloon_fault(struct vcpu *v, gpa_t gpa);
/* The hypervisor reads or writes [gpa, gpa+len): backs its released pages first. */
int balloon_refault(struct domain *d, gpa_t gpa, uint64_t len);
/* A new memory target in bytes (debug key b): 0, or -EINVAL over the domain's RAM. */
int balloon_set_target(struct domain *d, uint64_t target);
/* Current, target and maximum memory, in bytes (the debug console's d view). */
void balloon_mem(struct domain *d, uint64_t *current, uint64_t *target, uint64_t *max);
/* One line of the domain's balloon counters. */
void balloon_print(struct domain *d);
/* At the domain's end: prints its counters and frees its RAM (1), or 0 without a balloon. */
int balloon_domain_release(struct domain *d);

#endif
