/*
 * kernel/balloon.c: the memory balloon of a Type-1 domain (balloon=SIZE,
 * issue 18). The device is the shared model, drivers/virtio_balloon.c
 * (virtio 1.2 §5.5), in the virtio-mmio window PC_VIRTIO_BASE on ISA IRQ
 * pc_virtio_irq(0), run inside the hypervisor like the domain's COM1: the
 * balloon is a memory-management device (docs/design.md). Its backend is
 * here. A released page is unmapped from the nested tables (AMD APM vol. 2
 * 15.25.5, Intel SDM vol. 3C 29.3.3: the next access is a nested page
 * fault or EPT violation) and its frame goes back to the pool at once; a
 * guest touch, a deflate or a hypervisor access maps a fresh zeroed frame.
 * The nested tables are the record: a page of RAM that is not mapped is a
 * released one. With lazy=1 the domain has no block of RAM at all: every page
 * starts released and is backed at its first touch, so domains may add up to
 * more memory than the pool has; a touch that finds no free frame pauses
 * the domain (docs/memory.md, "Overcommit"). Only a domain of one vCPU may have a balloon: the
 * unmap happens in that vCPU's exit path, so no other CPU can hold a stale translation of the frame
 * when it is freed (docs/memory.md).
 */
#include "drivers/firmware/loader.h"
#include "drivers/pc_platform.h"
#include "drivers/virtio_balloon.h"
#include "kernel/balloon.h"
#include "kernel/domain.h"
#include "kernel/mm.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "lib/string.h"

struct balloon_domain {
	struct virtio_balloon dev;
	struct dm_balloon be;
	uint64_t target;    /* bytes, as balloon= or debug key b set it */
	spinlock_t lock;    /* the page state below; taken inside dev_lock */
	uint64_t held;	    /* pages released and not backed again: unmapped now */
	uint64_t released;  /* pages unmapped and their frames freed, in all */
	uint64_t refaulted; /* released pages backed again by a fresh frame */
	uint64_t paused;    /* times a touch found no free frame */
};

int balloon_domain_init(struct domain *d, uint64_t target)
{
	struct balloon_domain *b;

	if (d->nvcpus != 1 || d->share)
		return -EINVAL;
	b = kzalloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->target = target < d->ram_size ? target : d->ram_size;
	if (!d->ram_hpa) /* lazy=1: no page is backed before its first touch */
		b->held = d->ram_size / PAGE_SIZE;
	d->balloon = b;
	return 0;
}

/* Lock held: frees page gpa's frame after unmapping it; 0 if it was released already. */
static int balloon_release_page(struct domain *d, gpa_t gpa)
{
	struct balloon_domain *b = d->balloon;
	struct gpt_leaf leaf;
	int err;

	if (gpa >= d->ram_size || gpt_lookup(&d->gpt, gpa, &leaf))
		return 0;
	err = domain_unmap(d, gpa, PAGE_SIZE); /* -ENOMEM: no frame to split a 2 MiB leaf */
	if (err)
		return err;
	domain_frames_free(d, leaf.hpa, 1);
	b->held++, b->released++;
	return 0;
}

/* dm_balloon.release, under the domain's dev_lock (a guest's MMIO exit). */
static int balloon_release(void *ctx, gpa_t gpa, uint64_t len)
{
	struct domain *d = ctx;
	uint64_t flags = spin_lock_irqsave(&d->balloon->lock);
	int err = 0;

	for (gpa_t p = gpa; !err && p < gpa + len; p += PAGE_SIZE)
		err = balloon_release_page(d, p);
	spin_unlock_irqrestore(&d->balloon->lock, flags);
	return err;
}

/* Lock held: maps a zeroed frame at a released page gpa; 0 if it is mapped. */
static int balloon_back_page(struct domain *d, gpa_t gpa)
{
	struct balloon_domain *b = d->balloon;
	struct gpt_leaf leaf;
	hpa_t pa;

	if (!gpt_lookup(&d->gpt, gpa, &leaf))
		return 0;
	pa = domain_frame_alloc(d);
	if (!pa)
		return -ENOMEM;
	memset(hpa_to_virt(pa), 0, PAGE_SIZE);
	if (domain_map(d, gpa, pa, PAGE_SIZE, VM_PROT_RWX)) {
		domain_frames_free(d, pa, 1);
		return -ENOMEM;
	}
	b->held--, b->refaulted++;
	return 0;
}

int balloon_refault(struct domain *d, gpa_t gpa, uint64_t len)
{
	struct balloon_domain *b = d->balloon;
	uint64_t flags;
	int err = 0;

	if (!len || gpa >= d->ram_size || len > d->ram_size - gpa)
		return -EFAULT;
	flags = spin_lock_irqsave(&b->lock);
	for (gpa_t p = gpa & ~(PAGE_SIZE - 1); !err && p < gpa + len; p += PAGE_SIZE)
		err = balloon_back_page(d, p);
	spin_unlock_irqrestore(&b->lock, flags);
	return err;
}

/* dm_balloon.reclaim: the guest deflated these pages; they are backed now. */
static int balloon_reclaim(void *ctx, gpa_t gpa, uint64_t len)
{
	return balloon_refault(ctx, gpa, len);
}

/*
 * No free frame for page gpa (memory overcommitted): the domain is paused, its
 * access not done; unpausing it (debug key uN) once frames are free retries it.
 */
static void balloon_pause(struct domain *d, gpa_t gpa)
{
	printk("domain %s: paused: no free frame to back its page at %#lx (memory "
	       "overcommitted); unpause it (debug key u%u) once frames are free\n",
	       d->name, gpa, d->id);
	__atomic_add_fetch(&d->balloon->paused, 1, __ATOMIC_RELAXED);
	sched_domain_pause(d, 1);
}

int balloon_fault(struct vcpu *v, gpa_t gpa)
{
	struct domain *d = v->dom;
	struct gpt_leaf leaf;

	if (!d->balloon || gpa >= d->ram_size || !gpt_lookup(&d->gpt, gpa, &leaf))
		return 0;
	if (balloon_refault(d, gpa, 1))
		balloon_pause(d, gpa);
	return 1;
}

struct fw_virtio_mmio balloon_window(void)
{
	return (struct fw_virtio_mmio){ pc_virtio_base(0), PC_VIRTIO_STRIDE, pc_virtio_irq(0) };
}

int balloon_attach(struct domain *d)
{
	struct balloon_domain *b = d->balloon;
	struct fw_virtio_mmio w = balloon_window();

	if (!b)
		return 0;
	b->be = (struct dm_balloon){ .ctx = d,
				     .release = balloon_release,
				     .reclaim = balloon_reclaim };
	if (virtio_balloon_init(&b->dev, &d->env, &b->be, w.irq, 0))
		return -EINVAL;
	virtio_balloon_set_target(&b->dev, (d->ram_size - b->target) / PAGE_SIZE);
	return iobus_attach(&d->bus,
			    &(struct dm_io_region){ "virtio-balloon", DM_SPACE_MMIO, w.base,
						    VIRTIO_MMIO_REGION_LEN, virtio_mmio_io_read,
						    virtio_mmio_io_write, &b->dev.mmio },
			    &d->env)
		       ? -ENOSPC
		       : 0;
}

int balloon_set_target(struct domain *d, uint64_t target)
{
	uint64_t flags;

	if (!d->balloon || target > d->ram_size || target % PAGE_SIZE)
		return -EINVAL;
	flags = spin_lock_irqsave(&d->dev_lock);
	d->balloon->target = target;
	virtio_balloon_set_target(&d->balloon->dev, (d->ram_size - target) / PAGE_SIZE);
	spin_unlock_irqrestore(&d->dev_lock, flags);
	return 0;
}

void balloon_mem(struct domain *d, uint64_t *current, uint64_t *target, uint64_t *max)
{
	struct balloon_domain *b = d->balloon;

	*current = *target = *max = d->ram_size;
	if (!b)
		return;
	*current -= __atomic_load_n(&b->held, __ATOMIC_RELAXED) * PAGE_SIZE;
	*target = b->target;
}

void balloon_print(struct domain *d)
{
	struct balloon_domain *b = d->balloon;

	printk("domain %s: balloon: %lu pages released (%lu MiB), %lu refaulted, %lu held now; "
	       "the driver says %lu; %lu PFNs refused, %lu pages failed\n",
	       d->name, b->released, b->released >> 8, b->refaulted, b->held,
	       virtio_balloon_actual(&b->dev), b->dev.count.refused, b->dev.count.failed);
	if (b->paused)
		printk("domain %s: balloon: paused %lu times for want of a free frame\n", d->name,
		       b->paused);
}

/* Frees the frames still behind the domain's RAM: its own ones in runs, fresh ones singly. */
static void balloon_free_ram(struct domain *d)
{
	uint64_t run = 0;
	struct gpt_leaf leaf;

	for (gpa_t p = 0; p <= d->ram_size; p += PAGE_SIZE) {
		int own = d->ram_hpa && p < d->ram_size && !gpt_lookup(&d->gpt, p, &leaf) &&
			  leaf.hpa == d->ram_hpa + p;

		if (own) {
			run++;
			continue;
		}
		if (run)
			domain_frames_free(d, d->ram_hpa + p - run * PAGE_SIZE, run);
		run = 0;
		if (p < d->ram_size && !gpt_lookup(&d->gpt, p, &leaf))
			domain_frames_free(d, leaf.hpa, 1);
	}
}

int balloon_domain_release(struct domain *d)
{
	if (!d->balloon)
		return 0;
	balloon_print(d);
	balloon_free_ram(d);
	kfree(d->balloon);
	d->balloon = NULL;
	return 1;
}
