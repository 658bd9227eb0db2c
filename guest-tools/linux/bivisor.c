// SPDX-License-Identifier: GPL-2.0
/*
 * guest-tools/linux/bivisor.c: bivisor.ko, the Linux service domain's side of
 * bivisor. It turns the hypercalls of include/public/hypercall.h (domctl.h,
 * ioreq.h, evtchn.h) into the ioctls of include/public/bivisor_dev.h on a
 * misc device, /dev/bivisor (Documentation/driver-api/misc_devices.rst), for
 * bvm's bivisor accelerator. A client's RAM is the caller's own pages, pinned
 * with pin_user_pages_fast(FOLL_LONGTERM) (Documentation/core-api/pin_user_pages.rst)
 * and handed to the hypervisor by their physical addresses, which in the
 * service domain are its guest-physical ones. The hypervisor tells us about
 * READY ioreqs and ended clients through an edge on a GSI of our vIOAPIC
 * (gsi=, default 20), or we poll the pending word (notify=poll, poll_us=).
 */
#include <linux/acpi.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <asm/processor.h>

#include "include/public/bivisor_dev.h"
#include "include/public/evtchn.h"
#include "include/public/hypercall.h"

static int gsi = 20;
module_param(gsi, int, 0444);
MODULE_PARM_DESC(gsi, "input of the service's vIOAPIC the hypervisor pulses (16-23)");
static char *notify = "gsi";
module_param(notify, charp, 0444);
MODULE_PARM_DESC(notify, "gsi (an interrupt) or poll (a timer reads the pending word)");
static uint poll_us = 100;
module_param(poll_us, uint, 0444);
MODULE_PARM_DESC(poll_us, "with notify=poll: the period in microseconds");

/* One open file of /dev/bivisor: at most one client domain. */
struct bvf {
	struct mutex lock; /* the calls that change the domain */
	u32 domid;	   /* 0: none yet */
	u32 vcpus;
	bool started;
	bool gone; /* destroyed through BIVISOR_DESTROY, or over and seen so */
	int port;  /* 0: no ioreq server yet */
	struct bv_ioreq_page *ioreq;
	wait_queue_head_t wq;
	struct list_head pins;
	struct list_head link; /* in files while it has a domain */
	spinlock_t info_lock;  /* info, used inside wait conditions */
	struct bv_domain_info *info;
};

/* Pages of one BIVISOR_MEMORY call, pinned until the file is closed. */
struct bv_pin {
	struct list_head link;
	struct page **pages;
	unsigned long npages;
};

static bool use_vmcall;
static struct bv_evtchn_page *evt; /* a zeroed page; the hypervisor sets bits */
static int irq = -1;
static struct hrtimer poll_timer;
static bool polling;
static DEFINE_SPINLOCK(ports_lock);
static struct bvf *ports[BV_EVTCHN_PORTS]; /* under ports_lock */
static LIST_HEAD(files);		   /* every bvf with a domain, under ports_lock */
static DEFINE_MUTEX(page_lock);		   /* hc_page */
static u64 *hc_page;			   /* one page for frame lists */

/* --- Hypercalls (include/public/hypercall.h) --- */

static long bv_hc(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2)
{
	long ret;

	if (use_vmcall)
		asm volatile("vmcall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1), "d"(a2) : "memory");
	else
		asm volatile("vmmcall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1), "d"(a2) : "memory");
	return ret;
}

/* A call with a kernel structure passed by its physical address. */
static long bv_hcp(unsigned long nr, void *arg)
{
	return bv_hc(nr, virt_to_phys(arg), 0, 0);
}

/*
 * The hypervisor's answer as the ioctl's: its errno numbers are Linux's
 * (include/public/errno.h), so -EINVAL, -ENOENT, -EEXIST, -ENOSPC, -EBUSY,
 * -ENOMEM pass through; -EPERM, -ENOSYS and -EFAULT mean this module and the
 * hypervisor disagree: logged, -ENODEV.
 */
static long bv_err(const char *what, long rc)
{
	if (rc >= 0)
		return rc;
	if (rc == -EPERM || rc == -ENOSYS || rc == -EFAULT) {
		pr_err("bivisor: %s: the hypervisor answered %ld\n", what, rc);
		return -ENODEV;
	}
	pr_debug("bivisor: %s: %ld\n", what, rc);
	return rc;
}

static int bv_detect(void)
{
	u32 eax, ebx, ecx, edx;
	char sig[13] = { 0 };

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR)) {
		pr_err("bivisor: not a bivisor service domain (no hypervisor)\n");
		return -ENODEV;
	}
	cpuid(0x40000000, &eax, &ebx, &ecx, &edx);
	memcpy(sig, &ebx, 4);
	memcpy(sig + 4, &ecx, 4);
	memcpy(sig + 8, &edx, 4);
	if (strcmp(sig, "bivisor") || eax < BV_CPUID_HYPERCALL) {
		pr_err("bivisor: not a bivisor service domain (hypervisor '%s')\n", sig);
		return -ENODEV;
	}
	cpuid(BV_CPUID_HYPERCALL, &eax, &ebx, &ecx, &edx);
	if (!(edx & BV_CPUID_ROLE_SERVICE) || !(ebx & (BV_CPUID_HC_VMCALL | BV_CPUID_HC_VMMCALL))) {
		pr_err("bivisor: not a bivisor service domain (domain %u, no service role)\n", ecx);
		return -ENODEV;
	}
	use_vmcall = ebx & BV_CPUID_HC_VMCALL;
	pr_info("bivisor: service domain %u, ABI %u, %s\n", ecx, eax,
		use_vmcall ? "VMCALL" : "VMMCALL");
	return 0;
}

/* --- Notifications (include/public/evtchn.h) --- */

/* Takes the pending bits and wakes the files of those ports. */
static void bv_evtchn_take(void)
{
	unsigned long bits = xchg(&evt->pending[0], 0);
	unsigned int p;

	if (!bits)
		return;
	spin_lock(&ports_lock);
	for_each_set_bit(p, &bits, BV_EVTCHN_PORTS) {
		if (ports[p])
			wake_up_all(&ports[p]->wq);
	}
	spin_unlock(&ports_lock);
}

static irqreturn_t bv_irq(int irq_, void *dev)
{
	bv_evtchn_take();
	return IRQ_HANDLED;
}

static enum hrtimer_restart bv_poll(struct hrtimer *t)
{
	bv_evtchn_take();
	hrtimer_forward_now(t, ns_to_ktime((u64)poll_us * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static int bv_notify_gsi(void)
{
	int rc;

	if (gsi < 16 || gsi > BV_EVTCHN_GSI_MAX) {
		pr_err("bivisor: gsi=%d: use 16-%d (0-15 are ISA lines)\n", gsi, BV_EVTCHN_GSI_MAX);
		return -EINVAL;
	}
	rc = acpi_register_gsi(NULL, gsi, ACPI_EDGE_SENSITIVE, ACPI_ACTIVE_HIGH);
	if (rc < 0) {
		pr_err("bivisor: GSI %d: acpi_register_gsi: %d\n", gsi, rc);
		return rc;
	}
	irq = rc;
	rc = request_irq(irq, bv_irq, 0, "bivisor", NULL);
	if (rc) {
		pr_err("bivisor: GSI %d (IRQ %d): request_irq: %d\n", gsi, irq, rc);
		acpi_unregister_gsi(gsi);
		irq = -1;
		return rc;
	}
	return 0;
}

static void bv_notify_start_poll(void)
{
	hrtimer_init(&poll_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	poll_timer.function = bv_poll;
	hrtimer_start(&poll_timer, ns_to_ktime((u64)poll_us * NSEC_PER_USEC), HRTIMER_MODE_REL);
	polling = true;
}

static void bv_notify_stop(void)
{
	if (polling)
		hrtimer_cancel(&poll_timer);
	polling = false;
	if (irq >= 0) {
		free_irq(irq, NULL);
		acpi_unregister_gsi(gsi);
	}
	irq = -1;
}

/* The pending page and how the hypervisor rings; once per boot of the service. */
static int bv_notify_setup(void)
{
	bool poll = !strcmp(notify, "poll");
	long rc;

	if (!poll && strcmp(notify, "gsi")) {
		pr_err("bivisor: notify=%s: use gsi or poll\n", notify);
		return -EINVAL;
	}
	if (poll && (poll_us < 1 || poll_us > 1000000)) {
		pr_err("bivisor: poll_us=%u: use 1-1000000\n", poll_us);
		return -EINVAL;
	}
	rc = poll ? 0 : bv_notify_gsi();
	if (rc)
		return rc;
	rc = bv_hc(BV_HC_EVTCHN_SETUP, virt_to_phys(evt),
		   poll ? BV_EVTCHN_NONE : BV_EVTCHN_GSI | gsi, 0);
	if (rc) {
		pr_err("bivisor: EVTCHN_SETUP: %ld (another event page set up?)\n", rc);
		bv_notify_stop();
		return -ENODEV;
	}
	if (poll)
		bv_notify_start_poll();
	pr_info("bivisor: notification by %s %u\n", poll ? "polling every" : "GSI",
		poll ? poll_us : gsi);
	return 0;
}

/* --- Domains --- */

/* The domain's info, or NULL once it is gone; the caller holds info_lock. */
static struct bv_domain_info *bv_info_locked(struct bvf *f)
{
	if (!f->domid || f->gone)
		return NULL;
	if (bv_hc(BV_HC_DOMAIN_INFO, f->domid, virt_to_phys(f->info), 0))
		return NULL;
	return f->info;
}

/* Whether the domain is over (ended, crashed, destroyed); says which in r. */
static bool bv_over(struct bvf *f, struct bivisor_run *r)
{
	struct bv_domain_info *info;
	bool over;

	spin_lock(&f->info_lock);
	info = bv_info_locked(f);
	over = !info || info->state == BV_DOMAIN_ENDED || info->state == BV_DOMAIN_CRASHED;
	if (over) {
		r->kind = info && info->state == BV_DOMAIN_ENDED ? BIVISOR_RUN_ENDED
								 : BIVISOR_RUN_CRASHED;
		r->exit_status = info ? info->exit_status : -1;
	}
	spin_unlock(&f->info_lock);
	return over;
}

/* vCPU r->vcpu's request, READY (taken: INPROCESS) or taken before and not answered. */
static bool bv_slot_take(struct bvf *f, struct bivisor_run *r)
{
	struct bv_ioreq *q = &f->ioreq->slot[r->vcpu];
	u32 st = cmpxchg(&q->state, BV_IOREQ_READY, BV_IOREQ_INPROCESS);

	if (st != BV_IOREQ_READY && st != BV_IOREQ_INPROCESS)
		return false;
	r->req = *q;
	r->req.state = BV_IOREQ_READY;
	r->kind = BIVISOR_RUN_IOREQ;
	return true;
}

static bool bv_run_ready(struct bvf *f, struct bivisor_run *r)
{
	return bv_slot_take(f, r) || bv_over(f, r);
}

/* The answer to the request vCPU r->vcpu holds (INPROCESS), then NOTIFY. */
static long bv_complete(struct bvf *f, const struct bivisor_run *r)
{
	struct bv_ioreq *q = &f->ioreq->slot[r->vcpu];

	if (READ_ONCE(q->state) != BV_IOREQ_INPROCESS)
		return -EINVAL;
	if (q->dir == BV_IOREQ_READ)
		WRITE_ONCE(q->data, r->data);
	smp_store_release(&q->state, BV_IOREQ_RESPONSE_READY);
	return bv_hc(BV_HC_EVTCHN_NOTIFY, f->port, 0, 0);
}

static long bv_run(struct bvf *f, void __user *u)
{
	struct bivisor_run r;
	long rc;

	if (copy_from_user(&r, u, sizeof(r)))
		return -EFAULT;
	if (!f->domid || r.vcpu >= f->vcpus || (r.flags & ~BIVISOR_RUN_COMPLETE))
		return -EINVAL;
	if (!bv_over(f, &r)) {
		if (!f->started || !f->ioreq)
			return -EINVAL;
		rc = r.flags & BIVISOR_RUN_COMPLETE ? bv_complete(f, &r) : 0;
		if (rc < 0 && !bv_over(f, &r))
			return bv_err("EVTCHN_NOTIFY", rc);
		if (wait_event_interruptible(f->wq, bv_run_ready(f, &r)))
			return -EINTR;
	}
	return copy_to_user(u, &r, sizeof(r)) ? -EFAULT : 0;
}

static __poll_t bv_poll_file(struct file *file, poll_table *pt)
{
	struct bvf *f = file->private_data;
	struct bivisor_run r;
	__poll_t mask = 0;

	if (!f->domid)
		return EPOLLERR;
	poll_wait(file, &f->wq, pt);
	if (bv_over(f, &r))
		return EPOLLHUP;
	for (u32 i = 0; f->ioreq && i < f->vcpus; i++)
		if (READ_ONCE(f->ioreq->slot[i].state) == BV_IOREQ_READY)
			mask = EPOLLIN | EPOLLRDNORM;
	return mask;
}

/* --- The calls that make a domain --- */

static long bv_create(struct bvf *f, void __user *u)
{
	struct bivisor_create c;
	struct bv_domain_create *a;
	long rc;

	if (copy_from_user(&c, u, sizeof(c)))
		return -EFAULT;
	if (f->domid || c.pad || !c.vcpus || c.vcpus > BV_MAX_VCPUS)
		return -EINVAL;
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	memcpy(a->name, c.name, BV_NAME_LEN);
	a->mem = c.mem;
	a->vcpus = c.vcpus;
	a->flags = c.flags;
	rc = bv_err("DOMAIN_CREATE", bv_hcp(BV_HC_DOMAIN_CREATE, a));
	kfree(a);
	if (rc < 0)
		return rc;
	f->domid = c.domid = rc;
	f->vcpus = c.vcpus;
	spin_lock_irq(&ports_lock);
	list_add(&f->link, &files);
	spin_unlock_irq(&ports_lock);
	return copy_to_user(u, &c, sizeof(c)) ? -EFAULT : 0;
}

static void bv_unpin(struct bv_pin *pin)
{
	unpin_user_pages(pin->pages, pin->npages);
	kvfree(pin->pages);
	kfree(pin);
}

static struct bv_pin *bv_pin_user(unsigned long uaddr, unsigned long n)
{
	struct bv_pin *pin = kzalloc(sizeof(*pin), GFP_KERNEL);
	long got;

	if (!pin)
		return ERR_PTR(-ENOMEM);
	pin->pages = kvcalloc(n, sizeof(*pin->pages), GFP_KERNEL);
	if (!pin->pages) {
		kfree(pin);
		return ERR_PTR(-ENOMEM);
	}
	while (pin->npages < n) {
		got = pin_user_pages_fast(uaddr + pin->npages * PAGE_SIZE,
					  min_t(unsigned long, n - pin->npages, INT_MAX),
					  FOLL_WRITE | FOLL_LONGTERM, pin->pages + pin->npages);
		if (got <= 0) {
			bv_unpin(pin);
			return ERR_PTR(got ? got : -EFAULT);
		}
		pin->npages += got;
	}
	return pin;
}

/* The pinned pages become client RAM from gpa, BV_POPULATE_MAX at a time. */
static long bv_populate(struct bvf *f, u64 gpa, const struct bv_pin *pin)
{
	struct bv_memory_populate *a = kzalloc(sizeof(*a), GFP_KERNEL);
	unsigned long i, j, n;
	long rc = 0;

	if (!a)
		return -ENOMEM;
	mutex_lock(&page_lock);
	for (i = 0; i < pin->npages && !rc; i += n) {
		n = min_t(unsigned long, pin->npages - i, BV_POPULATE_MAX);
		for (j = 0; j < n; j++)
			hc_page[j] = page_to_phys(pin->pages[i + j]);
		*a = (struct bv_memory_populate){ f->domid, n, gpa + i * PAGE_SIZE,
						  virt_to_phys(hc_page) };
		rc = bv_hcp(BV_HC_MEMORY_POPULATE, a);
	}
	mutex_unlock(&page_lock);
	kfree(a);
	return bv_err("MEMORY_POPULATE", rc);
}

static long bv_memory(struct bvf *f, void __user *u)
{
	struct bivisor_memory m;
	struct bv_pin *pin;

	if (copy_from_user(&m, u, sizeof(m)))
		return -EFAULT;
	if (!f->domid || !m.len || m.len > BIVISOR_MEMORY_MAX ||
	    (m.gpa | m.uaddr | m.len) % PAGE_SIZE)
		return -EINVAL;
	if (m.uaddr + m.len < m.uaddr || !access_ok((void __user *)m.uaddr, m.len))
		return -EFAULT;
	pin = bv_pin_user(m.uaddr, m.len >> PAGE_SHIFT);
	if (IS_ERR(pin))
		return PTR_ERR(pin);
	/* kept even on failure: pages populated before it stay in the client */
	list_add(&pin->link, &f->pins);
	return bv_populate(f, m.gpa, pin);
}

static long bv_set_regs(struct bvf *f, void __user *u)
{
	struct bv_vcpu_regs *r;
	long rc;

	if (!f->domid)
		return -EINVAL;
	r = memdup_user(u, sizeof(*r));
	if (IS_ERR(r))
		return PTR_ERR(r);
	r->domid = f->domid;
	rc = bv_err("VCPU_SET_REGS", bv_hcp(BV_HC_VCPU_SET_REGS, r));
	kfree(r);
	return rc;
}

static long bv_server(struct bvf *f, const struct bivisor_ioreq_ranges *r)
{
	struct bv_ioreq_server *a = kzalloc(sizeof(*a), GFP_KERNEL);
	long rc;

	if (!a)
		return -ENOMEM;
	a->domid = f->domid;
	a->nranges = r->nranges;
	a->page_gpa = virt_to_phys(f->ioreq);
	memcpy(a->range, r->range, sizeof(a->range));
	rc = bv_err("IOREQ_SERVER", bv_hcp(BV_HC_IOREQ_SERVER, a));
	kfree(a);
	return rc;
}

/* The ioreq page, the server, and a port that wakes this file. */
static long bv_ioreq_ranges(struct bvf *f, void __user *u)
{
	struct bivisor_ioreq_ranges r;
	long rc;

	if (copy_from_user(&r, u, sizeof(r)))
		return -EFAULT;
	if (!f->domid || f->ioreq || f->started || r.pad || !r.nranges ||
	    r.nranges > BV_IOREQ_RANGES)
		return -EINVAL;
	f->ioreq = (void *)get_zeroed_page(GFP_KERNEL);
	if (!f->ioreq)
		return -ENOMEM;
	rc = bv_server(f, &r);
	if (rc) {
		free_page((unsigned long)f->ioreq);
		f->ioreq = NULL;
		return rc;
	}
	rc = bv_err("EVTCHN_BIND", bv_hc(BV_HC_EVTCHN_BIND, f->domid, 0, 0));
	if (rc < 0)
		return rc;
	spin_lock_irq(&ports_lock);
	f->port = rc;
	ports[rc] = f;
	spin_unlock_irq(&ports_lock);
	return 0;
}

static long bv_start(struct bvf *f)
{
	long rc;

	if (!f->domid || f->started)
		return -EINVAL;
	rc = bv_err("DOMAIN_START", bv_hc(BV_HC_DOMAIN_START, f->domid, 0, 0));
	f->started = !rc;
	return rc;
}

static long bv_set_irq(struct bvf *f, void __user *u)
{
	struct bivisor_irq q;

	if (copy_from_user(&q, u, sizeof(q)))
		return -EFAULT;
	if (!f->domid || q.line > 23 || q.level > 1)
		return -EINVAL;
	return bv_err("SET_IRQ", bv_hc(BV_HC_SET_IRQ, f->domid, q.line, q.level));
}

/* --- Management, on any file --- */

static long bv_info(void __user *u, unsigned long how)
{
	struct bv_domain_info *info;
	long rc;

	info = memdup_user(u, sizeof(*info));
	if (IS_ERR(info))
		return PTR_ERR(info);
	rc = bv_err("DOMAIN_INFO", bv_hc(BV_HC_DOMAIN_INFO, info->domid, virt_to_phys(info), how));
	if (!rc && copy_to_user(u, info, sizeof(*info)))
		rc = -EFAULT;
	kfree(info);
	return rc;
}

/* The file that made domid (if any) learns it is gone. */
static void bv_mark_gone(u32 domid)
{
	struct bvf *f;

	spin_lock_irq(&ports_lock);
	list_for_each_entry(f, &files, link) {
		if (f->domid == domid) {
			WRITE_ONCE(f->gone, true);
			wake_up_all(&f->wq);
		}
	}
	spin_unlock_irq(&ports_lock);
}

/* BV_HC_DOMAIN_DESTROY, called again while a vCPU of the domain is still on a CPU
 * (-EBUSY, include/public/domctl.h), for up to 10 s: until it returns 0 the
 * domain may still write its pages, which must stay pinned. */
static long bv_destroy(u32 domid)
{
	long rc;

	for (int i = 0; i < 1000; i++) {
		rc = bv_hc(BV_HC_DOMAIN_DESTROY, domid, 0, 0);
		if (rc != -EBUSY)
			break;
		msleep(10);
	}
	if (rc == -EBUSY)
		pr_err("bivisor: domain %u: still on a CPU after 10 s; its pages stay pinned\n",
		       domid);
	return bv_err("DOMAIN_DESTROY", rc);
}

static long bv_by_domid(unsigned int cmd, u32 __user *u)
{
	static const unsigned long nr[] = { BV_HC_DOMAIN_PAUSE, BV_HC_DOMAIN_UNPAUSE,
					    BV_HC_DOMAIN_DESTROY };
	unsigned int i = _IOC_NR(cmd) - _IOC_NR(BIVISOR_PAUSE);
	u32 domid;
	long rc;

	if (get_user(domid, u))
		return -EFAULT;
	if (cmd == BIVISOR_DESTROY)
		rc = bv_destroy(domid);
	else
		rc = bv_err("PAUSE/UNPAUSE", bv_hc(nr[i], domid, 0, 0));
	if (!rc && cmd == BIVISOR_DESTROY)
		bv_mark_gone(domid);
	return rc;
}

static long bv_domain_ioctl(struct bvf *f, unsigned int cmd, void __user *u)
{
	switch (cmd) {
	case BIVISOR_CREATE:
		return bv_create(f, u);
	case BIVISOR_MEMORY:
		return bv_memory(f, u);
	case BIVISOR_SET_REGS:
		return bv_set_regs(f, u);
	case BIVISOR_IOREQ_RANGES:
		return bv_ioreq_ranges(f, u);
	case BIVISOR_START:
		return bv_start(f);
	case BIVISOR_SET_IRQ:
		return bv_set_irq(f, u);
	}
	return -ENOTTY;
}

static long bv_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct bvf *f = file->private_data;
	void __user *u = (void __user *)arg;
	long rc;

	switch (cmd) {
	case BIVISOR_VERSION:
		return BIVISOR_DEV_VERSION;
	case BIVISOR_RUN:
		return bv_run(f, u);
	case BIVISOR_INFO:
		return bv_info(u, 0);
	case BIVISOR_INFO_NEXT:
		return bv_info(u, BV_DOMAIN_INFO_NEXT);
	case BIVISOR_PAUSE:
	case BIVISOR_UNPAUSE:
	case BIVISOR_DESTROY:
		return bv_by_domid(cmd, u);
	}
	mutex_lock(&f->lock);
	rc = bv_domain_ioctl(f, cmd, u);
	mutex_unlock(&f->lock);
	return rc;
}

/* --- The file --- */

static int bv_open(struct inode *inode, struct file *file)
{
	struct bvf *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	f->info = kzalloc(sizeof(*f->info), GFP_KERNEL);
	if (!f->info) {
		kfree(f);
		return -ENOMEM;
	}
	mutex_init(&f->lock);
	spin_lock_init(&f->info_lock);
	init_waitqueue_head(&f->wq);
	INIT_LIST_HEAD(&f->pins);
	INIT_LIST_HEAD(&f->link);
	file->private_data = f;
	return 0;
}

/* No longer woken by its port, nor found by domid. */
static void bv_unlink(struct bvf *f)
{
	spin_lock_irq(&ports_lock);
	if (f->port)
		ports[f->port] = NULL;
	list_del_init(&f->link);
	spin_unlock_irq(&ports_lock);
}

/* Its device model is gone: the domain goes too, then the pages come back. */
static int bv_release(struct inode *inode, struct file *file)
{
	struct bvf *f = file->private_data;
	struct bv_pin *pin, *next;

	bv_unlink(f);
	if (f->domid && !f->gone) {
		pr_info("bivisor: domain %u: /dev/bivisor closed, destroying it\n", f->domid);
		if (bv_destroy(f->domid) == -EBUSY)
			goto leak; /* better lost than written by a domain still running */
	}
	list_for_each_entry_safe(pin, next, &f->pins, link)
		bv_unpin(pin);
	if (f->ioreq)
		free_page((unsigned long)f->ioreq);
leak:
	kfree(f->info);
	kfree(f);
	return 0;
}

static const struct file_operations bv_fops = {
	.owner = THIS_MODULE,
	.open = bv_open,
	.release = bv_release,
	.unlocked_ioctl = bv_ioctl,
	.poll = bv_poll_file,
	.llseek = noop_llseek,
};

static struct miscdevice bv_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "bivisor",
	.fops = &bv_fops,
	.mode = 0600,
};

/* --- The module --- */

static void bv_pages_free(void)
{
	free_page((unsigned long)evt);
	free_page((unsigned long)hc_page);
}

static int __init bv_init(void)
{
	int rc = bv_detect();

	if (rc)
		return rc;
	evt = (void *)get_zeroed_page(GFP_KERNEL);
	hc_page = (void *)get_zeroed_page(GFP_KERNEL);
	if (!evt || !hc_page) {
		bv_pages_free();
		return -ENOMEM;
	}
	rc = bv_notify_setup();
	if (!rc)
		rc = misc_register(&bv_misc);
	if (!rc)
		return 0;
	bv_notify_stop();
	bv_hc(BV_HC_EVTCHN_SETUP, 0, BV_EVTCHN_RESET, 0);
	bv_pages_free();
	return rc;
}

/* Every file is closed (each held the module), so no domain of ours is left. */
static void __exit bv_exit(void)
{
	misc_deregister(&bv_misc);
	bv_notify_stop();
	if (bv_hc(BV_HC_EVTCHN_SETUP, 0, BV_EVTCHN_RESET, 0)) {
		pr_err("bivisor: the hypervisor kept the event page; leaving it allocated\n");
		free_page((unsigned long)hc_page);
		return;
	}
	bv_pages_free();
	pr_info("bivisor: unloaded\n");
}

module_init(bv_init);
module_exit(bv_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("bivisor service domain: /dev/bivisor for bvm");
