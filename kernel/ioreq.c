/*
 * kernel/ioreq.c: forwarded I/O (include/public/ioreq.h, after Xen's ioreq
 * servers and ACRN's I/O requests). The service registers ranges of a
 * client's ports and MMIO on the client's I/O bus (drivers/iobus.c). An
 * access there fills the vCPU's slot, marks it READY, raises the client's
 * event channel and blocks the vCPU (WAIT_IOREQ) without finishing the
 * instruction. The service answers and calls NOTIFY: the slot is read once
 * and checked against the request the hypervisor kept, and the vCPU wakes.
 * Before its next entry it handles the same exit again (ioreq_resume); the
 * access then finds its answer in the vCPU's log and the instruction ends
 * through the normal path (RAX for IN, the MMIO emulator's register write,
 * RIP). A bad reply crashes the client, never the hypervisor.
 */
#include "arch/x86/percpu.h"
#include "arch/x86/tsc.h"
#include "include/public/ioreq.h"
#include "kernel/domain.h"
#include "kernel/domctl.h"
#include "kernel/evtchn.h"
#include "kernel/exit.h"
#include "kernel/hypercall.h"
#include "kernel/ioreq.h"
#include "kernel/mm.h"
#include "kernel/printk.h"
#include "kernel/sched.h"

#define TIMEOUT_CHECK_NS 100000000ull /* CPU 0 looks for late answers every 100 ms */

struct ioreq_range {
	struct ioreq_server *srv;
	uint64_t base;
	uint8_t type;
};

struct ioreq_server {
	struct domain *c;
	struct bv_ioreq_page *page; /* in the service's RAM: untrusted */
	spinlock_t lock;	    /* a slot and its vCPU's kept request change together */
	struct ioreq_range range[BV_IOREQ_RANGES];
};

/* --- Registration (BV_HC_IOREQ_SERVER; the checks are kernel/ioreq_check.c) --- */

static int fwd_read(void *dev, uint64_t off, unsigned int size, uint64_t *value);
static int fwd_write(void *dev, uint64_t off, unsigned int size, uint64_t value);

static void ranges_add(struct ioreq_server *srv, const struct bv_ioreq_server *a)
{
	struct domain *c = srv->c;
	uint64_t flags = spin_lock_irqsave(&c->dev_lock);

	for (unsigned int i = 0; i < a->nranges; i++) {
		const struct bv_ioreq_range *r = &a->range[i];
		struct dm_io_region reg = {
			.name = r->type == BV_IOREQ_PIO ? "ioreq-port" : "ioreq-mmio",
			.space = r->type == BV_IOREQ_PIO ? DM_SPACE_PIO : DM_SPACE_MMIO,
			.base = r->base,
			.len = r->len,
			.read = fwd_read,
			.write = fwd_write,
			.dev = &srv->range[i],
		};

		srv->range[i] = (struct ioreq_range){ srv, r->base, (uint8_t)r->type };
		iobus_register(&c->bus, &reg, NULL); /* checked by ioreq_args_check */
	}
	spin_unlock_irqrestore(&c->dev_lock, flags);
}

long ioreq_server_register(struct domain *s, uint64_t args_gpa)
{
	static struct bv_ioreq_server a; /* under the control lock */
	struct ioreq_server *srv;
	struct bv_ioreq_page *page;
	struct domain *c;
	int rc;

	if (hc_copy_from(s, args_gpa, &a, sizeof(a)))
		return -EFAULT;
	c = domctl_find(s, a.domid);
	if (!c || c->life != DOMCTL_LIVE || c->ioreq)
		return -EINVAL;
	rc = ioreq_args_check(&a, c->ram_size, &c->bus);
	if (rc)
		return rc;
	page = s->env.mem_translate(s, a.page_gpa, PAGE_SIZE);
	if (!page)
		return -EFAULT;
	srv = kzalloc(sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->c = c;
	srv->page = page;
	ranges_add(srv, &a);
	__atomic_store_n(&c->ioreq, srv, __ATOMIC_RELEASE);
	return 0;
}

void ioreq_server_free(struct domain *c)
{
	kfree(c->ioreq);
	c->ioreq = NULL;
}

/* --- Forwarding, on the client vCPU's CPU (the bus holds its domain's dev_lock) --- */

static void send(struct ioreq_server *srv, struct vcpu *v, const struct ioreq_access *a)
{
	struct bv_ioreq *slot = &srv->page->slot[v->id];
	struct vcpu_ioreq *io = &v->io;
	uint64_t flags = spin_lock_irqsave(&srv->lock);

	slot->addr = a->addr;
	slot->data = a->data;
	slot->size = a->size;
	slot->count = 1;
	slot->type = a->type;
	slot->dir = a->dir;
	slot->pad = 0;
	io->log[io->nlog] = *a;
	if (io->cur != &io->exit)
		io->exit = *io->cur;
	io->since_ns = tsc_ns();
	__atomic_store_n(&io->state, IOREQ_WAITING, __ATOMIC_RELEASE);
	__atomic_store_n(&slot->state, BV_IOREQ_READY, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&srv->lock, flags);
	v->wait = WAIT_IOREQ;
	evtchn_raise(srv->c);
}

/* An access to a forwarded range: answered from the log on a replay, else sent. */
static int forward(struct ioreq_range *r, uint64_t off, unsigned int size, int dir, uint64_t *val)
{
	struct vcpu *v = sched_queue(this_cpu()->id)->curr;
	struct vcpu_ioreq *io = &v->io;
	struct ioreq_access a = { r->base + off, dir == BV_IOREQ_WRITE ? *val : 0, size, r->type,
				  (uint8_t)dir };

	if (io->pos < io->nlog && ioreq_same_access(&io->log[io->pos], &a)) {
		*val = io->log[io->pos++].data;
		io->replayed = 1;
		return 0;
	}
	if (io->pos < io->nlog || io->nlog == IOREQ_LOG) {
		domain_crash(v->dom, v, "an instruction made another forwarded access on replay");
		return -EIO;
	}
	send(r->srv, v, &a);
	return 0;
}

static int fwd_read(void *dev, uint64_t off, unsigned int size, uint64_t *value)
{
	return forward(dev, off, size, BV_IOREQ_READ, value);
}

static int fwd_write(void *dev, uint64_t off, unsigned int size, uint64_t value)
{
	return forward(dev, off, size, BV_IOREQ_WRITE, &value);
}

/* --- Completion (BV_HC_EVTCHN_NOTIFY, on the service's CPU, under the control lock) --- */

/* The service answered slot i of v with the request it kept: v wakes. */
static void take_answer(struct vcpu *v, struct bv_ioreq *slot, const struct ioreq_access *got)
{
	struct vcpu_ioreq *io = &v->io;
	struct ioreq_access *k = &io->log[io->nlog];

	if (k->dir == BV_IOREQ_READ)
		k->data = ioreq_read_value(k, got->data);
	__atomic_store_n(&slot->state, BV_IOREQ_NONE, __ATOMIC_RELEASE);
	io->nlog++;
	__atomic_store_n(&io->state, IOREQ_DONE, __ATOMIC_RELEASE);
	sched_kick(v);
}

/* The request v waits for in its slot, or NULL. */
static const struct ioreq_access *kept_request(struct ioreq_server *srv, unsigned int i)
{
	struct vcpu *v = i < srv->c->nvcpus ? srv->c->vcpus[i] : NULL;

	if (!v || __atomic_load_n(&v->io.state, __ATOMIC_ACQUIRE) != IOREQ_WAITING)
		return NULL;
	return &v->io.log[v->io.nlog];
}

/* One slot, read once and judged by ioreq_slot_verdict: 0, or -EINVAL when it moved with
 * no request waiting in it. */
static int complete_slot(struct ioreq_server *srv, unsigned int i)
{
	volatile struct bv_ioreq *vs = &srv->page->slot[i];
	uint32_t st = __atomic_load_n(&srv->page->slot[i].state, __ATOMIC_ACQUIRE);
	struct ioreq_access got = { vs->addr, vs->data, vs->size, vs->type, vs->dir };
	const struct ioreq_access *k = kept_request(srv, i);
	const char *sname = srv->c->service->name;

	switch (ioreq_slot_verdict(st, &got, k)) {
	case IOREQ_V_STRAY:
		pr_warn("domain %s: ioreq slot %u moved to state %u with no request in it; set "
			"back to NONE\n",
			srv->c->name, i, st);
		__atomic_store_n(&srv->page->slot[i].state, BV_IOREQ_NONE, __ATOMIC_RELEASE);
		return -EINVAL;
	case IOREQ_V_TAKE:
		take_answer(srv->c->vcpus[i], &srv->page->slot[i], &got);
		break;
	case IOREQ_V_OTHER:
		domain_crash(srv->c, NULL,
			     "its service domain %s answered ioreq slot %u with another request "
			     "(addr %#lx size %u type %u dir %u, asked addr %#lx size %u)",
			     sname, i, got.addr, got.size, got.type, got.dir, k->addr, k->size);
		break;
	case IOREQ_V_BACKWARDS:
		domain_crash(srv->c, NULL,
			     "its service domain %s set ioreq slot %u back to %s (a transition "
			     "that goes backwards)",
			     sname, i, ioreq_state_name(st));
		break;
	default:
		break;
	}
	return 0;
}

long ioreq_complete(struct domain *c)
{
	struct ioreq_server *srv = c->ioreq;
	uint64_t flags;
	int rc = 0;

	if (!srv)
		return -EINVAL;
	flags = spin_lock_irqsave(&srv->lock);
	for (unsigned int i = 0; i < BV_IOREQ_SLOTS && c->state == DOMAIN_RUNNING; i++)
		rc |= complete_slot(srv, i);
	spin_unlock_irqrestore(&srv->lock, flags);
	return rc ? -EINVAL : 0;
}

/* --- Resuming, on the vCPU's CPU before its entry (kernel/run.c) --- */

int ioreq_resume(struct vcpu *v)
{
	struct vcpu_ioreq *io = &v->io;

	if (__atomic_load_n(&io->state, __ATOMIC_ACQUIRE) != IOREQ_DONE)
		return 0;
	io->state = IOREQ_IDLE;
	io->pos = 0;
	io->replayed = 0;
	v->wait = WAIT_NONE;
	io->cur = &io->exit;
	exit_handlers[io->exit.kind](v, &io->exit);
	if (v->wait == WAIT_IOREQ)
		return 0; /* the instruction's next access went out */
	ioreq_exit_done(io);
	return v->dom->state == DOMAIN_RUNNING;
}

/* --- Timeouts, on CPU 0 --- */

static void client_timeouts(struct domain *c, uint64_t now_ns)
{
	for (unsigned int i = 0; i < c->nvcpus; i++) {
		struct vcpu_ioreq *io = &c->vcpus[i]->io;

		if (__atomic_load_n(&io->state, __ATOMIC_ACQUIRE) == IOREQ_WAITING &&
		    now_ns > io->since_ns &&
		    now_ns - io->since_ns > BV_IOREQ_TIMEOUT_MS * 1000000ull) {
			domain_crash(c, NULL,
				     "its service domain %s did not answer an ioreq for %u s",
				     c->service->name, BV_IOREQ_TIMEOUT_MS / 1000);
			return;
		}
	}
}

void ioreq_check_timeouts(uint64_t now_ns)
{
	static uint64_t next;
	uint64_t flags;

	if (now_ns < next || !domctl_trylock(&flags))
		return;
	next = now_ns + TIMEOUT_CHECK_NS;
	for (unsigned int i = 0; i < DOMCTL_MAX_CLIENTS; i++)
		if (domctl_client(i) && domctl_client(i)->life == DOMCTL_LIVE)
			client_timeouts(domctl_client(i), now_ns);
	domctl_unlock(flags);
}
