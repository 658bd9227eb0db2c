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
#include "kernel/hc_check.h"
#include "kernel/hypercall.h"
#include "kernel/ioreq.h"
#include "kernel/platform.h"
#include "kernel/printk.h"
#include "kernel/run.h"
#include "kernel/sched.h"
#include "lib/format.h"
#include "lib/string.h"

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
static void maps_undo(struct domain *c);

static void client_kill(struct domain *c, const char *why, int crash)
{
	unlink_client(c);
	evtchn_unbind(c);
	maps_undo(c);
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
	if (hc_check_create(&a))
		return -EINVAL;
	if (name_in_use(a.name))
		return -EEXIST;
	if (slot < 0)
		return -ENOSPC;
	memcpy(cfg.name, a.name, BV_NAME_LEN);
	cfg.mem = a.mem;
	cfg.vcpus = a.vcpus;
	cfg.no_com1 = !!(a.flags & BV_DOMAIN_FORWARD_COM1);
	c = domain_create(&cfg);
	if (!c)
		return -ENOMEM;
	if (platform_create(c)) { /* the PC every domain gets (docs/pc-platform.md) */
		domain_destroy(c);
		return -ENOMEM;
	}
	c->service = s;
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
	clients[slot] = c;
	pr_info("domain %s: created by %s: id %u, %lu KiB of its RAM, %u vcpus%s\n", c->name,
		s->name, c->id, c->ram_size >> 10, c->nvcpus,
		cfg.no_com1 ? ", COM1 forwarded" : "");
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
	if (!c || hc_check_populate(&a, c->ram_size))
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
	if (!c || hc_check_set_regs(&r, c->nvcpus, c->started))
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
	if (c->started && c->state == DOMAIN_RUNNING) {
		fmt_snprintf(why, sizeof(why),
			     "id %u: destroyed by its service domain %s while running", c->id,
			     s->name);
		if (!c->paused)
			sched_domain_pause(c, 1);
	} else {
		fmt_snprintf(why, sizeof(why), "destroyed by its service domain %s", s->name);
	}
	/* off every CPU first, so it is freed before the service reuses its pages: a
	 * vCPU still on one (paused, kicked, not yet out) makes the service call again */
	if (sched_domain_wait_off(c)) {
		pr_info("domain %s: still on a CPU 100 ms after its pause; destroy again\n",
			c->name);
		return -EBUSY;
	}
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

/* BV_DOMAIN_INFO_NEXT: s's client with the smallest id above domid. */
static struct domain *find_next(struct domain *s, uint64_t domid)
{
	struct domain *best = NULL;

	for (unsigned int i = 0; i < DOMCTL_MAX_CLIENTS; i++) {
		struct domain *c = clients[i];

		if (c && c->service == s && c->id > domid && (!best || c->id < best->id))
			best = c;
	}
	return best;
}

static uint64_t cpu_ns(const struct domain *c)
{
	uint64_t ns = 0;

	for (unsigned int i = 0; i < c->nvcpus; i++)
		ns += __atomic_load_n(&c->vcpus[i]->run_ns, __ATOMIC_RELAXED);
	return ns;
}

long domctl_info(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct domain *c;
	struct bv_domain_info info = { 0 };

	if (hc_check_info(a2))
		return -EINVAL;
	c = a2 ? find_next(s, a0) : domctl_find(s, a0);
	if (!c)
		return a2 ? -ENOENT : -EINVAL;
	info.domid = c->id;
	info.state = info_state(c);
	info.exit_status = info.state == BV_DOMAIN_ENDED ? c->exit_status : -1;
	info.vcpus = c->nvcpus;
	info.mem = c->ram_size;
	info.populated = c->populated;
	info.cpu_ns = cpu_ns(c);
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
	struct domain *c = find_live(s, a0);
	uint64_t flags;

	if (!c || hc_check_set_irq(c->plat != NULL, a1, a2))
		return -EINVAL;
	flags = spin_lock_irqsave(&c->dev_lock);
	c->env.set_irq(c, (unsigned int)a1, (int)a2);
	spin_unlock_irqrestore(&c->dev_lock, flags);
	return 0;
}

/* -EINVAL unless every page of [gpa, gpa + len), inside its RAM (hc_check_*), is populated. */
static int client_populated(struct domain *c, gpa_t gpa, uint64_t len)
{
	hpa_t hpa;

	for (gpa_t p = gpa & ~(PAGE_SIZE - 1); p < gpa + len; p += PAGE_SIZE)
		if (domain_gpa_to_hpa(c, p, &hpa))
			return -EINVAL;
	return 0;
}

/* Client -> service (read) or back, through one page at a time. */
static long memory_copy(struct domain *s, uint64_t args, int write)
{
	static uint8_t bounce[PAGE_SIZE]; /* under the control lock */
	struct bv_memory_copy a;
	struct domain *c;

	if (hc_copy_from(s, args, &a, sizeof(a)))
		return -EFAULT;
	c = find_live(s, a.domid);
	if (!c || hc_check_copy(&a, c->ram_size) || client_populated(c, a.gpa, a.len))
		return -EINVAL;
	if (!hc_range_in(s->ram_size, a.buf_gpa, a.len))
		return -EFAULT;
	for (uint64_t off = 0, n; off < a.len; off += n) {
		n = a.len - off < PAGE_SIZE ? a.len - off : PAGE_SIZE;
		if (write) {
			s->env.mem_read(s, a.buf_gpa + off, bounce, n);
			c->env.mem_write(c, a.gpa + off, bounce, n);
		} else {
			c->env.mem_read(c, a.gpa + off, bounce, n);
			s->env.mem_write(s, a.buf_gpa + off, bounce, n);
		}
	}
	return 0;
}

long domctl_memory_read(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)a1, (void)a2;
	return memory_copy(s, a0, 0);
}

long domctl_memory_write(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)a1, (void)a2;
	return memory_copy(s, a0, 1);
}

/* The service's window for a map (its place checked by hc_check_map) is unused. */
static int service_window_free(struct domain *s, gpa_t gpa, uint64_t len)
{
	struct gpt_leaf leaf;

	for (gpa_t p = gpa; p < gpa + len; p += PAGE_SIZE)
		if (!gpt_lookup(&s->gpt, p, &leaf))
			return 0;
	return 1;
}

long domctl_memory_map(struct domain *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct bv_memory_map a;
	struct domain *c;
	uint64_t len;
	hpa_t hpa;
	int rc;

	(void)a1, (void)a2;
	if (hc_copy_from(s, a0, &a, sizeof(a)))
		return -EFAULT;
	c = find_live(s, a.domid);
	len = (uint64_t)a.count * PAGE_SIZE;
	if (!c || hc_check_map(&a, c->ram_size, s->ram_size) || client_populated(c, a.gpa, len) ||
	    !service_window_free(s, a.service_gpa, len))
		return -EINVAL;
	if (c->nmaps == DOMAIN_MAX_MAPS)
		return -ENOSPC;
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		domain_gpa_to_hpa(c, a.gpa + off, &hpa);
		rc = domain_gpt_map(s, a.service_gpa + off, hpa, PAGE_SIZE,
				    VM_PROT_READ | VM_PROT_WRITE);
		if (rc) {
			domain_gpt_unmap(s, a.service_gpa, off);
			return rc;
		}
	}
	c->maps[c->nmaps++] = (struct domain_map){ a.service_gpa, len };
	return 0;
}

/* A client goes: its pages leave the service's space (each vCPU of the service flushes
 * at its next entry, kernel/gpt.h:gpt_tlb_stale); the frames stay the service's. */
static void maps_undo(struct domain *c)
{
	for (unsigned int i = 0; i < c->nmaps; i++)
		domain_gpt_unmap(c->service, c->maps[i].service_gpa, c->maps[i].len);
	c->nmaps = 0;
}
