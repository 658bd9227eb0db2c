/*
 * kernel/fpu.h: a vCPU's x87/SSE registers, kept across the vCPUs that share
 * a CPU (kernel/fpu.c).
 */
#ifndef KERNEL_FPU_H
#define KERNEL_FPU_H

struct vcpu;

/* On each CPU before its first vCPU: CR0.TS clear, CR4.OSFXSR set. */
void fpu_cpu_init(void);
/* A new vCPU's registers as after reset (FNINIT, MXCSR 0x1f80). */
void fpu_vcpu_init(struct vcpu *v);
/* Puts v's registers on this CPU before its slice, and back after it. */
void fpu_load(struct vcpu *v);
void fpu_save(struct vcpu *v);

#endif
