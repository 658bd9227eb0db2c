/*
 * kernel/trace.c: the exit trace (docs/tracing.md). With trace=N each vCPU
 * has a ring of its last N exits, one record of include/public/trace.h per
 * exit: the TSC as the dispatcher took it (Intel SDM vol. 3B 17.17 "Time-Stamp
 * Counter"), the neutral exit's kind, its port, gpa, MSR or CPUID leaf, the
 * handler's cycles, and for an access forwarded to the service the cycles
 * until its answer (kernel/ioreq.c). The rings go out on COM2 (the PC's
 * second 16550 at 0x2f8) as the text lines of lib/trace_fmt.c.
 */
#include "arch/x86/serial.h"
#include "arch/x86/tsc.h"
#include "arch/x86/x86.h"
#include "kernel/cmdline.h"
#include "kernel/domain.h"
#include "kernel/errno.h"
#include "kernel/mm.h"
#include "kernel/trace.h"
#include "lib/trace_fmt.h"

_Static_assert((int)BV_TRACE_CR_WRITE == (int)VM_EXIT_CR_WRITE &&
		       (int)BV_TRACE_IO == (int)VM_EXIT_IO &&
		       (int)BV_TRACE_CR_WRITE + 1 == (int)VM_EXIT_NR_KINDS,
	       "the trace kinds are the neutral exit's kinds");

unsigned int trace_records;
static spinlock_t dump_lock;
static int com2_ready;

int trace_set_option(const char *v)
{
	unsigned long n;

	if (cmdline_parse_uint(v, &n) || n < 1 || n > TRACE_MAX_RECORDS)
		return -EINVAL;
	trace_records = (unsigned int)n;
	return 0;
}

int trace_vcpu_init(struct vcpu *v)
{
	if (!trace_records)
		return 0;
	v->trace.ring = kzalloc((size_t)trace_records * sizeof(struct bv_trace_rec));
	return v->trace.ring ? 0 : -ENOMEM;
}

void trace_vcpu_destroy(struct vcpu *v)
{
	kfree(v->trace.ring);
	v->trace.ring = NULL;
}

/* The exit's port, gpa, MSR index or leaf; a write sets BV_TRACE_F_WRITE. */
static uint64_t trace_arg(struct vcpu *v, const struct vm_exit *e, uint32_t *flags)
{
	switch (e->kind) {
	case VM_EXIT_IO:
		*flags = e->io.is_write ? BV_TRACE_F_WRITE : 0;
		return e->io.port;
	case VM_EXIT_MMIO:
		*flags = e->mmio.is_write ? BV_TRACE_F_WRITE : 0;
		return e->mmio.gpa;
	case VM_EXIT_MSR_WRITE:
		*flags = BV_TRACE_F_WRITE;
		return e->msr.index;
	case VM_EXIT_MSR_READ:
		return e->msr.index;
	case VM_EXIT_CPUID:
	case VM_EXIT_HYPERCALL:
		return (uint32_t)vcpu_get_reg(v, VM_REG_RAX); /* the leaf, the call */
	case VM_EXIT_EXCEPTION:
		return e->exc.vector;
	case VM_EXIT_CR_WRITE:
		return e->cr.cr;
	default:
		return 0;
	}
}

static uint32_t cycles32(uint64_t c)
{
	return c > 0xffffffffull ? 0xffffffffu : (uint32_t)c;
}

static void trace_put(struct vcpu_trace *t, const struct bv_trace_rec *r)
{
	t->ring[t->written % trace_records] = *r;
	__atomic_store_n(&t->written, t->written + 1, __ATOMIC_RELEASE);
}

void trace_exit(struct vcpu *v, struct vm_exit *e,
		void (*handle)(struct vcpu *v, const struct vm_exit *e))
{
	struct bv_trace_rec r = { .tsc = rdtsc(), .vcpu = (uint16_t)v->id };
	uint64_t t1;

	r.kind = e->kind < VM_EXIT_NR_KINDS ? (uint16_t)e->kind : BV_TRACE_UNKNOWN;
	r.arg = trace_arg(v, e, &r.flags);
	if (handle)
		handle(v, e);
	t1 = rdtsc();
	r.cycles = cycles32(t1 - r.tsc);
	if (v->wait == WAIT_IOREQ) { /* recorded when the service has answered */
		r.flags |= BV_TRACE_F_FORWARDED;
		v->trace.held = r;
		v->trace.held_since = t1;
		return;
	}
	trace_put(&v->trace, &r);
}

void trace_resumed(struct vcpu *v)
{
	struct vcpu_trace *t = &v->trace;

	if (!t->held_since || v->wait == WAIT_IOREQ)
		return;
	t->held.hop = cycles32(rdtsc() - t->held_since);
	t->held_since = 0;
	trace_put(t, &t->held);
}

static void com2_puts(const char *s)
{
	while (*s)
		serial_putc(COM2_PORT, *s++);
}

/* The records v's ring still holds, oldest first; returns how many. */
static uint64_t dump_vcpu(struct vcpu *v)
{
	struct vcpu_trace *t = &v->trace;
	uint64_t end = __atomic_load_n(&t->written, __ATOMIC_ACQUIRE);
	uint64_t n = end < trace_records ? end : trace_records;
	char line[BV_TRACE_LINE_MAX];

	if (end > n) {
		trace_fmt_lost(line, sizeof(line), v->id, end - n);
		com2_puts(line);
	}
	for (uint64_t i = end - n; i < end; i++) {
		trace_fmt_rec(line, sizeof(line), &t->ring[i % trace_records]);
		com2_puts(line);
	}
	return n;
}

void trace_dump(struct domain *d)
{
	char line[BV_TRACE_LINE_MAX + DOMAIN_NAME_LEN];
	uint64_t flags, n = 0;

	if (!trace_records)
		return;
	flags = spin_lock_irqsave(&dump_lock);
	if (!com2_ready) {
		serial_init(COM2_PORT);
		com2_ready = 1;
	}
	trace_fmt_begin(line, sizeof(line), "bivisor", d->name, d->nvcpus, tsc_khz());
	com2_puts(line);
	for (unsigned int i = 0; i < d->nvcpus; i++)
		n += dump_vcpu(d->vcpus[i]);
	trace_fmt_end(line, sizeof(line), n);
	com2_puts(line);
	spin_unlock_irqrestore(&dump_lock, flags);
}
