/*
 * kernel/debug_keys.c: the debug console. Like Xen's debug keys (`xl
 * debug-keys`, or Ctrl-A three times on its serial console), one key prints
 * one view of the hypervisor or acts on a domain; `h` lists them. CPU 0 polls
 * the console between guest entries (every 10 ms at most), so the keys work
 * while guests run. The keys= option types keys at given times, for tests.
 */
#include "arch/x86/percpu.h"
#include "arch/x86/tsc.h"
#include "arch/x86/x86.h"
#include "kernel/debug_keys.h"
#include "kernel/domain.h"
#include "kernel/exit.h"
#include "kernel/format.h"
#include "kernel/mm.h"
#include "kernel/options.h"
#include "kernel/printk.h"
#include "kernel/sched.h"

#define POLL_NS 10000000ull

static const char *const state_names[] = { "runnable", "running", "blocked", "paused", "dead" };
static const char *const wait_names[] = { "", " (hlt)", " (hlt, irq off)", " (wait-for-sipi)" };
static char pending_action; /* p, u or x waiting for a domain digit */
static uint64_t next_poll, script_start;
static const char *script_pos;

static uint64_t ms(uint64_t ns)
{
	return ns / 1000000;
}

static void show_help(void)
{
	printk("debug keys: h help, d domains and vcpus, r run queues, e exits per reason,\n"
	       "  m memory, s switch policy (now %s), pN pause domain N, uN unpause, xN destroy\n",
	       sched_policy_name());
}

static void show_domains(void)
{
	uint64_t flags = sched_lock_all();

	for (unsigned int i = 0; sched_domain(i); i++) {
		struct domain *d = sched_domain(i);

		printk("dom%u %s: %s, %u vcpus, weight %u, cap %u, cpus %#lx, progress %lu\n",
		       d->id, d->name, d->paused ? "paused" : "running", d->nvcpus, d->weight,
		       d->cap, d->affinity, d->progress);
		for (unsigned int j = 0; j < d->nvcpus; j++) {
			struct vcpu *v = d->vcpus[j];
			uint64_t exits = 0;

			for (int k = 0; k < VM_EXIT_NR_KINDS; k++)
				exits += v->exits[k];
			printk("  vcpu%u: %s%s on cpu%u, %lu ms, %lu switches, %lu moves, "
			       "credit %ld us, %lu exits, %lu timer irqs\n",
			       v->id, state_names[v->state], wait_names[v->wait], v->cpu,
			       ms(v->run_ns), v->switches, v->migrations, v->credit / 1000, exits,
			       v->lapic.timer_fired);
			/* off every CPU, its registers may be read here (not while it runs) */
			if (v->state != VCPU_RUNNING && v->state != VCPU_DEAD)
				printk("    rip %#lx rflags %#lx, irr %08x%08x isr %08x%08x\n",
				       vcpu_get_reg(v, VM_REG_RIP), vcpu_get_reg(v, VM_REG_RFLAGS),
				       v->lapic.irr[1], v->lapic.irr[0], v->lapic.isr[1],
				       v->lapic.isr[0]);
		}
	}
	sched_unlock_all(flags);
}

static void show_queues(void)
{
	uint64_t flags = sched_lock_all();

	printk("sched: policy %s\n", sched_policy_name());
	for (unsigned int c = 0; c < ncpus_online; c++) {
		struct run_queue *rq = sched_queue(c);
		char line[128];
		unsigned int n = 0;

		line[0] = '\0';
		for (struct vcpu *v = rq->head; v && n < sizeof(line) - 16; v = v->next)
			n += fmt_snprintf(line + n, sizeof(line) - n, " d%u.v%u", v->dom->id,
					  v->id);
		printk("  cpu%u: running %s%u.%u, queue [%s ], %lu switches (%lu ns each), idle "
		       "%lu "
		       "ms\n",
		       c, rq->curr ? "d" : "-", rq->curr ? rq->curr->dom->id : 0,
		       rq->curr ? rq->curr->id : 0, line, rq->switches,
		       rq->switches ? rq->switch_ns / rq->switches : 0, ms(rq->idle_ns));
	}
	sched_unlock_all(flags);
}

static void show_exits(void)
{
	uint64_t flags = sched_lock_all();

	for (unsigned int i = 0; sched_domain(i); i++)
		domain_print_exits(sched_domain(i));
	sched_unlock_all(flags);
}

static struct domain *domain_by_id(unsigned int id)
{
	for (unsigned int i = 0; sched_domain(i); i++)
		if (sched_domain(i)->id == id)
			return sched_domain(i);
	return NULL;
}

static void act(char action, unsigned int id)
{
	struct domain *d = domain_by_id(id);
	uint64_t before;

	if (!d) {
		printk("debug keys: no domain %u\n", id);
		return;
	}
	if (action == 'x') {
		printk("debug keys: destroying domain %s\n", d->name);
		domain_crash(d, NULL, "destroyed from the debug console");
		return;
	}
	before = d->progress; /* read while paused: after unpausing it moves again */
	if (sched_domain_pause(d, action == 'p'))
		printk("debug keys: domain %s is not %s\n", d->name,
		       action == 'p' ? "running" : "paused");
	else if (action == 'p') /* progress_at_pause: when its last vCPU left its CPU */
		printk("debug keys: domain %s paused (progress %lu)\n", d->name,
		       d->progress_at_pause);
	else
		printk("debug keys: domain %s unpaused (progress %lu, %lu while paused)\n", d->name,
		       before, before - d->progress_at_pause);
}

void debug_key(char key)
{
	if (pending_action) {
		char action = pending_action;

		pending_action = 0;
		if (key >= '0' && key <= '9')
			act(action, (unsigned int)(key - '0'));
		return;
	}
	switch (key) {
	case 'h':
		show_help();
		break;
	case 'd':
		show_domains();
		break;
	case 'r':
		show_queues();
		break;
	case 'e':
		show_exits();
		break;
	case 'm':
		printk("memory: %lu frames free (%lu MiB)\n", mm_frames_free(),
		       mm_frames_free() >> 8);
		break;
	case 's':
		sched_switch_policy();
		break;
	case 'p':
	case 'u':
	case 'x':
		pending_action = key;
		break;
	default:
		break;
	}
}

int debug_keys_check_script(const char *s)
{
	while (*s) {
		int digits = 0, keys = 0;

		while (*s >= '0' && *s <= '9')
			s++, digits++;
		if (!digits || *s++ != ':')
			return -1;
		while (*s && *s != '/')
			s++, keys++;
		if (!keys)
			return -1;
		if (*s == '/')
			s++;
	}
	return 0;
}

/* Types the script's keys whose time (ms since the first poll) has come. */
static void run_script(uint64_t now_ns)
{
	uint64_t at = 0;
	const char *s = script_pos;

	if (!s || !*s)
		return;
	while (*s >= '0' && *s <= '9')
		at = at * 10 + (uint64_t)(*s++ - '0');
	if (now_ns - script_start < at * 1000000)
		return;
	for (s++; *s && *s != '/'; s++)
		debug_key(*s);
	script_pos = *s ? s + 1 : s;
}

void debug_keys_poll(void)
{
	uint64_t now = tsc_ns();
	int c;

	if (now < next_poll)
		return;
	if (!next_poll) {
		script_start = now;
		script_pos = opts.keys;
	}
	next_poll = now + POLL_NS;
	while ((c = console_getc()) >= 0)
		debug_key((char)c);
	run_script(now);
}
