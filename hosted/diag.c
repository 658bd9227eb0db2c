/*
 * hosted/diag.c: what bvm tells about a guest that stopped making progress
 * (on SIGQUIT, at the --watchdog deadline, and when a vCPU crashes): each
 * vCPU's registers (KVM_GET_REGS, KVM_GET_SREGS, KVM_GET_MP_STATE:
 * Documentation/virt/kvm/api.rst 4.11, 4.13, 4.38), read by the vCPU's own
 * thread once it is kicked out of KVM_RUN, its exits by reason and the last
 * one, and the accesses of every device range that hosted/io.c counts.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "hosted/bvm.h"

#define ANSWER_WAIT_S 1 /* a vCPU busy outside KVM_RUN longer than this is reported so */

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "unknown",
	[KVM_EXIT_EXCEPTION] = "exception",
	[KVM_EXIT_IO] = "io",
	[KVM_EXIT_HYPERCALL] = "hypercall",
	[KVM_EXIT_DEBUG] = "debug",
	[KVM_EXIT_HLT] = "hlt",
	[KVM_EXIT_MMIO] = "mmio",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "irq-window-open",
	[KVM_EXIT_SHUTDOWN] = "shutdown",
	[KVM_EXIT_FAIL_ENTRY] = "fail-entry",
	[KVM_EXIT_INTR] = "intr",
	[KVM_EXIT_SET_TPR] = "set-tpr",
	[KVM_EXIT_TPR_ACCESS] = "tpr-access",
	[KVM_EXIT_NMI] = "nmi",
	[KVM_EXIT_INTERNAL_ERROR] = "internal-error",
	[KVM_EXIT_SYSTEM_EVENT] = "system-event",
	[KVM_EXIT_IOAPIC_EOI] = "ioapic-eoi",
	[KVM_EXIT_HYPERV] = "hyperv",
	[KVM_EXIT_X86_RDMSR] = "rdmsr",
	[KVM_EXIT_X86_WRMSR] = "wrmsr",
	[KVM_EXIT_X86_BUS_LOCK] = "bus-lock",
	[KVM_EXIT_NOTIFY] = "notify",
};

static const char *exit_name(uint32_t reason)
{
	if (reason >= BVM_EXIT_REASONS - 1)
		return "other";
	if (reason < sizeof(exit_names) / sizeof(exit_names[0]) && exit_names[reason])
		return exit_names[reason];
	return "other";
}

static void stat_inc(uint64_t *c)
{
	/* only the vCPU's thread writes; the dump may read while it does */
	__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);
}

void diag_count_exit(struct bvm_vcpu *v)
{
	struct bvm_vcpu_stats *s = &v->stats;
	const struct kvm_run *r = v->run;
	uint32_t reason = r->exit_reason;

	stat_inc(&s->exits);
	stat_inc(&s->by_reason[reason < BVM_EXIT_REASONS ? reason : BVM_EXIT_REASONS - 1]);
	s->last_reason = reason;
	if (reason == KVM_EXIT_IO) {
		s->last_addr = r->io.port;
		s->last_size = r->io.size;
		s->last_write = r->io.direction == KVM_EXIT_IO_OUT;
	} else if (reason == KVM_EXIT_MMIO) {
		s->last_addr = r->mmio.phys_addr;
		s->last_size = r->mmio.len;
		s->last_write = r->mmio.is_write;
	}
}

/* "N exits: io A, mmio B, ...; last: io out port 0xf5 (4 bytes)" */
static int format_exits(const struct bvm_vcpu *v, char *buf, size_t len)
{
	const struct bvm_vcpu_stats *s = &v->stats;
	uint64_t total = __atomic_load_n(&s->exits, __ATOMIC_RELAXED);
	int n = snprintf(buf, len, "bvm: vcpu %u: %llu exits", v->id, (unsigned long long)total);
	const char *sep = ": ";

	for (uint32_t i = 0; i < BVM_EXIT_REASONS && (size_t)n < len; i++) {
		uint64_t c = __atomic_load_n(&s->by_reason[i], __ATOMIC_RELAXED);

		if (!c)
			continue;
		n += snprintf(buf + n, len - n, "%s%s %llu", sep, exit_name(i),
			      (unsigned long long)c);
		sep = ", ";
	}
	if ((size_t)n >= len)
		return n;
	if (!total)
		return n + snprintf(buf + n, len - n, "; last: none\n");
	if (s->last_reason == KVM_EXIT_IO || s->last_reason == KVM_EXIT_MMIO)
		return n + snprintf(buf + n, len - n, "; last: %s %s %s %#llx (%u bytes)\n",
				    exit_name(s->last_reason), s->last_write ? "write" : "read",
				    s->last_reason == KVM_EXIT_IO ? "port" : "address",
				    (unsigned long long)s->last_addr, s->last_size);
	return n + snprintf(buf + n, len - n, "; last: %s\n", exit_name(s->last_reason));
}

static const char *mp_state_name(int ok, uint32_t state)
{
	static const char *const names[] = {
		[KVM_MP_STATE_RUNNABLE] = "runnable",
		[KVM_MP_STATE_UNINITIALIZED] = "waiting for INIT",
		[KVM_MP_STATE_INIT_RECEIVED] = "waiting for SIPI",
		[KVM_MP_STATE_HALTED] = "halted",
		[KVM_MP_STATE_SIPI_RECEIVED] = "SIPI received",
	};

	if (!ok)
		return "state unknown";
	return state < sizeof(names) / sizeof(names[0]) && names[state] ? names[state] : "other";
}

static const char *cpu_mode(const struct kvm_sregs *sr)
{
	if (!(sr->cr0 & 1))
		return "real mode";
	if (sr->cs.l)
		return "64-bit";
	return sr->cs.db ? "32-bit" : "16-bit";
}

static int format_regs(unsigned int id, const struct kvm_regs *r, const struct kvm_sregs *sr,
		       const char *state, char *buf, size_t len)
{
	return snprintf(
		buf, len,
		"bvm: vcpu %u: %s, %s: rip %#llx rsp %#llx rflags %#llx cs %#x\n"
		"bvm: vcpu %u: cr0 %#llx cr2 %#llx cr3 %#llx cr4 %#llx efer %#llx\n"
		"bvm: vcpu %u: rax %#llx rbx %#llx rcx %#llx rdx %#llx\n"
		"bvm: vcpu %u: rsi %#llx rdi %#llx rbp %#llx r8 %#llx r9 %#llx\n"
		"bvm: vcpu %u: r10 %#llx r11 %#llx r12 %#llx r13 %#llx r14 %#llx r15 %#llx\n",
		id, state, cpu_mode(sr), r->rip, r->rsp, r->rflags, sr->cs.selector, id, sr->cr0,
		sr->cr2, sr->cr3, sr->cr4, sr->efer, id, r->rax, r->rbx, r->rcx, r->rdx, id, r->rsi,
		r->rdi, r->rbp, r->r8, r->r9, id, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15);
}

/* On v's own thread, out of KVM_RUN: its registers, then its exits. */
static void format_vcpu(struct bvm_vcpu *v, char *buf, size_t len)
{
	struct kvm_regs r;
	struct kvm_sregs sr;
	struct kvm_mp_state mp;
	int n, mp_ok = ioctl(v->fd, KVM_GET_MP_STATE, &mp) == 0;

	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
		n = snprintf(buf, len, "bvm: vcpu %u: cannot read its registers: %s\n", v->id,
			     strerror(errno));
	else
		n = format_regs(v->id, &r, &sr, mp_state_name(mp_ok, mp.mp_state), buf, len);
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
	for (unsigned int i = 0; i < vm->nio; i++) {
		const struct dm_io_region *r = &vm->io[i];

		fprintf(stderr, "bvm: device %s at %s %#llx+%#llx: %llu reads, %llu writes\n",
			r->name, r->space == DM_SPACE_PIO ? "port" : "mmio",
			(unsigned long long)r->base, (unsigned long long)r->len,
			(unsigned long long)__atomic_load_n(&vm->io_count[i].reads,
							    __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(&vm->io_count[i].writes,
							    __ATOMIC_RELAXED));
	}
	fprintf(stderr, "bvm: unclaimed accesses: %llu port, %llu mmio\n",
		(unsigned long long)__atomic_load_n(&vm->unclaimed[0], __ATOMIC_RELAXED),
		(unsigned long long)__atomic_load_n(&vm->unclaimed[1], __ATOMIC_RELAXED));
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
		fprintf(stderr, "bvm: vcpu %u: no answer in %d s (busy outside KVM_RUN)\n", i,
			ANSWER_WAIT_S);
		format_exits(v, buf, sizeof(buf));
		fputs(buf, stderr);
	}
	print_devices(vm);
	fprintf(stderr, "bvm: dump end\n");
}
