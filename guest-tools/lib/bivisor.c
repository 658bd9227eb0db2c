/*
 * guest-tools/lib/bivisor.c: the hypercall wrappers of guest-tools/lib/bivisor.h.
 * The instruction is picked from CPUID leaf 0x40000001 (include/public/hypercall.h):
 * VMCALL is 0f 01 c1 (Intel SDM vol. 2B), VMMCALL 0f 01 d9 (AMD APM vol. 3).
 */
#include "guest-tools/lib/bivisor.h"
#include "arch/x86/x86.h"

static uint32_t hc_kind, my_domid, my_role;

int bv_init(void)
{
	struct cpuid_regs r = cpuid(0x40000000u, 0);

	if (r.eax < BV_CPUID_HYPERCALL)
		return -ENOSYS;
	r = cpuid(BV_CPUID_HYPERCALL, 0);
	hc_kind = r.ebx & (BV_CPUID_HC_VMCALL | BV_CPUID_HC_VMMCALL);
	my_domid = r.ecx;
	my_role = r.edx;
	return hc_kind ? 0 : -ENOSYS;
}

uint32_t bv_domid(void)
{
	return my_domid;
}

uint32_t bv_role(void)
{
	return my_role;
}

long bv_hypercall(unsigned long nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	long ret = (long)nr;

	if (hc_kind & BV_CPUID_HC_VMCALL)
		asm volatile(".byte 0x0f, 0x01, 0xc1"
			     : "+a"(ret)
			     : "D"(a0), "S"(a1), "d"(a2)
			     : "memory");
	else if (hc_kind & BV_CPUID_HC_VMMCALL)
		asm volatile(".byte 0x0f, 0x01, 0xd9"
			     : "+a"(ret)
			     : "D"(a0), "S"(a1), "d"(a2)
			     : "memory");
	else
		ret = -ENOSYS;
	return ret;
}

static uint64_t gpa(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

long bv_version(void)
{
	return bv_hypercall(BV_HC_VERSION, 0, 0, 0);
}

long bv_evtchn_setup(struct bv_evtchn_page *page, unsigned int vector)
{
	return bv_hypercall(BV_HC_EVTCHN_SETUP, gpa(page), vector, 0);
}

long bv_evtchn_bind(uint32_t domid)
{
	return bv_hypercall(BV_HC_EVTCHN_BIND, domid, 0, 0);
}

long bv_evtchn_notify(unsigned int port)
{
	return bv_hypercall(BV_HC_EVTCHN_NOTIFY, port, 0, 0);
}

long bv_domain_create(const struct bv_domain_create *c)
{
	return bv_hypercall(BV_HC_DOMAIN_CREATE, gpa(c), 0, 0);
}

long bv_memory_populate(const struct bv_memory_populate *p)
{
	return bv_hypercall(BV_HC_MEMORY_POPULATE, gpa(p), 0, 0);
}

long bv_vcpu_set_regs(const struct bv_vcpu_regs *r)
{
	return bv_hypercall(BV_HC_VCPU_SET_REGS, gpa(r), 0, 0);
}

long bv_domain_start(uint32_t domid)
{
	return bv_hypercall(BV_HC_DOMAIN_START, domid, 0, 0);
}

/* Called again while a vCPU of the client is still on a CPU (-EBUSY:
 * include/public/domctl.h), a bounded number of times. */
long bv_domain_destroy(uint32_t domid)
{
	long rc = -EBUSY;

	for (int i = 0; i < 100 && rc == -EBUSY; i++)
		rc = bv_hypercall(BV_HC_DOMAIN_DESTROY, domid, 0, 0);
	return rc;
}

long bv_ioreq_server(const struct bv_ioreq_server *s)
{
	return bv_hypercall(BV_HC_IOREQ_SERVER, gpa(s), 0, 0);
}

long bv_set_irq(uint32_t domid, unsigned int line, int level)
{
	return bv_hypercall(BV_HC_SET_IRQ, domid, line, (uint64_t)level);
}

long bv_domain_info(uint32_t domid, struct bv_domain_info *info)
{
	return bv_hypercall(BV_HC_DOMAIN_INFO, domid, gpa(info), 0);
}

long bv_share_info(struct bv_share_info *info, const void *range, uint64_t len)
{
	return bv_hypercall(BV_HC_SHARE_INFO, gpa(info), gpa(range), len);
}
