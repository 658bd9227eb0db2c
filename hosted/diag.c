/*
 * hosted/diag.c: what bvm tells about a guest that stopped making progress
 * (on SIGQUIT, at the --watchdog deadline, and when a vCPU crashes): each
 * vCPU's registers and what it waits for (the accelerator's get_regs,
 * hosted/accel.h), read by the vCPU's own thread once it is kicked out of its
 * run, its exits by kind and the last one, and the accesses of every device
 * range that the guest's I/O bus (drivers/iobus.c) counts.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hosted/bvm.h"

#define ANSWER_WAIT_S 1 /* a vCPU busy outside its run longer than this is reported so */

static const char *const exit_names[ACCEL_EXIT_KINDS] = {
	[ACCEL_EXIT_OTHER] = "other",
	[ACCEL_EXIT_IO] = "io",
	[ACCEL_EXIT_MMIO] = "mmio",
	[ACCEL_EXIT_HALT] = "hlt",
	[ACCEL_EXIT_SHUTDOWN] = "shutdown",
	[ACCEL_EXIT_FAIL_ENTRY] = "fail-entry",
	[ACCEL_EXIT_INTERNAL] = "internal-error",
	[ACCEL_EXIT_SYSTEM] = "system-event",
	[ACCEL_EXIT_INTERRUPTED] = "intr",
	[ACCEL_EXIT_DEBUG] = "debug",
};

#define U(x) ((unsigned long long)(x))

static void stat_inc(uint64_t *c)
{
	/* only the vCPU's thread writes; the dump may read while it does */
	__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);
}

void diag_count_exit(struct bvm_vcpu *v, const struct accel_exit *e)
{
	struct bvm_vcpu_stats *s = &v->stats;

	stat_inc(&s->by_kind[e->kind]);
	if (e->kind == ACCEL_EXIT_INTERRUPTED)
		return; /* bvm's kick: "last" stays the guest's own exit */
	stat_inc(&s->exits);
	s->last_kind = e->kind;
	if (e->kind == ACCEL_EXIT_IO) {
		s->last_addr = e->io.port;
		s->last_size = e->io.size;
		s->last_write = e->io.write;
	} else if (e->kind == ACCEL_EXIT_MMIO) {
		s->last_addr = e->mmio.addr;
		s->last_size = e->mmio.size;
		s->last_write = e->mmio.write;
	}
}

/* "N exits: io A, mmio B, ...; last: io out port 0xf5 (4 bytes)" */
static int format_exits(const struct bvm_vcpu *v, char *buf, size_t len)
{
	const struct bvm_vcpu_stats *s = &v->stats;
	uint64_t total = __atomic_load_n(&s->exits, __ATOMIC_RELAXED);
	int n = snprintf(buf, len, "bvm: vcpu %u: %llu exits", v->id, (unsigned long long)total);
	const char *sep = ": ";

	for (uint32_t i = 0; i < ACCEL_EXIT_KINDS && (size_t)n < len; i++) {
		uint64_t c = __atomic_load_n(&s->by_kind[i], __ATOMIC_RELAXED);

		if (!c)
			continue;
		n += snprintf(buf + n, len - n, "%s%s %llu", sep, exit_names[i],
			      (unsigned long long)c);
		sep = ", ";
	}
	if ((size_t)n >= len)
		return n;
	if (!total)
		return n + snprintf(buf + n, len - n, "; last: none\n");
	if (s->last_kind == ACCEL_EXIT_IO || s->last_kind == ACCEL_EXIT_MMIO)
		return n + snprintf(buf + n, len - n, "; last: %s %s %s %#llx (%u bytes)\n",
				    exit_names[s->last_kind], s->last_write ? "write" : "read",
				    s->last_kind == ACCEL_EXIT_IO ? "port" : "address",
				    (unsigned long long)s->last_addr, s->last_size);
	return n + snprintf(buf + n, len - n, "; last: %s\n", exit_names[s->last_kind]);
}

static const char *state_name(enum accel_vcpu_state state)
{
	static const char *const names[] = {
		[ACCEL_VCPU_UNKNOWN] = "state unknown",
		[ACCEL_VCPU_RUNNABLE] = "runnable",
		[ACCEL_VCPU_WAIT_INIT] = "waiting for INIT",
		[ACCEL_VCPU_WAIT_SIPI] = "waiting for SIPI",
		[ACCEL_VCPU_HALTED] = "halted",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "other";
}

static const char *cpu_mode(const struct accel_regs *r)
{
	if (!(r->cr0 & 1))
		return "real mode";
	if (r->cs.l)
		return "64-bit";
	return r->cs.db ? "32-bit" : "16-bit";
}

static int format_regs(unsigned int id, const struct accel_regs *r, char *buf, size_t len)
{
	return snprintf(
		buf, len,
		"bvm: vcpu %u: %s, %s: rip %#llx rsp %#llx rflags %#llx cs %#x\n"
		"bvm: vcpu %u: cr0 %#llx cr2 %#llx cr3 %#llx cr4 %#llx efer %#llx\n"
		"bvm: vcpu %u: rax %#llx rbx %#llx rcx %#llx rdx %#llx\n"
		"bvm: vcpu %u: rsi %#llx rdi %#llx rbp %#llx r8 %#llx r9 %#llx\n"
		"bvm: vcpu %u: r10 %#llx r11 %#llx r12 %#llx r13 %#llx r14 %#llx r15 %#llx\n",
		id, state_name(r->state), cpu_mode(r), U(r->rip), U(r->rsp), U(r->rflags),
		r->cs.selector, id, U(r->cr0), U(r->cr2), U(r->cr3), U(r->cr4), U(r->efer), id,
		U(r->rax), U(r->rbx), U(r->rcx), U(r->rdx), id, U(r->rsi), U(r->rdi), U(r->rbp),
		U(r->r8), U(r->r9), id, U(r->r10), U(r->r11), U(r->r12), U(r->r13), U(r->r14),
		U(r->r15));
}

/* On v's own thread, out of its run: its registers, then its exits. */
static void format_vcpu(struct bvm_vcpu *v, char *buf, size_t len)
{
	struct accel_regs r;
	int n, rc = v->vm->accel->get_regs(v->acc, &r);

	if (rc == -ENOSYS)
		n = snprintf(buf, len, "bvm: vcpu %u: registers: not available with --accel %s\n",
			     v->id, v->vm->accel->name);
	else if (rc < 0)
		n = snprintf(buf, len, "bvm: vcpu %u: cannot read its registers: %s\n", v->id,
			     strerror(-rc));
	else
		n = format_regs(v->id, &r, buf, len);
	if (n >= 0 && (size_t)n < len)
		format_exits(v, buf + n, len - n);
}

void diag_print_vcpu(struct bvm_vcpu *v)
{
	char buf[sizeof(v->vm->diag_text[0])];

	format_vcpu(v, buf, sizeof(buf));
	fputs(buf, stderr);
}

void diag_answer(struct bvm_vcpu *v)
{
	struct vm *vm = v->vm;
	unsigned int gen = __atomic_load_n(&vm->diag_gen, __ATOMIC_SEQ_CST);

	if (gen == v->diag_done)
		return;
	format_vcpu(v, vm->diag_text[v->id], sizeof(vm->diag_text[v->id]));
	pthread_mutex_lock(&vm->diag_lock);
	v->diag_done = gen;
	pthread_cond_broadcast(&vm->diag_cond);
	pthread_mutex_unlock(&vm->diag_lock);
}

static unsigned int answers(const struct vm *vm, unsigned int gen)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < vm->ncpus; i++)
		n += vm->vcpu[i].diag_done == gen;
	return n;
}

/* Asks every vCPU thread for its state; returns the request's number. */
static unsigned int request_answers(struct vm *vm)
{
	struct timespec until;
	unsigned int gen;

	pthread_mutex_lock(&vm->diag_lock);
	gen = __atomic_add_fetch(&vm->diag_gen, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&vm->diag_lock);
	vm_kick_vcpus(vm);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ANSWER_WAIT_S;
	pthread_mutex_lock(&vm->diag_lock);
	while (answers(vm, gen) < vm->ncpus &&
	       pthread_cond_timedwait(&vm->diag_cond, &vm->diag_lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&vm->diag_lock);
	return gen;
}

static void print_devices(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->bus.ndev; i++) {
		const struct iobus_dev *d = &vm->bus.dev[i];

		fprintf(stderr, "bvm: device %s at %s %#llx+%#llx: %llu reads, %llu writes\n",
			d->r.name, d->r.space == DM_SPACE_PIO ? "port" : "mmio",
			(unsigned long long)d->r.base, (unsigned long long)d->r.len,
			(unsigned long long)__atomic_load_n(&d->reads, __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(&d->writes, __ATOMIC_RELAXED));
	}
	fprintf(stderr, "bvm: unclaimed accesses: %llu port, %llu mmio\n",
		(unsigned long long)__atomic_load_n(&vm->bus.unclaimed[DM_SPACE_PIO],
						    __ATOMIC_RELAXED),
		(unsigned long long)__atomic_load_n(&vm->bus.unclaimed[DM_SPACE_MMIO],
						    __ATOMIC_RELAXED));
}

void diag_dump(struct vm *vm, const char *why)
{
	unsigned int gen = request_answers(vm);
	char buf[256];

	fprintf(stderr, "bvm: dump (%s): %u vcpus\n", why, vm->ncpus);
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct bvm_vcpu *v = &vm->vcpu[i];

		if (__atomic_load_n(&v->diag_done, __ATOMIC_ACQUIRE) == gen) {
			fputs(vm->diag_text[i], stderr);
			continue;
		}
		fprintf(stderr, "bvm: vcpu %u: no answer in %d s (busy outside its run)\n", i,
			ANSWER_WAIT_S);
		format_exits(v, buf, sizeof(buf));
		fputs(buf, stderr);
	}
	print_devices(vm);
	fprintf(stderr, "bvm: dump end\n");
}
