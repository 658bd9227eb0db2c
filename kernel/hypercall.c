/*
 * kernel/hypercall.c: the hypercall exit, VMCALL on Intel (SDM vol. 3C
 * 25.1.3), VMMCALL on AMD (APM vol. 2 15.9). A const table indexed by the
 * number gives each call's handler; who may make it (any domain, or the
 * service domain only, whose calls run under the control lock of
 * kernel/domctl.c) is kernel/hc_check.c:hc_gate's table, as ACRN's hypercall
 * table has a flag per entry. The order of checks is the ABI's
 * (include/public/hypercall.h): an unknown number is -ENOSYS, a control call
 * from another domain -EPERM before any argument is looked at; the handlers
 * copy their argument structure whole (-EFAULT) and check every field
 * (-EINVAL) before they change anything.
 */
#include "include/public/hypercall.h"
#include "kernel/domain.h"
#include "kernel/domctl.h"
#include "kernel/evtchn.h"
#include "kernel/hc_check.h"
#include "kernel/hypercall.h"
#include "kernel/ioreq.h"
#include "kernel/share.h"

typedef long (*hc_fn)(struct domain *d, uint64_t a0, uint64_t a1, uint64_t a2);

static long hc_version(struct domain *d, uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)d, (void)a0, (void)a1, (void)a2;
	return BV_ABI_VERSION;
}

static const hc_fn hc_table[BV_HC_COUNT] = {
	[BV_HC_VERSION] = hc_version,
	[BV_HC_EVTCHN_SETUP] = evtchn_setup,
	[BV_HC_EVTCHN_BIND] = evtchn_bind,
	[BV_HC_EVTCHN_NOTIFY] = evtchn_notify,
	[BV_HC_DOMAIN_CREATE] = domctl_create,
	[BV_HC_MEMORY_POPULATE] = domctl_populate,
	[BV_HC_VCPU_SET_REGS] = domctl_set_regs,
	[BV_HC_DOMAIN_START] = domctl_start,
	[BV_HC_DOMAIN_PAUSE] = domctl_pause,
	[BV_HC_DOMAIN_UNPAUSE] = domctl_unpause,
	[BV_HC_DOMAIN_DESTROY] = domctl_destroy,
	[BV_HC_IOREQ_SERVER] = domctl_ioreq_server,
	[BV_HC_SET_IRQ] = domctl_set_irq,
	[BV_HC_MEMORY_READ] = domctl_memory_read,
	[BV_HC_MEMORY_WRITE] = domctl_memory_write,
	[BV_HC_MEMORY_MAP] = domctl_memory_map,
	[BV_HC_DOMAIN_INFO] = domctl_info,
	[BV_HC_SHARE_INFO] = share_info,
};

static long hc_call(struct domain *d, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	long rc = hc_gate(nr, d->role);
	uint64_t flags;

	if (rc < 0)
		return rc;
	if (!hc_table[nr])
		return -ENOSYS;
	if (rc == HC_ANY)
		return hc_table[nr](d, a0, a1, a2);
	flags = domctl_lock();
	rc = hc_table[nr](d, a0, a1, a2);
	domctl_unlock(flags);
	return rc;
}

void hypercall_dispatch(struct vcpu *v)
{
	long rc = hc_call(v->dom, vcpu_get_reg(v, VM_REG_RAX), vcpu_get_reg(v, VM_REG_RDI),
			  vcpu_get_reg(v, VM_REG_RSI), vcpu_get_reg(v, VM_REG_RDX));

	vcpu_set_reg(v, VM_REG_RAX, (uint64_t)rc);
}

int hc_copy_from(struct domain *d, gpa_t gpa, void *buf, size_t len)
{
	return d->env.mem_read(d, gpa, buf, len) ? -EFAULT : 0;
}

int hc_copy_to(struct domain *d, gpa_t gpa, const void *buf, size_t len)
{
	return d->env.mem_write(d, gpa, buf, len) ? -EFAULT : 0;
}
