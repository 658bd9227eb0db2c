/*
 * guest-tools/prefixed.c: intercepted instructions with prefixes in front,
 * which make them longer than their opcode: CPUID, RDMSR and WRMSR behind a
 * CS override, an operand-size prefix or a REX byte, and VMMCALL / VMCALL
 * behind a CS override where bivisor takes hypercalls. Such prefixes are
 * ignored by the CPU (Intel SDM vol. 2A 2.1.1, 2.2.1; AMD APM vol. 3 1.2),
 * but a hypervisor that advances RIP by a fixed length lands inside the
 * instruction. Each call is followed by a marker that must run: a wrong
 * length skips it or runs the instruction's last bytes as code. Last, a
 * spin loop of PAUSEs, which a pause filter (AMD) turns into exits that must
 * leave RIP on the PAUSE.
 */
#include "guest-tools/lib/bivisor.h"
#include "guest-tools/lib/guest.h"

#define MSR_PAT 0x277

/* Each asm sets *ran to 1 after the instruction; a wrong RIP never reaches it. */
static uint32_t cpuid_cs(uint32_t leaf, int *ran)
{
	uint32_t a = leaf, b, c = 0, d;

	asm volatile(".byte 0x2e, 0x0f, 0xa2\n\tmovl $1, %4"
		     : "+a"(a), "=b"(b), "+c"(c), "=d"(d), "=m"(*ran));
	return a;
}

static uint32_t cpuid_66_rex(uint32_t leaf, int *ran)
{
	uint32_t a = leaf, b, c = 0, d;

	asm volatile(".byte 0x66, 0x2e, 0x48, 0x0f, 0xa2\n\tmovl $1, %4"
		     : "+a"(a), "=b"(b), "+c"(c), "=d"(d), "=m"(*ran));
	return a;
}

static uint64_t rdmsr_cs(uint32_t msr, int *ran)
{
	uint32_t lo, hi;

	asm volatile(".byte 0x2e, 0x0f, 0x32\n\tmovl $1, %2"
		     : "=a"(lo), "=d"(hi), "=m"(*ran)
		     : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static void wrmsr_66_cs(uint32_t msr, uint64_t v, int *ran)
{
	asm volatile(".byte 0x66, 0x2e, 0x0f, 0x30\n\tmovl $1, %0"
		     : "=m"(*ran)
		     : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
		     : "memory");
}

/* BV_HC_VERSION through a CS-prefixed VMMCALL or VMCALL. */
static long hypercall_cs(int *ran)
{
	long ret = BV_HC_VERSION;

	if (bv_init() == -ENOSYS)
		return -ENOSYS;
	if (cpuid(BV_CPUID_HYPERCALL, 0).ebx & BV_CPUID_HC_VMCALL)
		asm volatile(".byte 0x2e, 0x0f, 0x01, 0xc1\n\tmovl $1, %1"
			     : "+a"(ret), "=m"(*ran)
			     : "D"(0), "S"(0), "d"(0)
			     : "memory");
	else
		asm volatile(".byte 0x2e, 0x0f, 0x01, 0xd9\n\tmovl $1, %1"
			     : "+a"(ret), "=m"(*ran)
			     : "D"(0), "S"(0), "d"(0)
			     : "memory");
	return ret;
}

static void test_cpuid(void)
{
	int ran = 0;
	uint32_t max = cpuid(0, 0).eax;

	report(cpuid_cs(0, &ran) == max && ran, "cs-prefixed CPUID: leaf 0, RIP after it");
	ran = 0;
	report(cpuid_66_rex(0, &ran) == max && ran, "66 2e REX.W CPUID: leaf 0, RIP after it");
}

static void test_msr(void)
{
	int ran = 0;
	uint64_t pat = rdmsr(MSR_PAT);

	report(rdmsr_cs(MSR_PAT, &ran) == pat && ran, "cs-prefixed RDMSR of PAT, RIP after it");
	ran = 0;
	wrmsr_66_cs(MSR_PAT, pat, &ran);
	report(ran && rdmsr(MSR_PAT) == pat, "66 2e WRMSR of PAT, RIP after it");
}

static void test_pause_loop(void)
{
	volatile unsigned int n = 0;

	for (unsigned int i = 0; i < 100000; i++) {
		asm volatile("pause");
		n++;
	}
	report(n == 100000, "a spin loop of 100000 PAUSEs runs each iteration once");
}

int guest_main(void)
{
	int ran = 0;
	long v;

	test_cpuid();
	test_msr();
	test_pause_loop();
	v = hypercall_cs(&ran);
	if (v == -ENOSYS)
		guest_printf("no bivisor hypercalls here: prefixed VMMCALL/VMCALL not tried\n");
	else
		report(v == BV_ABI_VERSION && ran,
		       "cs-prefixed hypercall: the version, RIP after it");
	return report_summary();
}
