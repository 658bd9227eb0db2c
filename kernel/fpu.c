/*
 * kernel/fpu.c: each vCPU's x87/SSE registers are its own. bivisor itself is
 * built without SSE or x87 (-mgeneral-regs-only), so while a vCPU's slice
 * runs, the CPU's x87 and SSE registers hold that vCPU's values, through
 * every exit and host interrupt; kernel/run.c:run_one loads them before a
 * slice and saves them after it, so the next vCPU on the CPU, of any domain,
 * starts from its own (Intel SDM vol. 1 10.5 FXSAVE/FXRSTOR, vol. 3A 2.5
 * CR4.OSFXSR; AMD APM vol. 2 11.4). Without it, two Linux domains on one CPU
 * saw each other's XMM registers: ping segfaulted and a kernel self-test of
 * blake2s failed in one of them.
 */
#include "arch/x86/x86.h"
#include "kernel/domain.h"
#include "kernel/fpu.h"
#include "lib/string.h"

#define FX_FCW 0    /* x87 control word */
#define FX_MXCSR 24 /* SSE control and status */

static void *area(struct vcpu *v)
{
	return (void *)(((uintptr_t)v->fpu_raw + 15) & ~(uintptr_t)15);
}

void fpu_cpu_init(void)
{
	write_cr0(read_cr0() & ~CR0_TS);
	write_cr4(read_cr4() | CR4_OSFXSR); /* FXSAVE covers XMM0-15 */
}

void fpu_vcpu_init(struct vcpu *v)
{
	uint8_t *p = area(v);
	uint16_t fcw = 0x037f;	 /* FNINIT's control word */
	uint32_t mxcsr = 0x1f80; /* every SSE exception masked */

	memset(p, 0, VCPU_FPU_SIZE);
	memcpy(p + FX_FCW, &fcw, sizeof(fcw));
	memcpy(p + FX_MXCSR, &mxcsr, sizeof(mxcsr));
}

void fpu_load(struct vcpu *v)
{
	asm volatile("fxrstor64 %0" : : "m"(*(uint8_t(*)[VCPU_FPU_SIZE])area(v)));
}

void fpu_save(struct vcpu *v)
{
	asm volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[VCPU_FPU_SIZE])area(v)));
}
