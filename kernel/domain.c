/*
 * kernel/domain.c: creating and destroying domains. Guest RAM is one
 * contiguous, 2 MiB-aligned run of host frames mapped at guest-physical 0
 * (with lazy=1, none: kernel/balloon.c backs each page at its first touch);
 * every frame a domain takes (RAM, nested tables, control blocks) is counted,
 * and domain_destroy checks that the count returns to zero. The guest's COM1
 * and its output lines are kernel/guest_console.c.
 */
#include <stdarg.h>

#include "arch/x86/percpu.h"
#include "arch/x86/tsc.h"
#include "drivers/dm_ram.h"
#include "drivers/firmware/loader.h"
#include "kernel/balloon.h"
#include "kernel/domain.h"
#include "kernel/exit.h"
#include "kernel/fpu.h"
#include "kernel/guest_console.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/platform.h"
#include "kernel/printk.h"
#include "kernel/run.h"
#include "kernel/sched.h"
#include "kernel/share.h"
#include "kernel/spinlock.h"
#include "kernel/vcpu_irq.h"
#include "lib/format.h"
#include "lib/sizes.h"
#include "lib/string.h"

static unsigned int next_domain_id;

hpa_t domain_frame_alloc(struct domain *d)
{
	hpa_t pa = frame_alloc();

	if (pa)
		__atomic_add_fetch(&d->frames, 1, __ATOMIC_RELAXED);
	return pa;
}

static hpa_t domain_frames_alloc(struct domain *d, uint64_t n, uint64_t align)
{
	hpa_t pa = frame_alloc_contig(n, align);

	if (pa)
		__atomic_add_fetch(&d->frames, n, __ATOMIC_RELAXED);
	return pa;
}

void domain_frames_free(struct domain *d, hpa_t pa, uint64_t n)
{
	frame_free(pa, n);
	__atomic_sub_fetch(&d->frames, n, __ATOMIC_RELAXED);
}

static hpa_t gpt_frame_alloc(void *ctx)
{
	return domain_frame_alloc(ctx);
}

static void gpt_frame_free(void *ctx, hpa_t pa)
{
	domain_frames_free(ctx, pa, 1);
}

int domain_gpt_init(struct domain *d, const struct gpt_format *fmt)
{
	d->gpt = (struct gpt){
		.fmt = fmt, .alloc = gpt_frame_alloc, .free = gpt_frame_free, .ctx = d
	};
	return gpt_init(&d->gpt);
}

int domain_gpt_map(struct domain *d, gpa_t gpa, hpa_t hpa, uint64_t len, unsigned int prot)
{
	return gpt_map(&d->gpt, gpa, hpa, len, prot);
}

int domain_gpt_unmap(struct domain *d, gpa_t gpa, uint64_t len)
{
	return gpt_unmap(&d->gpt, gpa, len);
}

int domain_gpt_protect(struct domain *d, gpa_t gpa, uint64_t len, unsigned int prot)
{
	return gpt_protect(&d->gpt, gpa, len, prot);
}

/* Its RAM is the one block of frames mapped at 0: no page shared, none released. */
static int domain_ram_flat(const struct domain *d)
{
	return d->ram_hpa && !d->share && !d->balloon;
}

int domain_gpa_to_hpa(struct domain *d, gpa_t gpa, hpa_t *hpa)
{
	struct gpt_leaf leaf;

	if (gpa >= d->ram_size)
		return -EFAULT;
	if (domain_ram_flat(d)) {
		*hpa = d->ram_hpa + gpa;
		return 0;
	}
	if (gpt_lookup(&d->gpt, gpa, &leaf))
		return -EFAULT;
	*hpa = leaf.hpa;
	return 0;
}

/*
 * dm_env for the domain's device models and loaders: guest RAM is [0, ram_size).
 * A client's RAM is pages of its service, found page by page in its nested
 * tables; a range is contiguous to translate only where those pages are. So is
 * the RAM of a domain that shares pages (share=1), whose pages a translation or
 * a write first takes out of sharing (kernel/share.c:share_unshare), and of a
 * domain with a balloon, whose released pages any access first backs with a
 * fresh zeroed frame (kernel/balloon.c:balloon_refault), as a guest touch does.
 */
static void *env_translate(void *ctx, gpa_t gpa, size_t len)
{
	struct domain *d = ctx;
	hpa_t first, hpa;

	if (domain_ram_flat(d))
		return dm_ram_at((uint8_t *)hpa_to_virt(d->ram_hpa), d->ram_size, gpa, len);
	if (!len || len > d->ram_size || gpa > d->ram_size - len)
		return NULL;
	if (d->share && share_unshare(d, gpa, len))
		return NULL;
	if (d->balloon && balloon_refault(d, gpa, len))
		return NULL;
	if (domain_gpa_to_hpa(d, gpa, &first))
		return NULL;
	for (gpa_t p = (gpa | (PAGE_SIZE - 1)) + 1; p < gpa + len; p += PAGE_SIZE)
		if (domain_gpa_to_hpa(d, p, &hpa) || hpa != first + (p - gpa))
			return NULL;
	return hpa_to_virt(first);
}

/* Copies to (write) or from guest RAM page by page: 0, or -EFAULT with nothing copied. */
static int env_copy(struct domain *d, gpa_t gpa, void *buf, size_t len, int write)
{
	hpa_t hpa = 0;

	if (gpa >= d->ram_size || len > d->ram_size - gpa)
		return -EFAULT;
	if (d->balloon && len && balloon_refault(d, gpa, len))
		return -EFAULT;
	for (gpa_t p = gpa & ~(uint64_t)(PAGE_SIZE - 1); p < gpa + len; p += PAGE_SIZE)
		if (domain_gpa_to_hpa(d, p, &hpa))
			return -EFAULT;
	if (write && d->share && share_unshare(d, gpa, len))
		return -EFAULT;
	while (len) {
		size_t n = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
		uint8_t *p;

		domain_gpa_to_hpa(d, gpa, &hpa);
		p = hpa_to_virt(hpa);

		n = n < len ? n : len;
		if (write)
			memcpy(p, buf, n);
		else
			memcpy(buf, p, n);
		gpa += n, buf = (uint8_t *)buf + n, len -= n;
	}
	return 0;
}

static int env_read(void *ctx, gpa_t gpa, void *buf, size_t len)
{
	struct domain *d = ctx;

	if (!domain_ram_flat(d))
		return env_copy(d, gpa, buf, len, 0);
	return dm_ram_read((uint8_t *)hpa_to_virt(d->ram_hpa), d->ram_size, gpa, buf, len);
}

static int env_write(void *ctx, gpa_t gpa, const void *buf, size_t len)
{
	struct domain *d = ctx;

	if (!domain_ram_flat(d))
		return env_copy(d, gpa, (void *)buf, len, 1);
	return dm_ram_write((uint8_t *)hpa_to_virt(d->ram_hpa), d->ram_size, gpa, buf, len);
}

static void env_set_irq(void *ctx, unsigned int line, int level)
{
	(void)ctx, (void)line, (void)level; /* no virtual interrupt controller yet */
}

static uint64_t env_clock(void *ctx)
{
	(void)ctx;
	return tsc_ns();
}

static void env_log(void *ctx, int level, const char *msg)
{
	log_msg(level, "%s: %s\n", ((struct domain *)ctx)->name, msg);
}

static uint64_t bus_lock(void *ctx)
{
	return spin_lock_irqsave(&((struct domain *)ctx)->dev_lock);
}

static void bus_unlock(void *ctx, uint64_t flags)
{
	spin_unlock_irqrestore(&((struct domain *)ctx)->dev_lock, flags);
}

static void domain_setup_env(struct domain *d, int no_com1)
{
	d->env = (struct dm_env){
		.ctx = d,
		.mem_read = env_read,
		.mem_write = env_write,
		.mem_translate = env_translate,
		.ram_size = d->ram_size,
		.set_irq = env_set_irq,
		.clock_ns = env_clock,
		.log = env_log,
	};
	iobus_init(&d->bus, d, bus_lock, bus_unlock);
	d->lapic_counter = iobus_add_counter(&d->bus, "lapic-page");
	guest_console_init(&d->console, d->name, &d->env);
	if (!no_com1)
		pc_platform_register(&(struct pc_platform){ .com1 = &d->console.com1 }, &d->bus,
				     &d->env);
}

static int domain_alloc_ram(struct domain *d)
{
	uint64_t n = d->ram_size / PAGE_SIZE;

	d->ram_hpa = domain_frames_alloc(d, n, SZ_2M / PAGE_SIZE);
	if (!d->ram_hpa)
		return -ENOMEM;
	return domain_map(d, 0, d->ram_hpa, d->ram_size, VM_PROT_RWX);
}

static int domain_add_vcpu(struct domain *d)
{
	struct vcpu *v = kzalloc(sizeof(*v));
	int err;

	if (!v)
		return -ENOMEM;
	v->dom = d;
	v->id = d->nvcpus;
	v->state = VCPU_PAUSED; /* until the scheduler takes it */
	fpu_vcpu_init(v);
	err = trace_vcpu_init(v);
	if (!err)
		err = virt->vcpu_init(v);
	if (err) {
		virt->vcpu_destroy(v);
		trace_vcpu_destroy(v);
		kfree(v);
		return err;
	}
	d->vcpus[d->nvcpus++] = v;
	return 0;
}

struct domain *domain_create(const struct domain_config *cfg)
{
	struct domain *d = kzalloc(sizeof(*d));
	int err;

	if (!d)
		return NULL;
	memcpy(d->name, cfg->name, sizeof(d->name));
	d->id = ++next_domain_id;
	d->ram_size = cfg->client ? cfg->mem : (cfg->mem + SZ_2M - 1) & ~(SZ_2M - 1);
	d->weight = cfg->weight ? cfg->weight : DOMAIN_WEIGHT_DEFAULT;
	d->cap = cfg->cap;
	d->affinity = cfg->affinity ? cfg->affinity : ~0ull >> (64 - ncpus_online);
	err = virt->domain_init(d);
	if (!err && !cfg->client && !cfg->lazy)
		err = domain_alloc_ram(d);
	for (unsigned int i = 0; !err && i < (cfg->vcpus ? cfg->vcpus : 1); i++)
		err = domain_add_vcpu(d);
	if (!err && cfg->share)
		err = share_domain_init(d);
	if (!err && cfg->balloon)
		err = balloon_domain_init(d, cfg->balloon);
	if (err) {
		pr_err("domain %s: not created: %s (%lu MiB asked, %lu MiB free)\n", d->name,
		       err == -ENOMEM ? "out of memory" : "backend error", d->ram_size >> 20,
		       mm_frames_free() * PAGE_SIZE >> 20);
		domain_destroy(d);
		return NULL;
	}
	domain_setup_env(d, cfg->no_com1);
	vcpu_irq_domain_init(d);
	return d;
}

void domain_print_exits(struct domain *d)
{
	char line[256];
	int n = 0;

	for (int k = 0; k < VM_EXIT_NR_KINDS; k++) {
		uint64_t count = 0;

		for (unsigned int j = 0; j < d->nvcpus; j++)
			count += d->vcpus[j]->exits[k];
		if (count && n < (int)sizeof(line) - 32)
			n += fmt_snprintf(line + n, sizeof(line) - n, " %s %lu", exit_kind_name(k),
					  count);
	}
	line[n] = '\0';
	if (n)
		printk("domain %s: exits:%s\n", d->name, line);
	n = 0;
	for (unsigned int i = 0; i < d->bus.ndev && n < (int)sizeof(line) - 32; i++) {
		const struct iobus_dev *dev = &d->bus.dev[i];

		if (dev->reads + dev->writes || (int)i == d->lapic_counter)
			n += fmt_snprintf(line + n, sizeof(line) - n, " %s %lu", dev->r.name,
					  dev->reads + dev->writes);
	}
	line[n] = '\0';
	printk("domain %s: accesses by device:%s, open bus: ports %lu, mmio %lu\n", d->name, line,
	       d->bus.unclaimed[DM_SPACE_PIO], d->bus.unclaimed[DM_SPACE_MMIO]);
}

void domain_destroy(struct domain *d)
{
	uint64_t before = d->frames;

	domain_print_exits(d);
	trace_dump(d);

	for (unsigned int i = 0; i < d->nvcpus; i++) {
		virt->vcpu_destroy(d->vcpus[i]);
		trace_vcpu_destroy(d->vcpus[i]);
		kfree(d->vcpus[i]);
	}
	platform_destroy(d);
	if (!share_domain_release(d) && !balloon_domain_release(d) && d->ram_hpa)
		domain_frames_free(d, d->ram_hpa, d->ram_size / PAGE_SIZE);
	virt->domain_destroy(d);
	if (d->frames)
		pr_err("domain %s: %lu frames not returned\n", d->name, d->frames);
	else if (before)
		pr_info("domain %s: destroyed; all %lu frames returned\n", d->name, before);
	kfree(d);
}

static void domain_stop_vcpus(struct domain *d)
{
	if (sched_domain_stop(d))
		run_domain_finished(d);
}

void domain_crash(struct domain *d, struct vcpu *v, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	if (d->state != DOMAIN_RUNNING) /* another vCPU ended it first */
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printk("domain %s crashed: %s\n", d->name, why);
	guest_console_print_last(&d->console);
	if (v)
		vcpu_dump(v);
	d->state = DOMAIN_CRASHED;
	d->exit_status = -1;
	domain_stop_vcpus(d);
}

void domain_kill(struct domain *d, const char *why)
{
	if (d->state != DOMAIN_RUNNING)
		return;
	printk("domain %s: %s\n", d->name, why);
	d->state = DOMAIN_CRASHED;
	d->exit_status = -1;
	domain_stop_vcpus(d);
}

void domain_end(struct domain *d, int status)
{
	if (d->state != DOMAIN_RUNNING)
		return;
	printk("domain %s: exited with status %d\n", d->name, status);
	d->state = DOMAIN_ENDED;
	d->exit_status = status;
	domain_stop_vcpus(d);
}
