/*
 * kernel/run.c: getting every CPU ready to run guests, and the end of the
 * run. Each CPU enables the backend (VMXON, EFER.SVME) before it enters the
 * scheduler's loop (kernel/sched.c); when the last domain is gone, the free
 * frames are counted against the count before the first domain was made.
 */
#include "arch/x86/percpu.h"
#include "arch/x86/x86.h"
#include "kernel/domain.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/run.h"

static uint64_t frames_free_at_start, slabs_at_start;
static int enabled[MAX_CPUS];
static unsigned int cpus_enabled;

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

void run_all_ended(void)
{
	/* frames now held by the heap's small-object pages were free before */
	uint64_t free_now = mm_frames_free() + heap_slab_frames() - slabs_at_start;

	printk("all domains ended; %lu frames free (%lu before the first domain)%s\n", free_now,
	       frames_free_at_start,
	       free_now == frames_free_at_start ? ": every frame returned" : "; frames lost");
	machine_test_exit(EXIT_OK);
}
