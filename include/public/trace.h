/*
 * include/public/trace.h: the exit trace record, one per exit, the same in
 * both modes (docs/tracing.md). The Type-1 kernel fills a ring of them per
 * vCPU in its exit dispatcher (kernel/trace.c) and bvm one buffer per vCPU
 * around its handling of each KVM_RUN exit (hosted/trace.c). Both write them
 * out as the same framed text (lib/trace_fmt.c), which tools/bvtrace.py turns
 * into Chrome/Perfetto JSON (the Trace Event Format) and plots.
 */
#ifndef PUBLIC_TRACE_H
#define PUBLIC_TRACE_H

#include <stdint.h>

/* The kind of an exit: the neutral exit's kind (kernel/virt.h enum vm_exit_kind),
 * plus what only bvm sees from KVM_RUN. */
enum bv_trace_kind {
	BV_TRACE_NONE,
	BV_TRACE_IO,
	BV_TRACE_MMIO,
	BV_TRACE_CPUID,
	BV_TRACE_MSR_READ,
	BV_TRACE_MSR_WRITE,
	BV_TRACE_HLT,
	BV_TRACE_HYPERCALL,
	BV_TRACE_EXTINT,
	BV_TRACE_NMI,
	BV_TRACE_EXCEPTION,
	BV_TRACE_SHUTDOWN,
	BV_TRACE_INVALID,
	BV_TRACE_UNKNOWN,
	BV_TRACE_INTR_WINDOW,
	BV_TRACE_PAUSE,
	BV_TRACE_NMI_WINDOW,
	BV_TRACE_CR_WRITE,
	BV_TRACE_SYSTEM = 32, /* bvm: KVM_EXIT_SYSTEM_EVENT (power-off, reset) */
	BV_TRACE_KICK,	      /* bvm: KVM_RUN interrupted by a kick or a signal */
};

#define BV_TRACE_F_WRITE 1u	/* an OUT, an MMIO write, a WRMSR */
#define BV_TRACE_F_FORWARDED 2u /* an ioreq went to the service; hop holds its round trip */

struct bv_trace_rec {
	uint64_t tsc;	 /*  0: the TSC when the exit reached the dispatcher */
	uint64_t arg;	 /*  8: the port, gpa, MSR index or CPUID leaf; 0 if none */
	uint32_t cycles; /* 16: the handler's time in TSC cycles (saturates) */
	uint32_t hop;	 /* 20: a forwarded ioreq: TSC cycles until its answer came */
	uint16_t kind;	 /* 24: enum bv_trace_kind */
	uint16_t vcpu;	 /* 26 */
	uint32_t flags;	 /* 28: BV_TRACE_F_* */
};
_Static_assert(sizeof(struct bv_trace_rec) == 32, "bv_trace_rec layout");

/*
 * The text form, one line each, every number in hex but tsc_khz in decimal:
 *
 *   BVT begin v1 source=bivisor|bvm name=NAME vcpus=N tsc_khz=K
 *   BVT VCPU KIND TSC ARG CYCLES HOP FLAGS       (one per record, oldest first)
 *   BVT lost VCPU N                             (the ring overwrote N records)
 *   BVT end records=N
 */
#define BV_TRACE_LINE_MAX 96

#endif
