/*
 * kernel/hypercall.c: the hypercall exit, VMCALL on Intel (SDM vol. 3C
 * 25.1.3), VMMCALL on AMD (APM vol. 2 15.9). A const table indexed by the
 * number gives each call's handler and who may make it (as ACRN's hypercall
 * table does): any domain, or the service domain only, whose calls run under
 * the control lock (kernel/domctl.c). The order of checks is the ABI's
 * (include/public/hypercall.h): an unknown number is -ENOSYS, a control call
 * from another domain -EPERM before any argument is looked at; the handlers
 * copy their argument structure whole (-EFAULT) and check every field
 * (-EINVAL) before they change anything.
 */
#include "include/public/hypercall.h"
#include "kernel/domain.h"
#include "kernel/domctl.h"
#include "kernel/evtchn.h"
#include "kernel/hypercall.h"
#include "kernel/ioreq.h"
#include "kernel/share.h"

enum hc_flags {
	HC_ANY = 0,	/* every domain */
	HC_SERVICE = 1, /* the service domain only; under the control lock */
};

typedef long (*hc_fn)(struct domain *d, uint64_t a0, uint64_t a1, uint64_t a2);

struct hc_entry {
	hc_fn fn;
	unsigned int flags;
};

static long hc_version(struct domain *d, uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)d, (void)a0, (void)a1, (void)a2;
	return BV_ABI_VERSION;
}

static const struct hc_entry hc_table[BV_HC_COUNT] = {
	[BV_HC_VERSION] = { hc_version, HC_ANY },
	[BV_HC_EVTCHN_SETUP] = { evtchn_setup, HC_SERVICE },
	[BV_HC_EVTCHN_BIND] = { evtchn_bind, HC_SERVICE },
	[BV_HC_EVTCHN_NOTIFY] = { evtchn_notify, HC_SERVICE },
	[BV_HC_DOMAIN_CREATE] = { domctl_create, HC_SERVICE },
	[BV_HC_MEMORY_POPULATE] = { domctl_populate, HC_SERVICE },
	[BV_HC_VCPU_SET_REGS] = { domctl_set_regs, HC_SERVICE },
	[BV_HC_DOMAIN_START] = { domctl_start, HC_SERVICE },
	[BV_HC_DOMAIN_PAUSE] = { domctl_pause, HC_SERVICE },
	[BV_HC_DOMAIN_UNPAUSE] = { domctl_unpause, HC_SERVICE },
	[BV_HC_DOMAIN_DESTROY] = { domctl_destroy, HC_SERVICE },
	[BV_HC_IOREQ_SERVER] = { domctl_ioreq_server, HC_SERVICE },
	[BV_HC_SET_IRQ] = { domctl_set_irq, HC_SERVICE },
	[BV_HC_MEMORY_READ] = { domctl_memory_read, HC_SERVICE },
	[BV_HC_MEMORY_WRITE] = { domctl_memory_write, HC_SERVICE },
	[BV_HC_MEMORY_MAP] = { domctl_memory_map, HC_SERVICE },
	[BV_HC_DOMAIN_INFO] = { domctl_info, HC_SERVICE },
	[BV_HC_SHARE_INFO] = { share_info, HC_ANY },
};

static long hc_call(struct domain *d, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	const struct hc_entry *h = nr < BV_HC_COUNT ? &hc_table[nr] : NULL;
	uint64_t flags;
	long rc;

	if (!h || !h->fn)
		return -ENOSYS;
	if (!(h->flags & HC_SERVICE))
		return h->fn(d, a0, a1, a2);
	if (!(d->role & BV_CPUID_ROLE_SERVICE))
		return -EPERM;
	flags = domctl_lock();
	rc = h->fn(d, a0, a1, a2);
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
