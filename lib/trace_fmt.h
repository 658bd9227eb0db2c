/*
 * lib/trace_fmt.h: formats exit trace records as the text lines of
 * include/public/trace.h. Each returns what fmt_snprintf returns.
 */
#ifndef LIB_TRACE_FMT_H
#define LIB_TRACE_FMT_H

#include <stddef.h>

#include "include/public/trace.h"

int trace_fmt_begin(char *buf, size_t len, const char *source, const char *name, unsigned int vcpus,
		    uint64_t tsc_khz);
int trace_fmt_rec(char *buf, size_t len, const struct bv_trace_rec *r);
int trace_fmt_lost(char *buf, size_t len, unsigned int vcpu, uint64_t lost);
int trace_fmt_end(char *buf, size_t len, uint64_t records);

#endif
