/*
 * kernel/domctl.c: the service domain (module option role=service, one at
 * most) and the client domains it makes with the control hypercalls of
 * include/public/domctl.h (the model is ACRN's Service VM and Xen's domctl).
 * A client's RAM is the service's own pages, mapped into the client's nested
 * tables (kernel/gpt.c). A client that ends or crashes stays as a zombie for
 * BV_HC_DOMAIN_DESTROY; when the service ends, each client is crashed and
 * reaped, and the service's frames go back only after its last client, whose
 * tables map them. Every argument is the service's and is checked whole
 * before anything changes; the calls run under one control lock.
 */
#include "include/public/domctl.h"
#include "include/public/hypercall.h"
#include "drivers/firmware/loader.h"
#include "kernel/domain.h"
#include "kernel/domctl.h"
#include "kernel/evtchn.h"
#include "kernel/hypercall.h"
#include "kernel/ioreq.h"
#include "kernel/printk.h"
#include "kernel/run.h"
#include "kernel/sched.h"
#include "lib/format.h"
#include "lib/sizes.h"
#include "lib/string.h"

#define CLIENT_MEM_MAX (1ull << 40)

static spinlock_t ctl_lock;
static struct domain *service;
static struct domain *clients[DOMCTL_MAX_CLIENTS];
static uint64_t frame_list[BV_POPULATE_MAX]; /* under ctl_lock */

uint64_t domctl_lock(void)
{
	return spin_lock_irqsave(&ctl_lock);
}

void domctl_unlock(uint64_t flags)
{
	spin_unlock_irqrestore(&ctl_lock, flags);
}

int domctl_trylock(uint64_t *flags)
{
	*flags = irq_save();
	if (spin_trylock_bounded(&ctl_lock, 1))
		return 1;
	irq_restore(*flags);
	return 0;
}

int domctl_set_service(struct domain *d)
{
	if (service)
		return -EEXIST;
	service = d;
	d->role |= BV_CPUID_ROLE_SERVICE;
	d->refs = 1;
	return 0;
}

struct domain *domctl_service(void)
{
	return service;
}

struct domain *domctl_client(unsigned int i)
{
	return i < DOMCTL_MAX_CLIENTS ? clients[i] : NULL;
}

struct domain *domctl_find(struct domain *s, uint64_t domid)
{
	for (unsigned int i = 0; i < DOMCTL_MAX_CLIENTS; i++)
		if (clients[i] && clients[i]->id == domid && clients[i]->service == s)
			return clients[i];
	return NULL;
}

/* A client that is neither a zombie nor being reaped. */
static struct domain *find_live(struct domain *s, uint64_t domid)
{
	struct domain *c = domctl_find(s, domid);

	return c && __atomic_load_n(&c->life, __ATOMIC_ACQUIRE) == DOMCTL_LIVE ? c : NULL;
}

static void unlink_client(struct domain *c)
{
	for (unsigned int i = 0; i < DOMCTL_MAX_CLIENTS; i++)
		if (clients[i] == c)
			clients[i] = NULL;
}

/* The service holds one reference for itself and one per client not yet freed. */
static void service_put(struct domain *s)
{
	if (!__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL))
		run_domain_gone(s);
}

static void client_free(struct domain *c)
{
	struct domain *s = c->service;

	evtchn_unbind(c);
	ioreq_server_free(c);
	domain_destroy(c);
	service_put(s);
}

/* LIVE -> to; 1 if this call made the change. */
static int life_move(struct domain *c, int to)
{
	int from = DOMCTL_LIVE;

	return __atomic_compare_exchange_n(&c->life, &from, to, 0, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/* The service is told (its port) and the client waits as a zombie; one that was
 * destroyed meanwhile is freed here, by the CPU that stopped it last. */
static void client_finished(struct domain *c)
{
	if (__atomic_load_n(&c->life, __ATOMIC_ACQUIRE) == DOMCTL_LIVE)
		evtchn_raise(c);
	if (!life_move(c, DOMCTL_ZOMBIE))
		client_free(c);
}

/* Ends a client (destroyed, or crashed when its service ended); a zombie is freed at
 * once, a running one by the CPU that stops its last vCPU. */
static void client_kill(struct domain *c, const char *why, int crash)
{
	unlink_client(c);
	evtchn_unbind(c);
	if (!life_move(c, DOMCTL_REAP))
		client_free(c);
	else if (crash)
		domain_crash(c, NULL, "%s", why);
	else
		domain_kill(c, why);
}

static int service_finished(struct domain *s)
{
	char why[80];
	uint64_t flags = domctl_lock();

	fmt_snprintf(why, sizeof(why), "its service domain %s ended", s->name);
	for (unsigned int i = 0; i < DOMCTL_MAX_CLIENTS; i++)
		if (clients[i])
			client_kill(clients[i], why, 1);
	evtchn_reset();
	service = NULL;
	domctl_unlock(flags);
	service_put(s);
	return 1;
}

int domctl_finished(struct domain *d)
{
	if (d->service) {
		client_finished(d);
		return 1;
	}
	if (d->role & BV_CPUID_ROLE_SERVICE)
		return service_finished(d);
	return 0;
}

/* --- BV_HC_DOMAIN_CREATE --- */

static int name_ok(const char *n)
{
	size_t len = 0;

	while (len < BV_NAME_LEN && n[len])
		len++;
	if (!len || len == BV_NAME_LEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
		      (n[i] >= '0' && n[i] <= '9') || n[i] == '-' || n[i] == '_'))
			return 0;
	return 1;
}

static int name_in_use(const char *n)
{
	uint64_t flags = sched_lock_all();
	int used = 0;

	for (unsigned int i = 0; sched_domain(i); i++)
		used |= !strcmp(sched_domain(i)->name, n);
	sched_unlock_all(flags);
	for (unsigned int i = 0; i < DOMCTL_MAX_CLIENTS; i++)
		used |= clients[i] && !strcmp(clients[i]->name, n);
	return used;
}

static int free_slot(void)
{
	for (int i = 0; i < DOMCTL_MAX_CLIENTS; i++)
		if (!clients[i])
			return i;
	return -1;
}

long domctl_create(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct bv_domain_create a;
	struct domain_config cfg = { .client = 1 };
	struct domain *c;
	int slot = free_slot();

	(void)a1, (void)a2;
	if (hc_copy_from(s, a0, &a, sizeof(a)))
		return -EFAULT;
	if (!name_ok(a.name) || a.mem % BV_PAGE_SIZE || a.mem < SZ_2M || a.mem > CLIENT_MEM_MAX ||
	    !a.vcpus || a.vcpus > BV_MAX_VCPUS || a.flags)
		return -EINVAL;
	if (name_in_use(a.name))
		return -EEXIST;
	if (slot < 0)
		return -ENOSPC;
	memcpy(cfg.name, a.name, BV_NAME_LEN);
	cfg.mem = a.mem;
	cfg.vcpus = a.vcpus;
	c = domain_create(&cfg);
	if (!c)
		return -ENOMEM;
	c->service = s;
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
	clients[slot] = c;
	pr_info("domain %s: created by %s: id %u, %lu KiB of its RAM, %u vcpus\n", c->name, s->name,
		c->id, c->ram_size >> 10, c->nvcpus);
	return c->id;
}

/* --- BV_HC_MEMORY_POPULATE --- */

/* Maps frame_list[0..n) (host frames by now) at gpa, merging runs; all or nothing. */
static int populate_map(struct domain *c, gpa_t gpa, unsigned int n)
{
	for (unsigned int i = 0, j; i < n; i = j) {
		int rc;

		for (j = i + 1; j < n && frame_list[j] == frame_list[i] + (j - i) * PAGE_SIZE; j++)
			;
		rc = domain_gpt_map(c, gpa + i * PAGE_SIZE, frame_list[i], (j - i) * PAGE_SIZE,
				    VM_PROT_RWX);
		if (rc) {
			domain_gpt_unmap(c, gpa, i * PAGE_SIZE);
			return rc;
		}
	}
	c->populated += n;
	return 0;
}

long domctl_populate(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct bv_memory_populate a;
	struct domain *c;
	hpa_t hpa;

	(void)a1, (void)a2;
	if (hc_copy_from(s, a0, &a, sizeof(a)))
		return -EFAULT;
	c = find_live(s, a.domid);
	if (!c || !a.count || a.count > BV_POPULATE_MAX || a.gpa % PAGE_SIZE ||
	    a.gpa >= c->ram_size || a.count > (c->ram_size - a.gpa) / PAGE_SIZE)
		return -EINVAL;
	if (hc_copy_from(s, a.frames_gpa, frame_list, a.count * sizeof(frame_list[0])))
		return -EFAULT;
	for (unsigned int i = 0; i < a.count; i++) {
		if (frame_list[i] % PAGE_SIZE || domain_gpa_to_hpa(s, frame_list[i], &hpa) ||
		    !domain_gpa_to_hpa(c, a.gpa + i * PAGE_SIZE, &hpa))
			return -EINVAL;
	}
	for (unsigned int i = 0; i < a.count; i++)
		domain_gpa_to_hpa(s, frame_list[i], &frame_list[i]);
	return populate_map(c, a.gpa, a.count);
}

/* --- BV_HC_VCPU_SET_REGS, _DOMAIN_START, _PAUSE, _UNPAUSE --- */

long domctl_set_regs(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct bv_vcpu_regs r;
	struct fw_boot_cpu cpu;
	struct domain *c;

	(void)a1, (void)a2;
	if (hc_copy_from(s, a0, &r, sizeof(r)))
		return -EFAULT;
	c = find_live(s, r.domid);
	if (!c || c->started || r.vcpu >= c->nvcpus || r.mode > BV_CPU_LONG64 || r.pad || r.pad2)
		return -EINVAL;
	cpu = (struct fw_boot_cpu){
		.mode = r.mode == BV_CPU_LONG64 ? FW_CPU_LONG64 : FW_CPU_PROT32,
		.rip = r.rip,
		.rsp = r.rsp,
		.rax = r.rax,
		.rbx = r.rbx,
		.rsi = r.rsi,
		.rdi = r.rdi,
		.cr3 = r.cr3,
		.gdt_base = r.gdt_base,
		.gdt_limit = r.gdt_limit,
		.code_sel = r.code_sel,
		.data_sel = r.data_sel,
	};
	vcpu_set_boot_state(c->vcpus[r.vcpu], &cpu);
	c->vcpus[r.vcpu]->wait = WAIT_NONE; /* an AP given registers starts with the BSP */
	return 0;
}

long domctl_start(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct domain *c = find_live(s, a0);

	(void)a1, (void)a2;
	if (!c || c->started || c->state != DOMAIN_RUNNING)
		return -EINVAL;
	if (sched_ndomains() >= MAX_DOMAINS)
		return -ENOSPC;
	c->started = 1;
	pr_info("domain %s: started by %s\n", c->name, s->name);
	sched_add_domain(c);
	return 0;
}

static long pause_client(struct domain *s, uint64_t domid, int pause)
{
	struct domain *c = find_live(s, domid);

	if (!c || !c->started)
		return -EINVAL;
	return sched_domain_pause(c, pause);
}

long domctl_pause(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)a1, (void)a2;
	return pause_client(s, a0, 1);
}

long domctl_unpause(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)a1, (void)a2;
	return pause_client(s, a0, 0);
}

/* --- BV_HC_DOMAIN_DESTROY, _INFO --- */

long domctl_destroy(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct domain *c = domctl_find(s, a0);
	char why[80];

	(void)a1, (void)a2;
	if (!c)
		return -EINVAL;
	fmt_snprintf(why, sizeof(why), "destroyed by its service domain %s", s->name);
	client_kill(c, why, 0);
	return 0;
}

static uint32_t info_state(const struct domain *c)
{
	if (c->state == DOMAIN_ENDED)
		return BV_DOMAIN_ENDED;
	if (c->state == DOMAIN_CRASHED)
		return BV_DOMAIN_CRASHED;
	if (!c->started)
		return BV_DOMAIN_CREATED;
	return c->paused ? BV_DOMAIN_PAUSED : BV_DOMAIN_RUNNING;
}

long domctl_info(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct domain *c = domctl_find(s, a0);
	struct bv_domain_info info = { 0 };

	(void)a2;
	if (!c)
		return -EINVAL;
	info.domid = c->id;
	info.state = info_state(c);
	info.exit_status = info.state == BV_DOMAIN_ENDED ? c->exit_status : -1;
	info.vcpus = c->nvcpus;
	info.mem = c->ram_size;
	info.populated = c->populated;
	memcpy(info.name, c->name, BV_NAME_LEN);
	return hc_copy_to(s, a1, &info, sizeof(info));
}

/* --- BV_HC_IOREQ_SERVER, _SET_IRQ, _MEMORY_READ / _WRITE / _MAP --- */

long domctl_ioreq_server(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)a1, (void)a2;
	return ioreq_server_register(s, a0);
}

long domctl_set_irq(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)s, (void)a0, (void)a1, (void)a2;
	return -ENOSYS;
}

long domctl_memory_read(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)s, (void)a0, (void)a1, (void)a2;
	return -ENOSYS;
}

long domctl_memory_write(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)s, (void)a0, (void)a1, (void)a2;
	return -ENOSYS;
}

long domctl_memory_map(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)s, (void)a0, (void)a1, (void)a2;
	return -ENOSYS;
}
