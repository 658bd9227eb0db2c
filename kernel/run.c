/*
 * kernel/run.c: running the vCPUs. Each host CPU keeps a list of the vCPUs
 * placed on it and runs them in turn: one trip into the guest, then its exit
 * is handled; a host timer tick (which makes the guest exit) moves on to the
 * next vCPU. A domain whose vCPUs are all dead is destroyed by the CPU that
 * ran it. This simple loop is what the scheduler (kernel/sched*.c) replaces.
 */
#include "arch/x86/percpu.h"
#include "arch/x86/x86.h"
#include "kernel/domain.h"
#include "kernel/exit.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/run.h"
#include "kernel/spinlock.h"

static struct vcpu *run_list[MAX_CPUS];
static spinlock_t run_lock;
static volatile int domains_live;
static volatile int started;
static uint64_t frames_free_at_start, slabs_at_start;
static int enabled[MAX_CPUS];
static unsigned int cpus_enabled;

void run_add_vcpu(struct vcpu *v)
{
	uint64_t flags = spin_lock_irqsave(&run_lock);

	v->next = run_list[v->cpu];
	run_list[v->cpu] = v;
	if (v->id == 0)
		domains_live++;
	spin_unlock_irqrestore(&run_lock, flags);
}

static int domain_all_dead(struct domain *d)
{
	for (unsigned int i = 0; i < d->nvcpus; i++)
		if (d->vcpus[i]->state != VCPU_DEAD)
			return 0;
	return 1;
}

static void run_remove_domain(unsigned int cpu, struct domain *d)
{
	struct vcpu **pp = &run_list[cpu];

	while (*pp) {
		if ((*pp)->dom == d)
			*pp = (*pp)->next;
		else
			pp = &(*pp)->next;
	}
}

static void domain_finished(unsigned int cpu, struct domain *d)
{
	uint64_t flags = spin_lock_irqsave(&run_lock), free_now;
	int left;

	run_remove_domain(cpu, d);
	spin_unlock_irqrestore(&run_lock, flags);
	domain_destroy(d);
	left = __atomic_sub_fetch(&domains_live, 1, __ATOMIC_ACQ_REL);
	if (left)
		return;
	/* frames now held by the heap's small-object pages were free before */
	free_now = mm_frames_free() + heap_slab_frames() - slabs_at_start;
	printk("all domains ended; %lu frames free (%lu before the first domain)%s\n", free_now,
	       frames_free_at_start,
	       free_now == frames_free_at_start ? ": every frame returned" : "; frames lost");
	machine_test_exit(EXIT_OK);
}

/* Runs one vCPU until the host timer ticks or it stops being runnable. */
static void run_slice(struct vcpu *v)
{
	struct percpu *pc = this_cpu();
	uint64_t tick = pc->ticks;
	struct vm_exit e;

	while (v->state == VCPU_RUNNABLE && pc->ticks == tick) {
		virt->vcpu_run(v, &e);
		exit_dispatch(v, &e);
	}
}

static struct vcpu *next_vcpu(unsigned int cpu, struct vcpu *after)
{
	struct vcpu *v = after && after->next ? after->next : run_list[cpu];

	for (struct vcpu *first = v; v;) {
		if (v->state != VCPU_BLOCKED)
			return v;
		v = v->next ? v->next : run_list[cpu];
		if (v == first)
			break;
	}
	return NULL;
}

/* Enables the backend on this CPU; the BSP waits for every CPU (run_wait_enabled). */
int run_enable_cpu(void)
{
	unsigned int cpu = this_cpu()->id;
	int err;

	if (enabled[cpu])
		return 0;
	err = virt->cpu_enable();
	if (err)
		return err;
	enabled[cpu] = 1;
	__atomic_add_fetch(&cpus_enabled, 1, __ATOMIC_ACQ_REL);
	return 0;
}

void run_wait_enabled(void)
{
	while (__atomic_load_n(&cpus_enabled, __ATOMIC_ACQUIRE) < ncpus_online)
		cpu_relax();
	frames_free_at_start = mm_frames_free();
	slabs_at_start = heap_slab_frames();
}

void run_loop(void)
{
	unsigned int cpu = this_cpu()->id;
	struct vcpu *v = NULL;

	if (run_enable_cpu()) /* the BSP enabled it first, so this is a broken CPU */
		panic("%s: cannot enable it on cpu%u", virt->name, cpu);
	while (!started)
		cpu_relax();
	for (;;) {
		v = next_vcpu(cpu, v);
		if (!v) {
			asm volatile("sti; hlt"); /* nothing runnable here: wait for a tick */
			continue;
		}
		if (v->state == VCPU_RUNNABLE)
			run_slice(v);
		if (v->state == VCPU_DEAD && domain_all_dead(v->dom)) {
			domain_finished(cpu, v->dom);
			v = NULL;
		}
	}
}

void run_start(void)
{
	__atomic_store_n(&started, 1, __ATOMIC_RELEASE);
}
