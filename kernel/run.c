/*
 * kernel/run.c: the run loop. Every host CPU enables the backend (VMXON,
 * EFER.SVME) and then runs run_loop(): ask the scheduler (kernel/sched.c)
 * for a vCPU, enter the guest (virt->vcpu_run), hand each exit to its handler
 * in kernel/exit.c's table, and give the vCPU back when its slice ends. CPU 0
 * also does the housekeeping: the debug console, waking halted vCPUs whose
 * vLAPIC timer (or their domain's PIT) is due, the policy's accounting and
 * the ioreq timeouts. A vCPU whose access was forwarded to the service domain
 * handles that exit again once it is answered (kernel/ioreq.c:ioreq_resume).
 * When the last domain is destroyed, the free frames are counted against the
 * count before the first domain was made. The host LAPIC timer ticks at 1 kHz
 * on every CPU; a tick makes a running guest exit, so slices end and vLAPIC
 * timers fire within a millisecond.
 */
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "arch/x86/x86.h"
#include "kernel/debug_keys.h"
#include "kernel/domain.h"
#include "kernel/domctl.h"
#include "kernel/exit.h"
#include "kernel/fpu.h"
#include "kernel/ioreq.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/platform.h"
#include "kernel/printk.h"
#include "kernel/run.h"
#include "kernel/sched.h"
#include "kernel/share.h"
#include "kernel/trace.h"
#include "kernel/vcpu_irq.h"

#define HOUSEKEEPING_NS 1000000ull /* CPU 0 looks for due vLAPIC timers every 1 ms */

static uint64_t frames_free_at_start, slabs_at_start;
static int enabled[MAX_CPUS];
static unsigned int cpus_enabled, domains_live;
static volatile int started;
static uint64_t next_housekeeping;

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

void run_add_domain(struct domain *d)
{
	__atomic_add_fetch(&domains_live, 1, __ATOMIC_ACQ_REL);
	sched_add_domain(d);
}

/* The last domain is gone: checks that every frame came back and ends a test run. */
static void all_ended(void)
{
	/* frames now held by the heap's small-object pages were free before */
	uint64_t free_now = mm_frames_free() + heap_slab_frames() - slabs_at_start;

	printk("all domains ended; %lu frames free (%lu before the first domain)%s\n", free_now,
	       frames_free_at_start,
	       free_now == frames_free_at_start ? ": every frame returned" : "; frames lost");
	machine_test_exit(EXIT_OK);
}

/* The CPU that destroys the last domain (counted after its frames are back) checks the
 * whole pool. */
void run_domain_gone(struct domain *d)
{
	domain_destroy(d);
	if (!__atomic_sub_fetch(&domains_live, 1, __ATOMIC_ACQ_REL))
		all_ended();
}

/* A client waits as a zombie, a service for its clients (kernel/domctl.c). */
void run_domain_finished(struct domain *d)
{
	sched_remove_domain(d);
	if (!domctl_finished(d))
		run_domain_gone(d);
}

/* Lock held: a vCPU halted with interrupts on wakes when its timer is due. */
static void wake_if_halted(struct vcpu *v)
{
	if (v->state == VCPU_BLOCKED && v->wait == WAIT_HLT)
		sched_wake_locked(v);
}

/* Lock held: the PIT wakes vCPU 0, which raises its interrupt before its entry; a
 * vLAPIC timer wakes its own vCPU. */
static void wake_due(struct domain *d, uint64_t now, uint64_t now_ns)
{
	uint64_t pit = platform_next_event_ns(d);

	if (pit && pit <= now_ns)
		wake_if_halted(d->vcpus[0]);
	for (unsigned int j = 0; j < d->nvcpus; j++) {
		uint64_t due = vlapic_timer_next(&d->vcpus[j]->lapic);

		if (due && due <= now)
			wake_if_halted(d->vcpus[j]);
	}
}

/* CPU 0, every HOUSEKEEPING_NS: the debug console, due timers, the policy's accounting. */
static void housekeeping(uint64_t now)
{
	uint64_t flags, now_ns;

	if (now < next_housekeeping) /* the exit path: one compare */
		return;
	next_housekeeping = now + tsc_from_ns(HOUSEKEEPING_NS);
	debug_keys_poll();
	now_ns = tsc_ns();
	flags = sched_lock_all();
	for (unsigned int i = 0; sched_domain(i); i++)
		wake_due(sched_domain(i), now, now_ns);
	sched_account_locked(now);
	sched_unlock_all(flags);
	ioreq_check_timeouts(now_ns);
}

/* Counts the exit and finds its handler in kernel/exit.c's table; NULL if the slot is
 * empty, and the domain is crashed. */
static exit_handler_t exit_handler(struct vcpu *v, const struct vm_exit *e)
{
	enum vm_exit_kind k = e->kind < VM_EXIT_NR_KINDS ? e->kind : VM_EXIT_UNKNOWN;

	v->exits[k]++;
	__atomic_store_n(&v->exit_rip, vcpu_get_reg(v, VM_REG_RIP), __ATOMIC_RELAXED);
	if (!exit_handlers[k])
		domain_crash(v->dom, v, "unhandled exit: %s (hardware reason %#lx, info %#lx %#lx)",
			     exit_kind_name(e->kind), e->hw_reason, e->raw.info1, e->raw.info2);
	return exit_handlers[k];
}

/* A forwarded access: handled again if its answer came (kernel/ioreq.c); 1 to enter. */
static int resume_forwarded(struct vcpu *v)
{
	int go = ioreq_resume(v);

	if (v->trace.held_since)
		trace_resumed(v);
	return go;
}

/* Runs v until its slice ends, it waits, or its domain stops or pauses. */
static void run_slice(struct vcpu *v, struct run_queue *rq, uint64_t end)
{
	struct vm_exit e;
	exit_handler_t handle;

	for (;;) {
		if (v->wait == WAIT_IOREQ && !resume_forwarded(v))
			return; /* still waits for the service (kernel/ioreq.c) */
		irq_disable();
		if (!vcpu_prepare_entry(v)) {
			irq_enable();
			return;
		}
		virt->vcpu_run(v, &e); /* returns with interrupts on */
		vcpu_irq_after_exit(v);
		exit_insn_len(v, &e);
		handle = exit_handler(v, &e);
		v->io.cur = &e;
		if (__builtin_expect(v->trace.ring != NULL, 0)) /* trace=N (kernel/trace.c) */
			trace_exit(v, &e, handle);
		else if (handle)
			handle(v, &e);
		if (v->io.nlog && v->wait != WAIT_IOREQ)
			ioreq_exit_done(&v->io);
		if (this_cpu()->id == 0)
			housekeeping(rdtsc());
		share_scan(v);
		if (v->dom->state != DOMAIN_RUNNING || v->dom->paused || rq->need_resched ||
		    rdtsc() >= end)
			return;
	}
}

/* Entered with interrupts off (sched_pick_next found nothing), so a kick sent after
 * the queue was found empty still ends the HLT (STI's shadow covers it). */
static void idle(struct run_queue *rq)
{
	uint64_t t0 = rdtsc();

	asm volatile("sti; hlt" ::: "memory"); /* a tick or a kick ends it */
	rq->idle_ns += tsc_to_ns(rdtsc() - t0);
	rq->idle = 0;
}

/* One slice of v on this CPU from t0 (when the choice began); returns v if it keeps
 * the CPU for the next slice, else NULL. */
static struct vcpu *run_one(struct vcpu *v, unsigned int cpu, struct run_queue *rq, uint64_t t0)
{
	struct domain *d = v->dom;
	uint64_t t1 = rdtsc();
	enum sched_put put;

	rq->switch_ns += tsc_to_ns(t1 - t0);
	fpu_load(v);
	run_slice(v, rq, t1 + tsc_from_ns(sched_slice_ns(v)));
	fpu_save(v);
	t0 = rdtsc();
	put = sched_put(v, cpu, tsc_to_ns(t0 - t1));
	if (put == SCHED_PUT_FINISHED)
		run_domain_finished(d);
	rq->switch_ns += tsc_to_ns(rdtsc() - t0);
	return put == SCHED_PUT_KEEP ? v : NULL;
}

void run_loop(void)
{
	unsigned int cpu = this_cpu()->id;
	struct run_queue *rq = sched_queue(cpu);
	struct vcpu *v = NULL;
	uint64_t t0;

	if (run_enable_cpu()) /* the BSP enabled it first, so this is a broken CPU */
		panic("%s: cannot enable it on cpu%u", virt->name, cpu);
	fpu_cpu_init();
	while (!started)
		cpu_relax();
	for (;;) {
		t0 = rdtsc();
		if (cpu == 0)
			housekeeping(t0);
		v = sched_pick_next(cpu, v);
		if (v)
			v = run_one(v, cpu, rq, t0);
		else
			idle(rq);
	}
}

static void ipi_kick(struct trap_frame *f)
{
	(void)f; /* the interrupt itself made the guest exit or the idle CPU wake */
	lapic_eoi();
}

void run_start(void)
{
	trap_register(VEC_IPI, ipi_kick);
	sched_start();
	__atomic_store_n(&started, 1, __ATOMIC_RELEASE);
}
