/*
 * kernel/exit.h: exit dispatch and the policies that answer exits (CPUID,
 * MSRs). Every handler is one function; kernel/exit.c holds the table.
 */
#ifndef KERNEL_EXIT_H
#define KERNEL_EXIT_H

#include "kernel/domain.h"

void exit_dispatch(struct vcpu *v, const struct vm_exit *e);
const char *exit_kind_name(enum vm_exit_kind k);

void handle_cpuid(struct vcpu *v, const struct vm_exit *e);
void handle_msr_read(struct vcpu *v, const struct vm_exit *e);
void handle_msr_write(struct vcpu *v, const struct vm_exit *e);

#endif
