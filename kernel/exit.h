/*
 * kernel/exit.h: the exit handlers and the policies that answer exits (CPUID,
 * MSRs). Every handler is one function; kernel/exit.c holds the table, which
 * the run loop (kernel/run.c) calls through.
 */
#ifndef KERNEL_EXIT_H
#define KERNEL_EXIT_H

#include "kernel/domain.h"

typedef void (*exit_handler_t)(struct vcpu *v, const struct vm_exit *e);

/* One handler per kind; NULL: the domain is crashed (unhandled exit). */
extern const exit_handler_t exit_handlers[VM_EXIT_NR_KINDS];
const char *exit_kind_name(enum vm_exit_kind k);
/* Fills in the length of a CPUID, RDMSR, WRMSR, HLT or VMMCALL exit that came
 * without one (SVM without NRIP save), prefixes included, from the guest's code;
 * of a MOV to CR4 also its source register, when the CPU did not give it (SVM
 * without decode assists). */
void exit_insn_len(struct vcpu *v, struct vm_exit *e);

void handle_cpuid(struct vcpu *v, const struct vm_exit *e);
/* The CR4 bits the guest's CPUID lets it set (drivers/cpu_policy.c). */
uint64_t cpuid_cr4_allowed(void);
void handle_msr_read(struct vcpu *v, const struct vm_exit *e);
void handle_msr_write(struct vcpu *v, const struct vm_exit *e);

#endif
