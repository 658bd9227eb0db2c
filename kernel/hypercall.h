/*
 * kernel/hypercall.h: the hypercall exit (include/public/hypercall.h is the
 * ABI): the dispatch table, and copying argument structures between the
 * caller's RAM and the hypervisor.
 */
#ifndef KERNEL_HYPERCALL_H
#define KERNEL_HYPERCALL_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/virt.h"

struct vcpu;
struct domain;

/* One hypercall: RAX the number, RDI/RSI/RDX the arguments, the result back in RAX. */
void hypercall_dispatch(struct vcpu *v);
/* Copies len bytes of the caller's RAM at gpa: 0, or -EFAULT if any byte is outside it. */
int hc_copy_from(struct domain *d, gpa_t gpa, void *buf, size_t len);
int hc_copy_to(struct domain *d, gpa_t gpa, const void *buf, size_t len);

#endif
