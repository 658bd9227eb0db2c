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
#include "kernel/balloon.h"
#include "kernel/debug_keys.h"
#include "kernel/domain.h"
#include "kernel/exit.h"
#include "lib/format.h"
#include "kernel/mm.h"
#include "kernel/options.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/share.h"
#include "kernel/trace.h"

#define POLL_NS 10000000ull

static const char *const state_names[] = { "runnable", "running", "blocked", "paused", "dead" };
static const char *const wait_names[] = { "", " (hlt)", " (hlt, irq off)", " (wait-for-sipi)",
					  " (ioreq)" };
static char pending_action; /* p, u, x or b waiting for a domain digit */
static struct balloon_key { /* bN,SIZEm: the target being typed */
	int on;
	unsigned int dom;
	uint64_t mib;
} bkey;
static uint64_t next_poll, script_start;
static const char *script_pos;

static uint64_t ms(uint64_t ns)
{
	return ns / 1000000;
}

static void show_help(void)
{
	printk("debug keys: h help, d domains and vcpus, r run queues, e exits per reason,\n"
	       "  t exit traces to COM2, m memory, s switch policy (now %s), pN pause domain N, uN "
	       "unpause, xN destroy,\n  bN,SIZEm set domain N's balloon target to SIZE MiB\n",
	       sched_policy_name());
}

/* The set bits of a 256-bit vLAPIC register as hex vectors ("ec fb"), "-" if none. */
static void vectors_format(char *buf, size_t len, const volatile uint32_t *bits)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int vec = 0; vec < 256 && n + 4 < len; vec++)
		if (__atomic_load_n(&bits[vec >> 5], __ATOMIC_RELAXED) & (1u << (vec & 31)))
			n += fmt_snprintf(buf + n, len - n, "%s%02x", n ? " " : "", vec);
	if (!n)
		fmt_snprintf(buf, len, "-");
}

/* When the vLAPIC timer fires next, from now: "off", "in N us" or "N us late". */
static void timer_format(char *buf, size_t len, const struct vlapic *l, uint64_t now)
{
	uint64_t due = vlapic_timer_next(l);

	if (!due)
		fmt_snprintf(buf, len, "off");
	else if (due > now)
		fmt_snprintf(buf, len, "in %lu us", tsc_to_ns(due - now) / 1000);
	else
		fmt_snprintf(buf, len, "%lu us late", tsc_to_ns(now - due) / 1000);
}

/* The kinds of v's exits that happened, with their counts. */
static void show_exit_kinds(const struct vcpu *v)
{
	char line[256];
	unsigned int n = 0;

	line[0] = '\0';
	for (int k = 0; k < VM_EXIT_NR_KINDS; k++)
		if (v->exits[k] && n < sizeof(line))
			n += (unsigned int)fmt_snprintf(line + n, sizeof(line) - n, " %s %lu",
							exit_kind_name(k), v->exits[k]);
	printk("    exits:%s\n", n ? line : " none");
}

/*
 * What a stall needs: where each vCPU is (a running one's RIP is the one at its last
 * exit, read without stopping it), what its vLAPIC holds and when its timer fires.
 */
static void show_vcpu(struct vcpu *v, uint64_t now)
{
	struct vlapic *l = &v->lapic;
	char irr[64], isr[64], timer[32];
	uint64_t exits = 0;

	for (int k = 0; k < VM_EXIT_NR_KINDS; k++)
		exits += v->exits[k];
	printk("  vcpu%u: %s%s on cpu%u, %lu ms, %lu switches, %lu moves, "
	       "credit %ld us, %lu exits, %lu timer irqs\n",
	       v->id, state_names[v->state], wait_names[v->wait], v->cpu, ms(v->run_ns),
	       v->switches, v->migrations, sched_credit_balance(v) / 1000, exits, l->timer_fired);
	show_exit_kinds(v);
	vectors_format(irr, sizeof(irr), l->irr);
	vectors_format(isr, sizeof(isr), l->isr);
	timer_format(timer, sizeof(timer), l, now);
	printk("    rip %#lx%s, irr %s, isr %s, tpr %#x, timer %s%s%s\n",
	       __atomic_load_n(&v->exit_rip, __ATOMIC_RELAXED),
	       v->state == VCPU_RUNNING ? " (last exit)" : "", irr, isr, l->tpr, timer,
	       l->pending_nmi ? ", nmi pending" : "", l->pending_init ? ", init pending" : "");
}

/* Current, target and maximum memory; the balloon's counters when it has one. */
static void show_memory(struct domain *d)
{
	uint64_t cur, target, max;

	balloon_mem(d, &cur, &target, &max);
	printk("  memory: current %lu MiB, target %lu MiB, max %lu MiB\n", cur >> 20, target >> 20,
	       max >> 20);
	if (d->balloon)
		balloon_print(d);
}

static void show_domains(void)
{
	uint64_t flags = sched_lock_all(), now = rdtsc();

	for (unsigned int i = 0; sched_domain(i); i++) {
		struct domain *d = sched_domain(i);

		printk("dom%u %s: %s, %u vcpus, weight %u, cap %u, cpus %#lx, progress %lu\n",
		       d->id, d->name, d->paused ? "paused" : "running", d->nvcpus, d->weight,
		       d->cap, d->affinity, d->progress);
		for (unsigned int j = 0; j < d->nvcpus; j++)
			show_vcpu(d->vcpus[j], now);
		show_memory(d);
		if (d->share)
			share_print(d);
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

/* Sets the balloon target typed as bN,SIZEm (as act() does, without the scheduler's
 * locks: balloon_set_target takes the domain's dev_lock, which comes before them). */
static void balloon_key_done(void)
{
	struct domain *d = domain_by_id(bkey.dom);

	if (!d || balloon_set_target(d, bkey.mib << 20))
		printk("debug keys: domain %u has no balloon, or %lu MiB is over its memory\n",
		       bkey.dom, bkey.mib);
	else
		printk("debug keys: domain %s: balloon target %lu MiB\n", d->name, bkey.mib);
	bkey.on = 0;
}

/* A key of bN,SIZEm after the domain digit: digits, then m (a comma is skipped). */
static void balloon_key(char key)
{
	if (key >= '0' && key <= '9' && bkey.mib < (1ull << 30))
		bkey.mib = bkey.mib * 10 + (uint64_t)(key - '0');
	else if (key == 'm' || key == 'M')
		balloon_key_done();
	else if (key != ',') {
		printk("debug keys: type bN,SIZEm, such as b1,128m\n");
		bkey.on = 0;
	}
}

/* Runs one key (and the domain digit after p, u, x, b). */
static void debug_key(char key)
{
	if (bkey.on) {
		balloon_key(key);
		return;
	}
	if (pending_action == 'b') {
		pending_action = 0;
		if (key >= '0' && key <= '9')
			bkey = (struct balloon_key){ 1, (unsigned int)(key - '0'), 0 };
		return;
	}
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
	case 't': /* trace=N: every domain's exit trace to COM2 (kernel/trace.c) */
		for (unsigned int i = 0; sched_domain(i); i++)
			trace_dump(sched_domain(i));
		break;
	case 'm':
		printk("memory: %lu frames free (%lu MiB)\n", mm_frames_free(),
		       mm_frames_free() >> 8);
		share_print_total();
		break;
	case 's':
		sched_switch_policy();
		break;
	case 'p':
	case 'u':
	case 'x':
	case 'b':
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
