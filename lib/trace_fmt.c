/*
 * lib/trace_fmt.c: the text form of exit trace records (include/public/trace.h),
 * shared by the kernel's COM2 read-out (kernel/trace.c) and bvm's --trace file
 * (hosted/trace.c), so tools/bvtrace.py reads one format from both modes.
 */
#include "lib/trace_fmt.h"
#include "lib/format.h"

int trace_fmt_begin(char *buf, size_t len, const char *source, const char *name, unsigned int vcpus,
		    uint64_t tsc_khz)
{
	return fmt_snprintf(buf, len, "BVT begin v1 source=%s name=%s vcpus=%u tsc_khz=%lu\n",
			    source, name, vcpus, (unsigned long)tsc_khz);
}

int trace_fmt_rec(char *buf, size_t len, const struct bv_trace_rec *r)
{
	return fmt_snprintf(buf, len, "BVT %x %x %lx %lx %x %x %x\n", r->vcpu, r->kind,
			    (unsigned long)r->tsc, (unsigned long)r->arg, r->cycles, r->hop,
			    r->flags);
}

int trace_fmt_lost(char *buf, size_t len, unsigned int vcpu, uint64_t lost)
{
	return fmt_snprintf(buf, len, "BVT lost %x %lx\n", vcpu, (unsigned long)lost);
}

int trace_fmt_end(char *buf, size_t len, uint64_t records)
{
	return fmt_snprintf(buf, len, "BVT end records=%lx\n", (unsigned long)records);
}
