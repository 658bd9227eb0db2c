/*
 * hosted/trace.c: bvm's exit trace, `bvm run --trace FILE` (docs/tracing.md).
 * Each vCPU thread keeps a ring of its last BVM_TRACE_RING exits from the
 * accelerator (KVM_RUN's io, mmio, hlt, shutdown, system events, kicks), one
 * record of include/public/trace.h each: the TSC when the run returned (Intel
 * SDM vol. 3B 17.17), the kind as the Type-1 kernel names it, the port or
 * gpa, and the TSC cycles bvm's handler took. When the guest ends they go to
 * FILE in the text form of lib/trace_fmt.c that bivisor writes to COM2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosted/bvm.h"
#include "lib/trace_fmt.h"

static const uint16_t trace_kinds[ACCEL_EXIT_KINDS] = {
	[ACCEL_EXIT_OTHER] = BV_TRACE_UNKNOWN,	   [ACCEL_EXIT_IO] = BV_TRACE_IO,
	[ACCEL_EXIT_MMIO] = BV_TRACE_MMIO,	   [ACCEL_EXIT_HALT] = BV_TRACE_HLT,
	[ACCEL_EXIT_SHUTDOWN] = BV_TRACE_SHUTDOWN, [ACCEL_EXIT_FAIL_ENTRY] = BV_TRACE_INVALID,
	[ACCEL_EXIT_INTERNAL] = BV_TRACE_UNKNOWN,  [ACCEL_EXIT_SYSTEM] = BV_TRACE_SYSTEM,
	[ACCEL_EXIT_INTERRUPTED] = BV_TRACE_KICK,
};

uint64_t trace_now(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

int trace_open(struct vm *vm, const char *path)
{
	vm->trace = fopen(path, "w");
	if (!vm->trace) {
		fprintf(stderr, "bvm: --trace %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int trace_start(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		vm->vcpu[i].trace = calloc(BVM_TRACE_RING, sizeof(struct bv_trace_rec));
		if (!vm->vcpu[i].trace) {
			fprintf(stderr, "bvm: --trace: no memory for vcpu %u's records\n", i);
			return -1;
		}
	}
	return 0;
}

void trace_record(struct bvm_vcpu *v, const struct accel_exit *e, uint64_t t0)
{
	uint64_t t1 = trace_now();
	struct bv_trace_rec *r = &v->trace[v->traced++ % BVM_TRACE_RING];

	*r = (struct bv_trace_rec){ .tsc = t0,
				    .vcpu = (uint16_t)v->id,
				    .kind = trace_kinds[e->kind] };
	r->cycles = t1 - t0 > 0xffffffffu ? 0xffffffffu : (uint32_t)(t1 - t0);
	if (e->kind == ACCEL_EXIT_IO) {
		r->arg = e->io.port;
		r->flags = e->io.write ? BV_TRACE_F_WRITE : 0;
	} else if (e->kind == ACCEL_EXIT_MMIO) {
		r->arg = e->mmio.addr;
		r->flags = e->mmio.write ? BV_TRACE_F_WRITE : 0;
	}
}

/* v's records, oldest first; returns how many. */
static uint64_t trace_write_vcpu(FILE *f, const struct bvm_vcpu *v)
{
	uint64_t n = v->traced < BVM_TRACE_RING ? v->traced : BVM_TRACE_RING;
	char line[BV_TRACE_LINE_MAX];

	if (v->traced > n) {
		trace_fmt_lost(line, sizeof(line), v->id, v->traced - n);
		fputs(line, f);
	}
	for (uint64_t i = v->traced - n; i < v->traced; i++) {
		trace_fmt_rec(line, sizeof(line), &v->trace[i % BVM_TRACE_RING]);
		fputs(line, f);
	}
	return n;
}

int trace_finish(struct vm *vm, const char *name)
{
	char line[BV_TRACE_LINE_MAX + BVM_NAME_LEN];
	uint64_t n = 0;
	int err;

	if (!vm->trace)
		return 0;
	trace_fmt_begin(line, sizeof(line), "bvm", name, vm->ncpus, vm->accel->tsc_khz(vm->acc));
	fputs(line, vm->trace);
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		n += trace_write_vcpu(vm->trace, &vm->vcpu[i]);
		free(vm->vcpu[i].trace);
		vm->vcpu[i].trace = NULL;
	}
	trace_fmt_end(line, sizeof(line), n);
	fputs(line, vm->trace);
	err = ferror(vm->trace) | fclose(vm->trace);
	vm->trace = NULL;
	if (err)
		fprintf(stderr, "bvm: --trace: could not write the trace\n");
	return err ? -1 : 0;
}
